"""Stored text is plain text: no markup, no control or bidi characters, tidy whitespace."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import sanitize as sanitize_module
from moderation.sanitize import linkify_safe_urls, sanitize


def test_tags_are_stripped_and_their_text_kept():
    assert sanitize("<b>bold</b> and <i>italic</i>") == "bold and italic"


def test_script_and_link_markup_never_survive():
    cleaned = sanitize('<script>alert(1)</script><a href="javascript:alert(2)">click</a><img src=x onerror=alert(3)>')
    assert "<" not in cleaned
    assert "href" not in cleaned and "onerror" not in cleaned
    assert cleaned == "alert(1)click"


def test_comments_are_removed():
    assert sanitize("before<!-- hidden -->after") == "beforeafter"


def test_entities_are_turned_back_into_characters():
    assert sanitize("a < b & c") == "a < b & c"
    assert sanitize("K+ &lt; 3.5 &amp; Mg") == "K+ < 3.5 & Mg"
    assert sanitize("I <3 you") == "I <3 you"


def test_ampersands_that_are_not_entities_stay_as_typed():
    assert sanitize("AT&T &notes &copy") == "AT&T &notes &copy"


def test_markup_after_a_stray_end_tag_opener_is_removed():
    assert "<script>" not in sanitize("a</<script>alert(1)</script>")


def test_entity_encoded_markup_cannot_become_a_tag():
    assert sanitize("&lt;b&gt;bold&lt;/b&gt;") == "bold"
    assert sanitize("&amp;lt;script&amp;gt;x") == "x"


def test_control_characters_are_removed_but_tabs_and_newlines_kept():
    assert sanitize("a\x00b\x07c\x1bd\x7fe\x85f\tg\nh") == "abcdef\tg\nh"


def test_line_endings_become_newlines():
    assert sanitize("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"


def test_outer_whitespace_is_stripped():
    assert sanitize("  \n\t hello \n ") == "hello"


def test_more_than_two_blank_lines_collapse_to_two():
    assert sanitize("a\n\n\n\n\n\nb") == "a\n\n\nb"
    assert sanitize("a\n \n\t\n  \n\nb") == "a\n\n\nb"
    assert sanitize("a\n\n\nb") == "a\n\n\nb"


@pytest.mark.parametrize(
    "bidi", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidi_overrides_and_isolates_are_removed(bidi):
    assert sanitize(f"abc{bidi}def") == "abcdef"


def test_bidi_override_smuggled_as_an_entity_is_removed():
    assert sanitize("&#x202E;evil") == "evil"


def test_lone_surrogates_are_removed():
    assert sanitize("ok\ud800ay") == "okay"


def test_plain_text_never_calls_bleach(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("bleach should not run on plain text")

    monkeypatch.setattr(sanitize_module.bleach, "clean", fail)
    assert sanitize("just a normal message, 100% plain") == "just a normal message, 100% plain"


def test_markup_is_only_removed_in_the_sanitize_module():
    moderation_dir = Path(sanitize_module.__file__).parent
    importers = [
        path.name
        for path in moderation_dir.rglob("*.py")
        if re.search(r"^\s*(import|from)\s+bleach", path.read_text(), re.M)
    ]
    assert importers == ["sanitize.py"]


def test_emoji_and_other_scripts_are_kept():
    text = "Привет 👋 مرحبا 你好 👨‍⚕️"
    assert sanitize(text) == text


_MARKUP_PIECES = st.sampled_from([*"<>&;/!-#x0123abc =\"'", "&lt;", "&amp;", "<b>", "</b>", "<!--", "-->", "&#x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_MARKUP_PIECES, max_size=30).map("".join))
def test_sanitize_is_stable_and_leaves_no_tags(text):
    cleaned = sanitize(text)
    assert sanitize(cleaned) == cleaned
    # A complete tag or a comment opener; a dangling "<a" at the end is just text ("if a<b").
    assert not re.search(r"<(?:/?[A-Za-z][^<>]*>|!--)", cleaned), "a tag or comment survived"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_sanitize_output_has_no_unsafe_characters(text):
    cleaned = sanitize(text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", cleaned)
    assert cleaned == cleaned.strip()


def test_linkify_finds_http_and_https_urls_with_their_spans():
    text = "notes: https://example.org/renal?x=1 and http://uni.edu/a_(b)."
    links = linkify_safe_urls(text)
    assert [url for _, _, url in links] == ["https://example.org/renal?x=1", "http://uni.edu/a_(b)"]
    assert all(text[start:end] == url for start, end, url in links)


def test_linkify_trims_trailing_punctuation_and_unopened_brackets():
    assert [u for *_, u in linkify_safe_urls("(see https://x.org/page), ok?")] == ["https://x.org/page"]
    assert [u for *_, u in linkify_safe_urls("go to HTTPS://X.ORG!!")] == ["HTTPS://X.ORG"]


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "ftp://files.example.org/a",
        "file:///etc/passwd",
        "https://",
        "xhttps://evil.example",
        "www.example.org",
    ],
)
def test_linkify_never_returns_other_schemes_or_hostless_urls(text):
    assert linkify_safe_urls(text) == []
