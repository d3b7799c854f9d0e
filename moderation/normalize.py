"""The matching form of a message: what rules and the crisis detector look at, never shown to users.

``normalize`` folds away the usual evasions so one pattern catches them all:

- Unicode: NFKC (full-width and styled letters), case folding, accents and zero-width/format
  characters (category Cf) removed, look-alike Cyrillic/Greek/small-capital letters folded to Latin.
- Apostrophes unified and contractions expanded ("I'm" -> "i am", "don't" -> "do not", "dont" too).
- Leetspeak (1->i, 3->e, 0->o, 4->a, 5->s, 7->t, @->a, $->s, ! inside a word ->i), only inside
  tokens that mix letters and digits and are not a number with a unit ("800mg", "6am", "2am" stay).
- Letters split by spaces, dots, dashes or underscores re-joined when 3+ single letters stand in a
  row ("s u i c i d e", "k-m-s"); a run that spells several known words is split again
  ("k i l l m y s e l f" -> "kill myself").
- Stretched letters reduced: a run of 3+ becomes 2 when that makes a known word ("killll" -> "kill"),
  else 1 ("dieeee" -> "die", "sooooo" -> "so").
- Algospeak and text-speak mapped to plain words ("unalive" -> "kill", "kms" -> "kill myself",
  "sewer slide" -> "suicide", "ctb" -> "catch the bus", "u" -> "you", "2" between words -> "to").

The result is lower-case tokens separated by single spaces. Sentence punctuation (. , ! ? ; :) is
kept as one-character tokens so patterns do not run across clauses; all other symbols, emoji and
hyphens separate tokens. ``normalize`` is idempotent and its output is at most
``MAX_NORMALIZED_CHARS`` long, which bounds the cost of every pattern run against it.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import product

# Only this much of a message is examined; chat messages are far shorter.
MAX_INPUT_CHARS = 4000
MAX_NORMALIZED_CHARS = 4000

_APOSTROPHES = {ord(c): "'" for c in "\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032\uff07"}


# Look-alike letters, applied after case folding: Unicode's confusables table (confusables.txt, as shipped
# and kept current by the confusable-homoglyphs package) gives, for each character that can pass for an
# ASCII letter, that letter ("а" Cyrillic -> "a", "ӏ" -> "l"). The table lists some letters only in their
# capital form ("К" but not "к"): a lower-case letter whose capital passes for a letter maps to that letter
# in lower case, and so does a small capital ("ᴋ", LATIN LETTER SMALL CAPITAL K). Built once at import.
def _confusable_letters() -> dict[int, str]:
    from confusable_homoglyphs.confusables import confusables_data

    def ascii_letter(character: str) -> str | None:
        for entry in confusables_data.get(character, ()):
            target = entry["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                return target.lower()
        return None

    table: dict[int, str] = {}
    for character in confusables_data:
        if len(character) != 1 or unicodedata.normalize("NFKC", character).isascii():
            continue  # NFKC already makes it plain ("Ｉ" is I, not the l the table would also allow)
        letter = ascii_letter(character)
        if letter:
            table[ord(character)] = letter
            lower = character.lower()
            if len(lower) == 1 and not lower.isascii() and ord(lower) not in table:
                table[ord(lower)] = letter
    for code in range(0x1D00, 0x1D2C):  # Phonetic Extensions: small capitals
        name = unicodedata.name(chr(code), "")
        if "SMALL CAPITAL " in name and len(name.rsplit(" ", 1)[1]) == 1:
            table.setdefault(code, name.rsplit(" ", 1)[1].lower())
    for code in range(0x0250, 0x02B0):  # IPA Extensions: small capitals such as ɪ, ʟ, ʀ
        name = unicodedata.name(chr(code), "")
        if "SMALL CAPITAL " in name and len(name.rsplit(" ", 1)[1]) == 1:
            table.setdefault(code, name.rsplit(" ", 1)[1].lower())
    table.update({ord("ꜱ"): "s"})  # LATIN LETTER SMALL CAPITAL S, outside both blocks
    return table


_HOMOGLYPHS = _confusable_letters()

# A capital I beside a lower-case letter is often an l in disguise ("seIf harm", "kiIl", "Iife"): read it as
# l when that makes a known word and i does not ("If", "Ice" and "McIntosh" stay as they are).
_CAPITAL_I_INSIDE = re.compile(r"[^\W\d_]*(?:[a-z]I|I[a-z])[^\W\d_]*")

_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})

# A word token: letters/digits, with @ and $ (leetspeak) anywhere, ' or ! between word characters,
# and . or , between digits (0.5mg, 1,000).
# Sentence punctuation becomes its own token; everything else only separates tokens.
_RAW_TOKEN = re.compile(r"([@$]*[^\W_](?:[^\W_]|[@$]|['!](?=[^\W_@$])|(?<=\d)[.,](?=\d))*)|([.!?;:,]+)")
_PUNCT_TOKENS = frozenset(".!?;:,")
# A one-character word token (not touching other word characters, nor a digit of a decimal like 0.5),
# and runs of 3+ of them linked by spaces, symbols, dashes, underscores, or one glued "." "," ":"
# ("s u i", "s.u.i", "k-m-s").
_SINGLE = r"(?<![^\W_])(?<![@$'!])(?:[^\W\d_]|\d(?![.,]\d)(?<!\d[.,]\d))(?![^\W_]|[@$]|['!][^\W_@$])"
_LETTER_RUN = re.compile(rf"{_SINGLE}(?:(?:(?:[^\w.!?;:,]|_)+|[.,:]){_SINGLE}){{2,}}")
_SINGLE_CHAR = re.compile(r"[^\W_]")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_CHARS = frozenset("013457@$!")
# A number with a short unit or suffix stays a number: 800mg, 6am, 2am, 3rd, 14h, 10mins.
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:[.,]\d+)?[^\W\d_]{0,5}")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")

# Known words: used to pick "kill" over "kil" when reducing "killll", and to split re-joined
# letters ("killmyself"). Not a dictionary of English, just what matching needs plus common words.
LEXICON = frozenset(
    """
    a i am an and are as at be been being but by can cant do dont did didnt does doesnt done for from
    go going gonna got had has have having he her here him his how if im in into is it its ive just
    let me my myself no not now of off oh on or our out over she so some that the their them then
    there they this to too up us was we were what when who why will with would you your yourself
    want wanna wish need needs feel feeling felt think thinking thought keep keeps tired sad alone
    die died dies dying dead death kill kills killed killing suicide suicidal self harm hurt hurting
    cut cutting end ending ended life live living alive exist anymore everyone everything nobody
    anyone someone please help sorry goodbye bye forever really still sleep sleeping wake pills meds
    overdose jump bridge rope hang plan tonight today tomorrow week weekend again never ever always
    idiot loser pathetic stupid moron hate hell shut
    all ball call fall hall tall wall small still will well tell sell fell spell smell shell bell
    skill skills ill pill pills till kill killer full pull roll troll toll scroll doll null
    too good food mood cool pool room soon moon noon book books look looks looked took school
    door floor poor blood flood boo booo zoo
    see seen seem seems need needed feel feels feeling free three tree agree week weeks sleep
    sleepy deep deeper keep keeping sweet sheet street meet meeting bleed bleeding speed fee feet
    been between coffee green screen teen beer cheer steel wheel
    off offer stuff staff cliff sniff stiff tiff buff
    add odd egg eggs
    class pass passed miss missed mess less loss boss kiss stress stressed guess unless across
    address process success assess assessment lesson lessons possible
    happy sorry worry hurry carry marry letter letters better bitter butter little bottle
    apple apply support suppose summer dinner winner ugly silly really totally literally
    actually usually basically finally seriously especially probably
    attending attend account occur accept access
    different difficult effort offer office coffee
    hello yellow follow tomorrow borrow arrow narrow sorrow
    girl bff yaaas yesss
    faggot nigger nigga tranny
    """.split()
)

# Whole-token replacements checked before leetspeak (they contain digits on purpose).
_TEXTSPEAK_RAW: dict[str, tuple[str, ...]] = {
    "2day": ("today",), "2nite": ("tonight",), "2night": ("tonight",), "2moro": ("tomorrow",),
    "2morrow": ("tomorrow",), "2mrw": ("tomorrow",), "b4": ("before",), "4ever": ("forever",),
    "every1": ("everyone",), "any1": ("anyone",), "some1": ("someone",), "no1": ("no", "one"),
    "gr8": ("great",), "l8r": ("later",), "h8": ("hate",), "od'd": ("overdosed",),
}  # fmt: skip

# Whole-token replacements after leetspeak and stretch reduction. Values must be stable words:
# normalising a value again must give the same value (tests check this).
_WORD_MAP: dict[str, tuple[str, ...]] = {
    # algospeak
    "unalive": ("kill",), "unalived": ("killed",), "unaliving": ("killing",), "unalives": ("kills",),
    "kms": ("kill", "myself"), "kys": ("kill", "yourself"), "ctb": ("catch", "the", "bus"),
    "sewerslide": ("suicide",), "suicde": ("suicide",), "suiside": ("suicide",), "sucide": ("suicide",),
    "suicid": ("suicide",), "sooicide": ("suicide",), "suecide": ("suicide",), "suicidle": ("suicide",),
    "selfharm": ("self", "harm"), "selfharming": ("self", "harming"), "oded": ("overdosed",),
    "myslf": ("myself",), "mself": ("myself",), "myslef": ("myself",), "urself": ("yourself",),
    "yourslf": ("yourself",), "urslf": ("yourself",),
    # text-speak
    "u": ("you",), "ur": ("your",), "rn": ("right", "now"), "wnt": ("want",), "wanna": ("want", "to"),
    "wana": ("want", "to"), "gonna": ("going", "to"), "gunna": ("going", "to"), "tryna": ("trying", "to"),
    "finna": ("going", "to"), "imma": ("i", "am", "going", "to"), "ima": ("i", "am", "going", "to"),
    "idk": ("i", "do", "not", "know"), "idc": ("i", "do", "not", "care"), "ppl": ("people",), "msg": ("message",),
    "msgs": ("messages",), "txt": ("text",),
    "noone": ("no", "one"), "nobdy": ("nobody",), "evry": ("every",), "cuz": ("because",),
    "coz": ("because",), "bc": ("because",), "abt": ("about",), "thx": ("thanks",), "pls": ("please",),
    "plz": ("please",), "yeet": ("throw",),
    # contractions typed without an apostrophe
    "im": ("i", "am"), "ive": ("i", "have"), "dont": ("do", "not"), "cant": ("can", "not"),
    "cannot": ("can", "not"), "wont": ("will", "not"), "didnt": ("did", "not"), "doesnt": ("does", "not"),
    "isnt": ("is", "not"), "wasnt": ("was", "not"), "arent": ("are", "not"), "werent": ("were", "not"),
    "wouldnt": ("would", "not"), "couldnt": ("could", "not"), "shouldnt": ("should", "not"),
    "havent": ("have", "not"), "hasnt": ("has", "not"), "aint": ("am", "not"), "youre": ("you", "are"),
    "theyre": ("they", "are"), "whats": ("what", "is"), "thats": ("that", "is"), "itll": ("it", "will"),
}  # fmt: skip

_CONTRACTION_SUFFIXES = (("'m", "am"), ("'re", "are"), ("'ve", "have"), ("'ll", "will"), ("'d", "would"))
_IRREGULAR_NOT = {
    "won't": ("will", "not"),
    "can't": ("can", "not"),
    "shan't": ("shall", "not"),
    "ain't": ("am", "not"),
}
_IS_CONTRACTIONS = frozenset({"it", "that", "what", "there", "he", "she", "who", "where", "how", "here"})

# Phrase-level rewrites on the joined token string (tokens are separated by single spaces).
_PHRASE_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\S)sewer slides?(?!\S)"), "suicide"),
    (re.compile(r"(?<!\S)un alive(?!\S)"), "kill"),
    (re.compile(r"(?<!\S)un alived(?!\S)"), "killed"),
    (re.compile(r"(?<!\S)commit (?:sudoku|toaster bath)(?!\S)"), "commit suicide"),
    # "want 2 die": a lone 2 between two words is "to", unless it counts something ("in 2 days", "2 pills").
    (
        re.compile(
            r"(?<=[^\W\d_]) 2 (?=[^\W\d_])(?!(?:[^\W\d_]*[^s\W]s|of|or|and|more|people|men|women|children"
            r"|feet|teeth|mg|kg|ml|am|pm|h|hr|min|x)(?!\S))"
        ),
        " to ",
    ),
    # "i wnt 2 dye": dye after "to" means die unless something is being dyed.
    (
        re.compile(
            r"(?<!\S)to dye(?! (?:my|your|his|her|their|its|it|the|a|an|this|that|these|those|them|some|hair|"
            r"clothes|eggs|fabric|shirt|yarn|asap|roots|blonde|red|pink|blue|purple|black|brown|green|silver)(?!\S))"
            r"(?!\S)"
        ),
        "to die",
    ),
    # "sh" is self-harm only in clear context ("relapsed on sh", "sh urges"), never alone.
    (
        re.compile(
            r"(?<!\S)((?:my|did|doing|relapsed on|relapse on|relapsing on|urge to|urges to|urges for|about|"
            r"stopped|quit|started|clean from|free from|into) )sh(?!\S)"
        ),
        r"\1self harm",
    ),
    (re.compile(r"(?<!\S)sh(?= (?:again|urges?|scars?|relapse|marks|cuts|wounds?|thoughts)(?!\S))"), "self harm"),
    # Text-speak "w/o" and "w/" (the slash is dropped as punctuation): "better w/o me", "burned myself w my iron".
    (re.compile(r"(?<!\S)w o(?!\S)"), "without"),
    (re.compile(r"(?<!\S)w(?= (?:my|the|a|an|her|his|their|your|it|me|them|him|this|that|some)(?!\S))"), "with"),
)
_PHRASE_HINT = re.compile(r"(?<!\S)(?:sewer|un|commit|2|dye|sh|w)(?!\S)")
# Tokens whose rewrite depends on what follows: never leave one at a truncation point.
_RIGHT_CONTEXT_TOKENS = frozenset({"dye"})


def normalize(text: str) -> str:
    """Return the matching form of ``text`` (lower-case tokens separated by single spaces)."""
    if not text:
        return ""
    text = text[:MAX_INPUT_CHARS]
    if not text.isascii():
        # Look-alikes before NFKC and case folding too, which turn some into other letters ("ϲ", lunate
        # sigma, into "σ"), and again after NFKC, which makes full-width and styled letters plain ones.
        text = text.translate(_APOSTROPHES).translate(_HOMOGLYPHS)
        text = unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS)
        # Zero-width and other format characters go before words are read whole ("kil\u200bI").
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    if "I" in text:
        text = _CAPITAL_I_INSIDE.sub(_capital_i_as_l, text)
    folded = _fold(text)[:MAX_INPUT_CHARS]
    folded = _LETTER_RUN.sub(_join_letter_run, folded)
    stretched = _STRETCH.search(folded) is not None
    words: list[str] = []
    for word, punct in _RAW_TOKEN.findall(folded):
        if word:
            words.extend(_normalize_word(word, stretched))
        elif not words or words[-1] != punct[0]:
            words.append(punct[0])  # "!!!" and "?!" become one token
    words = _join_new_letter_runs(words)
    joined = " ".join(words)
    if _PHRASE_HINT.search(joined):
        for pattern, replacement in _PHRASE_REWRITES:
            joined = pattern.sub(replacement, joined)
    return _truncate(joined)


def tokenize(normalized: str) -> list[str]:
    """Return the tokens of a normalised text (words and one-character punctuation tokens)."""
    return normalized.split(" ") if normalized else []


def _capital_i_as_l(match: re.Match[str]) -> str:
    word = match.group()
    as_l = word.replace("I", "l").lower()
    if as_l in LEXICON and word.lower() not in LEXICON:
        return as_l
    return word


def _fold(text: str) -> str:
    """Return ``text`` case-folded with format characters, accents and look-alike letters folded."""
    if text.isascii():
        return text.lower()
    folded = text
    # NFKC and case folding do not commute for every character; repeat until stable (one or two rounds).
    for _ in range(4):
        previous = folded
        decomposed = unicodedata.normalize("NFKD", folded)
        stripped = "".join(c for c in decomposed if unicodedata.category(c) not in _DROPPED_CATEGORIES)
        folded = unicodedata.normalize("NFKC", stripped.casefold()).translate(_HOMOGLYPHS)
        if folded == previous:
            break
    return folded


def _join_letter_run(match: re.Match[str]) -> str:
    """Return a run of spaced-out single characters joined into words, or unchanged if mostly digits."""
    chars = _SINGLE_CHAR.findall(match.group())
    if sum(c.isalpha() for c in chars) < 2:
        return match.group()
    return " ".join(_join_letters("".join(chars)))


def _join_letters(joined: str) -> tuple[str, ...]:
    """Return the word(s) spelled by re-joined letters: "kms" stays, "killmyself" splits into kill myself."""
    word = _deleet(joined) if _is_leet_candidate(joined) else joined
    if _STRETCH.search(word):
        word = _reduce_stretch(word)
    if len(word) < 4 or word in LEXICON or word in _WORD_MAP:
        return (word,)
    return tuple(_segment(word) or (word,))


def _normalize_word(raw: str, stretched: bool = True) -> tuple[str, ...]:
    """Return the normalised word(s) for one raw word token."""
    if raw.isalpha():  # the common case: no digits, symbols or apostrophes
        mapped = _WORD_MAP.get(raw)
        if mapped:
            return mapped
        if stretched and _STRETCH.search(raw):
            word = _reduce_stretch(raw)
            return _WORD_MAP.get(word, (word,))
        return (raw,)
    mapped = _TEXTSPEAK_RAW.get(raw)
    if mapped:
        return mapped
    word = raw.lstrip("@") or raw  # a leading @ is a mention, not leetspeak
    if _is_leet_candidate(word):
        word = _deleet(word)
    pieces = _expand_contraction(word) if "'" in word else (word,)
    out: list[str] = []
    for piece in pieces:
        if _STRETCH.search(piece):
            piece = _reduce_stretch(piece)
        out.extend(_WORD_MAP.get(piece, (piece,)))
    return tuple(out)


def _is_leet_candidate(word: str) -> bool:
    """Return True when leetspeak digits/symbols in ``word`` stand for letters."""
    if not any(c in _LEET_CHARS for c in word):
        return False
    if not any(c.isalpha() for c in word) or "." in word or "," in word:
        return False  # "988", "$100", "0.5mg": numbers
    return not _NUMBER_WITH_UNIT.fullmatch(word)  # "800mg", "6am", "2nd"


def _deleet(word: str) -> str:
    """Return ``word`` with leetspeak replaced by letters; 1 is i, or l when that makes a known word."""
    as_i = word.translate(_LEET)
    as_i = _reduce_stretch(as_i) if _STRETCH.search(as_i) else as_i
    if "1" in word and as_i not in LEXICON:
        as_l = word.replace("1", "l").translate(_LEET)
        as_l = _reduce_stretch(as_l) if _STRETCH.search(as_l) else as_l
        if as_l in LEXICON:
            return as_l
    return as_i


def _reduce_stretch(word: str) -> str:
    """Return ``word`` with runs of 3+ equal letters reduced to 2 if that makes a known word, else 1."""
    runs = list(_STRETCH.finditer(word))
    if len(runs) <= 3:
        for choice in product((2, 1), repeat=len(runs)):
            candidate = _rebuild(word, runs, choice)
            if candidate in LEXICON:
                return candidate
    return _STRETCH.sub(r"\1", word)


def _rebuild(word: str, runs: list[re.Match[str]], lengths: tuple[int, ...]) -> str:
    """Return ``word`` with each run replaced by its letter repeated the chosen number of times."""
    parts = []
    position = 0
    for run, length in zip(runs, lengths, strict=True):
        parts.append(word[position : run.start()])
        parts.append(run.group(1) * length)
        position = run.end()
    parts.append(word[position:])
    return "".join(parts)


def _expand_contraction(word: str) -> tuple[str, ...]:
    """Return the words of a contraction ("don't" -> do not); other apostrophes are dropped."""
    if word in _IRREGULAR_NOT:
        return _IRREGULAR_NOT[word]
    if word.endswith("n't") and len(word) > 3:
        return (word[:-3].replace("'", ""), "not")
    for suffix, expansion in _CONTRACTION_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)].replace("'", ""), expansion)
    if word.endswith("'s") and word[:-2] in _IS_CONTRACTIONS:
        return (word[:-2], "is")
    return (word.replace("'", ""),)


def _segment(joined: str) -> list[str] | None:
    """Split a run of re-joined letters into known words ("killmyself" -> kill myself), or None."""
    n = len(joined)
    if n > 40:
        return None
    # best[i] = fewest-word split of joined[:i]; never two one-letter words in a row.
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 12), end):
            prefix = best[start]
            piece = joined[start:end]
            if prefix is None or piece not in LEXICON:
                continue
            if len(piece) == 1 and prefix and len(prefix[-1]) == 1:
                continue
            current = best[end]
            if current is None or len(prefix) + 1 < len(current):
                best[end] = [*prefix, piece]
    return best[n]


def _join_new_letter_runs(words: list[str]) -> list[str]:
    """Join runs of 3+ one-character words created by expansions ("x y i'm"), so the output is stable."""
    for _ in range(3):
        if sum(len(w) == 1 for w in words) < 3:
            return words
        out: list[str] = []
        run: list[str] = []
        changed = False
        for word in [*words, ""]:
            if len(word) == 1 and word not in _PUNCT_TOKENS:
                run.append(word)
                continue
            if len(run) >= 3 and sum(c.isalpha() for c in run) >= 2:
                for joined in _join_letters("".join(run)):
                    out.extend(_normalize_word(joined))
                changed = True
            else:
                out.extend(run)
            run = []
            if word:
                out.append(word)
        words = out
        if not changed:
            break
    return words


def _truncate(normalized: str) -> str:
    """Return ``normalized`` cut at a token boundary to at most MAX_NORMALIZED_CHARS."""
    if len(normalized) <= MAX_NORMALIZED_CHARS:
        return normalized
    words = normalized[: MAX_NORMALIZED_CHARS + 1].split(" ")[:-1]
    while words and words[-1] in _RIGHT_CONTEXT_TOKENS:
        words.pop()
    return " ".join(words)
