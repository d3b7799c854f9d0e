"""Turn what a user typed into the plain text we store and show. The only module that imports bleach.

Clients render messages with ``textContent``, so the stored text is plain text, not HTML: tags and
comments are stripped and entities are turned back into the characters they stand for ("a < b & c"
is stored as typed). Control characters, bidi overrides and lone surrogates are removed, line
endings become "\\n", outer whitespace is stripped and long runs of blank lines are collapsed.
"""

from __future__ import annotations

import html
import re

import bleach

# C0 and C1 controls except tab and newline, DEL, lone surrogates (they cannot be encoded as UTF-8),
# and the bidi embeddings, overrides and isolates that could reorder the rest of the page.
_REMOVED_CODEPOINTS = [
    *[c for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x0D)],
    0x7F,
    *range(0x80, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    *range(0xD800, 0xE000),
    0xFFFE,
    0xFFFF,
]
_REMOVE = dict.fromkeys(_REMOVED_CODEPOINTS)
# Line and paragraph separators render as line breaks; store them as one.
_REMOVE[0x2028] = "\n"
_REMOVE[0x2029] = "\n"
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)

# Something that html5lib would parse as a tag or comment start, and a complete tag or comment opener.
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_LEFTOVER_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*>|!--)")
_BLANK_LINE_RUN = re.compile(r"\n(?:[ \t]*\n){3,}")
# http(s) URLs only; the host must start with a letter or digit. Trailing punctuation is trimmed below.
_URL = re.compile(r"(?<![\w.+-])https?://[A-Za-z0-9][^\s<>\"'`]*", re.IGNORECASE)
_URL_TRAILING = ".,;:!?*'\""
_MAX_STRIP_ROUNDS = 4


def sanitize(text: str) -> str:
    """Return ``text`` as safe plain text: no markup, no control or bidi characters, tidy whitespace."""
    if "<" in text or "&" in text:
        text = _strip_markup(text)
    elif _UNSAFE_CHARS.search(text):
        text = text.translate(_REMOVE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if text.count("\n") > 3:
        text = _BLANK_LINE_RUN.sub("\n\n\n", text)
    return text


def _strip_markup(text: str) -> str:
    """Return ``text`` with tags and comments removed and entities decoded, until nothing changes."""
    text = text.translate(_REMOVE)
    for _ in range(_MAX_STRIP_ROUNDS):
        decoded = html.unescape(bleach.clean(text, tags=[], attributes={}, strip=True, strip_comments=True))
        # Decoded entities may spell new markup ("&lt;b&gt;") or controls ("&#x202e;"), and after a
        # stray "</" bleach escapes the next tag instead of stripping it ("</<b>"): remove those too.
        decoded = _LEFTOVER_TAG.sub("", decoded.translate(_REMOVE))
        if decoded == text or ("<" not in decoded and "&" not in decoded):
            return decoded
        text = decoded
    # Markup nested deeper than we are willing to decode: make sure no tag can survive.
    return _TAG_START.sub(lambda m: m.group()[1:], text)


def linkify_safe_urls(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, url) for each http or https URL in ``text``; no other scheme is ever returned.

    ``text`` should be sanitised text. A renderer may make these spans clickable.
    """
    links = []
    for match in _URL.finditer(text):
        url = match.group()
        url = _trim_url(url)
        if "://" in url and len(url) > url.index("://") + 3:
            start = match.start()
            links.append((start, start + len(url), url))
    return links


def _trim_url(url: str) -> str:
    """Return ``url`` without trailing punctuation and without a closing bracket it did not open."""
    while url:
        last = url[-1]
        if last in _URL_TRAILING:
            url = url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url
