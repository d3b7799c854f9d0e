"""Moderation rules: what they are, how they are checked and compiled, how they match, and the defaults.

A Rule is plain data (a later change builds them from database rows). Which text a rule sees:

- ``term``, ``phrase`` and ``regex`` rules match the *normalised* text (lower case, evasions folded,
  tokens separated by single spaces; see ``moderation.normalize``). Terms and phrases are normalised
  the same way and only match whole tokens, so "kill" never matches inside "skills" or "overkill".
- ``regex`` rules with ``match_original=True`` match the *sanitised original* text instead, case
  preserved. Use that where the shape of the text matters: phone numbers, e-mail addresses, and
  capitalised names. Their exceptions are matched case-insensitively against the same text.
- ``builtin`` rules run a named check that a pattern cannot express: ``repeated_text`` (flooding:
  one character, short unit or word repeated) and ``repeated_message`` (the same message as one of
  the author's recent messages).

Every pattern runs against at most ``MAX_MATCH_CHARS`` characters, and ``validate_rule`` rejects
regexes whose shape can backtrack catastrophically, so matching time stays bounded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre_constants  # private, but the only parser of Python's own regex syntax
from re import _parser as sre_parser

from moderation.normalize import MAX_NORMALIZED_CHARS, normalize, tokenize

FLAG = "flag"
HOLD = "hold"
BLOCK = "block"
RULE_ACTIONS = (FLAG, HOLD, BLOCK)
RULE_KINDS = ("term", "phrase", "regex", "builtin")
MAX_PATTERN_CHARS = 500
MAX_MATCH_CHARS = MAX_NORMALIZED_CHARS

# Repeated text: a unit of 1-4 characters repeated 20+ times, or of 5-20 characters repeated 8+
# times, covering most of the message; or one word making up half of a message of 20+ words.
REPEAT_THRESHOLD = 20
LONG_UNIT_REPEAT_THRESHOLD = 8
REPEATED_SHARE = 0.6
# Short replies ("thanks!", "same", "+1") are legitimately repeated; only longer messages count.
MIN_REPEATED_MESSAGE_CHARS = 12

REASON_PERSONAL_DETAILS = (
    "personal details such as a phone number or e-mail address are held for a moderator in anonymous rooms"
)
REASON_NAMES = "full names of other people are held for a moderator to protect their privacy"
REASON_SELF_HARM_AT_OTHERS = "telling someone to hurt or kill themselves is not allowed"
REASON_DEATH_WISH = "wishing death or harm on someone is not allowed"
REASON_SLUR = "slurs are not allowed"
REASON_INSULT = "insults aimed at people are reviewed by a moderator"
REASON_REPEATED_TEXT = "repeated text"
REASON_REPEATED_MESSAGE = "repeated message"


@dataclass(frozen=True)
class Rule:
    """One moderation rule. Plain data: build it from literals or a database row, check it with validate_rule."""

    name: str
    kind: str  # "term" | "phrase" | "regex" | "builtin"
    pattern: str
    action: str  # "flag" | "hold" | "block"
    # Room slugs the rule applies to; empty means every room.
    scope: tuple[str, ...] = ()
    # Allow-listed terms or phrases: a match inside one of these does not count.
    exceptions: tuple[str, ...] = ()
    # Apply only when the author posts under an alias.
    only_anonymous: bool = False
    # Short reason a user may be shown when the rule holds or blocks their message.
    reason: str = ""
    # Regex rules only: match the sanitised original text (case preserved) instead of the normalised text.
    match_original: bool = False


@dataclass(frozen=True)
class MessageView:
    """Everything a rule may look at for one message."""

    text: str  # sanitised text (what is stored), capped at MAX_MATCH_CHARS
    normalized: str  # normalize(text)
    recent_texts: tuple[str, ...] = ()  # the author's recent messages as stored, oldest first
    room_slug: str = ""
    author_anonymous: bool = False


@dataclass(frozen=True)
class RuleMatch:
    name: str
    action: str
    reason: str


# ---------------------------------------------------------------------------------------------
# Validation


def validate_rule(rule: Rule) -> None:
    """Raise ValueError with a clear message if ``rule`` cannot be used safely."""
    label = f"rule {rule.name!r}"
    if not rule.name or not rule.name.strip():
        raise ValueError("a rule needs a name")
    if rule.kind not in RULE_KINDS:
        raise ValueError(f"{label}: kind must be one of {', '.join(RULE_KINDS)}, not {rule.kind!r}")
    if rule.action not in RULE_ACTIONS:
        raise ValueError(f"{label}: action must be one of {', '.join(RULE_ACTIONS)}, not {rule.action!r}")
    if not isinstance(rule.scope, tuple) or not all(isinstance(s, str) and s for s in rule.scope):
        raise ValueError(f"{label}: scope must be a tuple of room slugs (empty for all rooms)")
    if not isinstance(rule.exceptions, tuple) or not all(isinstance(e, str) for e in rule.exceptions):
        raise ValueError(f"{label}: exceptions must be a tuple of terms or phrases")
    if not rule.pattern or not rule.pattern.strip():
        raise ValueError(f"{label}: the pattern is empty")
    if len(rule.pattern) > MAX_PATTERN_CHARS:
        raise ValueError(
            f"{label}: the pattern is {len(rule.pattern)} characters long; the limit is {MAX_PATTERN_CHARS}"
        )
    if rule.match_original and rule.kind != "regex":
        raise ValueError(f"{label}: match_original only applies to regex rules")
    for exception in rule.exceptions:
        if len(exception) > MAX_PATTERN_CHARS:
            raise ValueError(f"{label}: an exception is longer than {MAX_PATTERN_CHARS} characters")
        if not rule.match_original and not normalize(exception):
            raise ValueError(f"{label}: the exception {exception!r} is empty once normalised")
    if rule.kind == "builtin":
        if rule.pattern not in BUILTIN_CHECKS:
            raise ValueError(f"{label}: unknown builtin check {rule.pattern!r}; known: {', '.join(BUILTIN_CHECKS)}")
    elif rule.kind in ("term", "phrase"):
        tokens = tokenize(normalize(rule.pattern))
        if not tokens:
            raise ValueError(f"{label}: the {rule.kind} {rule.pattern!r} is empty once normalised")
        if rule.kind == "term" and len(tokens) != 1:
            raise ValueError(f"{label}: the term {rule.pattern!r} is several words; make it a phrase rule")
    else:
        _validate_regex(rule.pattern, label, lower_case_only=not rule.match_original)


def _validate_regex(pattern: str, label: str, *, lower_case_only: bool) -> None:
    """Raise ValueError if ``pattern`` does not compile, can match nothing, or can backtrack catastrophically."""
    try:
        re.compile(pattern)
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        raise ValueError(f"{label}: invalid regular expression: {error}") from None
    if parsed.getwidth()[0] == 0:
        raise ValueError(f"{label}: the regex can match an empty string, so it would fire on every message")
    alphabet = _alphabet_for(parsed)
    problem = _backtracking_problem(list(parsed), alphabet)
    if problem:
        raise ValueError(f"{label}: the regex could backtrack catastrophically ({problem}); rewrite it")
    if lower_case_only and _has_upper_case_literal(list(parsed)):
        raise ValueError(
            f"{label}: the regex has upper-case letters but runs on the lower-case normalised text; "
            "use lower case, or set match_original for a regex on the original text"
        )


# The static check works on the parse tree. A repeat that can run many times is safe when each
# iteration starts with a separator character that nothing else in the iteration can consume
# ("(?:\.[\w-]+)+", "(?: [a-z]+){0,3}"): iteration boundaries are then fixed. Otherwise the
# repeated body must not contain another repeat ("(a+)+", "(a*)*"), must not be able to match the
# empty string, and its alternatives must start with different characters ("(a|aa)+" is refused).
# Conservative on purpose: some safe patterns are refused too; they can always be rewritten.

_OPS = sre_constants
_REPEATS = (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT)
_CATEGORY_TESTS = {
    _OPS.CATEGORY_DIGIT: re.compile(r"\d"),
    _OPS.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    _OPS.CATEGORY_SPACE: re.compile(r"\s"),
    _OPS.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    _OPS.CATEGORY_WORD: re.compile(r"\w"),
    _OPS.CATEGORY_NOT_WORD: re.compile(r"\W"),
}
_BASE_ALPHABET = frozenset(chr(c) for c in range(128)) | frozenset("éàßçñøабвгдеαβγ中日ع\u00a0\u2028\u200b😀")


def _alphabet_for(parsed: sre_parser.SubPattern) -> frozenset[str]:
    """Return the sample characters used to compare character sets: ASCII, a few others, every literal."""
    extra: set[str] = set()

    def collect(items: list) -> None:
        for op, av in items:
            if op in (_OPS.LITERAL, _OPS.NOT_LITERAL):
                extra.add(chr(av))
            elif op == _OPS.IN:
                for in_op, in_av in av:
                    if in_op == _OPS.LITERAL:
                        extra.add(chr(in_av))
                    elif in_op == _OPS.RANGE:
                        extra.update((chr(in_av[0]), chr(in_av[1])))
            else:
                for child in _children(op, av):
                    collect(child)

    collect(list(parsed))
    return _BASE_ALPHABET | frozenset(extra) | frozenset(c.swapcase() for c in extra if len(c.swapcase()) == 1)


def _children(op, av) -> list[list]:
    """Return the sub-pattern lists directly inside one parse-tree node."""
    if op == _OPS.SUBPATTERN:
        return [list(av[3])]
    if op in _REPEATS or op == _OPS.POSSESSIVE_REPEAT:
        return [list(av[2])]
    if op == _OPS.BRANCH:
        return [list(alternative) for alternative in av[1]]
    if op in (_OPS.ASSERT, _OPS.ASSERT_NOT):
        return [list(av[1])]
    if op == _OPS.ATOMIC_GROUP:
        return [list(av)]
    if op == _OPS.GROUPREF_EXISTS:
        return [list(branch) for branch in av[1:] if branch is not None]
    return []


def _char_set(op, av, alphabet: frozenset[str]) -> frozenset[str] | None:
    """Return the sample characters one single-character node can match, or None if it is not one."""
    if op == _OPS.LITERAL:
        char = chr(av)
        return frozenset({char, char.swapcase()} if len(char.swapcase()) == 1 else {char})
    if op == _OPS.NOT_LITERAL:
        return alphabet - {chr(av), chr(av).swapcase()}
    if op == _OPS.ANY:
        return alphabet
    if op == _OPS.IN:
        negate = False
        chars: set[str] = set()
        for in_op, in_av in av:
            if in_op == _OPS.NEGATE:
                negate = True
            elif in_op == _OPS.LITERAL:
                chars.add(chr(in_av))
            elif in_op == _OPS.RANGE:
                low, high = in_av
                chars.update(c for c in alphabet if low <= ord(c) <= high)
            elif in_op == _OPS.CATEGORY:
                test = _CATEGORY_TESTS.get(in_av)
                chars.update(c for c in alphabet if test is None or test.match(c))
        chars |= {c.swapcase() for c in chars if len(c.swapcase()) == 1}
        return alphabet - chars if negate else frozenset(chars)
    return None


def _consumed(items: list, alphabet: frozenset[str]) -> frozenset[str]:
    """Return every sample character any part of ``items`` can consume (lookarounds excluded)."""
    chars: set[str] = set()
    for op, av in items:
        single = _char_set(op, av, alphabet)
        if single is not None:
            chars |= single
        elif op == _OPS.GROUPREF:
            chars |= alphabet
        elif op not in (_OPS.ASSERT, _OPS.ASSERT_NOT):
            for child in _children(op, av):
                chars |= _consumed(child, alphabet)
    return frozenset(chars)


def _first(items: list, alphabet: frozenset[str]) -> tuple[frozenset[str], bool]:
    """Return (characters a match of ``items`` can start with, whether it can match empty)."""
    chars: set[str] = set()
    for op, av in items:
        single = _char_set(op, av, alphabet)
        if single is not None:
            return frozenset(chars | single), False
        if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            continue
        if op == _OPS.GROUPREF or op == _OPS.GROUPREF_EXISTS:
            return alphabet, True
        if op == _OPS.BRANCH:
            nullable = False
            for alternative in av[1]:
                alt_chars, alt_nullable = _first(list(alternative), alphabet)
                chars |= alt_chars
                nullable = nullable or alt_nullable
            if not nullable:
                return frozenset(chars), False
            continue
        if op in _REPEATS or op == _OPS.POSSESSIVE_REPEAT:
            body_chars, body_nullable = _first(list(av[2]), alphabet)
            chars |= body_chars
            if av[0] > 0 and not body_nullable:
                return frozenset(chars), False
            continue
        for child in _children(op, av):
            child_chars, child_nullable = _first(child, alphabet)
            chars |= child_chars
            if not child_nullable:
                return frozenset(chars), False
    return frozenset(chars), True


def _has_repeat(items: list) -> bool:
    """Return True if ``items`` contains a quantifier that can repeat more than once."""
    for op, av in items:
        if op in _REPEATS and av[1] > 1:
            return True
        if any(_has_repeat(child) for child in _children(op, av)):
            return True
    return False


def _has_ambiguous_branch(items: list, alphabet: frozenset[str]) -> bool:
    """Return True if any alternation in ``items`` has alternatives that can start alike or match empty."""
    for op, av in items:
        if op == _OPS.BRANCH:
            seen: set[str] = set()
            for alternative in av[1]:
                chars, nullable = _first(list(alternative), alphabet)
                if nullable or seen & chars:
                    return True
                seen |= chars
        if any(_has_ambiguous_branch(child, alphabet) for child in _children(op, av)):
            return True
    return False


def _unwrap(items: list) -> list:
    """Return the contents of a body that is a single non-capturing or capturing group."""
    while len(items) == 1 and items[0][0] == _OPS.SUBPATTERN:
        items = list(items[0][1][3])
    return items


def _has_fixed_separator(body: list, alphabet: frozenset[str]) -> bool:
    """Return True if the body starts with a character class nothing after it can consume."""
    if not body:
        return False
    separator = _char_set(*body[0], alphabet)
    return bool(separator) and not (separator & _consumed(body[1:], alphabet))


def _backtracking_problem(items: list, alphabet: frozenset[str]) -> str | None:
    """Return a description of the first catastrophic-backtracking shape in ``items``, or None."""
    for op, av in items:
        if op in _REPEATS and av[1] > 1:
            body = _unwrap(list(av[2]))
            if not _has_fixed_separator(body, alphabet):
                if _first(body, alphabet)[1]:
                    return "a repeated part that can match an empty string"
                if _has_repeat(body):
                    return "a quantifier inside a repeated group, like (a+)+"
                if _has_ambiguous_branch(body, alphabet):
                    return "a repeated alternation whose alternatives overlap, like (a|aa)+"
        for child in _children(op, av):
            problem = _backtracking_problem(child, alphabet)
            if problem:
                return problem
    return None


def _has_upper_case_literal(items: list) -> bool:
    """Return True if ``items`` contains an upper-case letter outside an (?i) group."""
    for op, av in items:
        if op == _OPS.LITERAL and chr(av).isupper():
            return True
        if op == _OPS.IN and any(in_op == _OPS.LITERAL and chr(in_av).isupper() for in_op, in_av in av):
            return True
        if op == _OPS.SUBPATTERN and av[1] & sre_constants.SRE_FLAG_IGNORECASE:
            continue
        if any(_has_upper_case_literal(child) for child in _children(op, av)):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Builtin checks


def _is_repeated_text(view: MessageView) -> bool:
    """Return True when the message is mostly one character, short unit or word repeated."""
    compact = "".join(view.text.split())
    if len(compact) >= REPEAT_THRESHOLD:
        for repeated_unit in (_REPEATED_UNIT, _REPEATED_LONG_UNIT):
            run = repeated_unit.search(compact)
            if run and run.end() - run.start() >= REPEATED_SHARE * len(compact):
                return True
    words = [token for token in tokenize(view.normalized) if token not in _PUNCTUATION_TOKENS]
    if len(words) >= REPEAT_THRESHOLD:
        _word, count = Counter(words).most_common(1)[0]
        if count >= REPEAT_THRESHOLD and count >= 0.5 * len(words):
            return True
    return False


def _is_repeated_message(view: MessageView) -> bool:
    """Return True when the message says the same as one of the author's recent messages.

    Compared on case-folded words, so changing case, spacing or punctuation does not make a repeat new.
    """
    key = _repeat_key(view.text)
    if len(key) < MIN_REPEATED_MESSAGE_CHARS:
        return False
    return any(key == _repeat_key(recent) for recent in view.recent_texts)


def _repeat_key(text: str) -> str:
    """Return the case-folded words of ``text``, single-spaced (cheap: no full normalisation)."""
    return " ".join(_WORD.findall(text[:MAX_MATCH_CHARS].casefold()))


_PUNCTUATION_TOKENS = frozenset(".,!?;:")
_WORD = re.compile(r"[^\W_]+")
# Shortest unit first (lazy), so "aaaa" is "a" repeated, not "aa".
_REPEATED_UNIT = re.compile(rf"(.{{1,4}}?)\1{{{REPEAT_THRESHOLD - 1},}}", re.DOTALL)
_REPEATED_LONG_UNIT = re.compile(rf"(.{{5,20}}?)\1{{{LONG_UNIT_REPEAT_THRESHOLD - 1},}}", re.DOTALL)

BUILTIN_CHECKS: dict[str, Callable[[MessageView], bool]] = {
    "repeated_text": _is_repeated_text,
    "repeated_message": _is_repeated_message,
}


# ---------------------------------------------------------------------------------------------
# Compiling and matching


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    regex: re.Pattern[str] | None
    exceptions: re.Pattern[str] | None
    check: Callable[[MessageView], bool] | None

    def applies_to(self, view: MessageView) -> bool:
        """Return True if the rule is in force for this room and author."""
        rule = self.rule
        if rule.scope and view.room_slug not in rule.scope:
            return False
        return view.author_anonymous or not rule.only_anonymous

    def matches(self, view: MessageView) -> bool:
        """Return True if the rule fires on ``view`` (a match not covered by an exception)."""
        if self.check is not None:
            return self.check(view)
        assert self.regex is not None
        text = view.text[:MAX_MATCH_CHARS] if self.rule.match_original else view.normalized
        spans = [m.span() for m in self.regex.finditer(text)]
        if not spans:
            return False
        if self.exceptions is None:
            return True
        allowed = [m.span() for m in self.exceptions.finditer(text)]
        return any(not any(a <= start and end <= b for a, b in allowed) for start, end in spans)


@dataclass(frozen=True)
class CompiledRuleSet:
    """Rules compiled once; ``review`` accepts this as well as a sequence of Rule."""

    rules: tuple[CompiledRule, ...]

    def match(self, view: MessageView) -> list[RuleMatch]:
        """Return the rules that fire on ``view``, in rule order."""
        return [
            RuleMatch(compiled.rule.name, compiled.rule.action, compiled.rule.reason)
            for compiled in self.rules
            if compiled.applies_to(view) and compiled.matches(view)
        ]


def compile_rules(rules: Sequence[Rule] | CompiledRuleSet) -> CompiledRuleSet:
    """Return ``rules`` compiled (cached per distinct tuple of rules); raise ValueError for an invalid rule."""
    if isinstance(rules, CompiledRuleSet):
        return rules
    return _compile_cached(tuple(rules))


@lru_cache(maxsize=64)
def _compile_cached(rules: tuple[Rule, ...]) -> CompiledRuleSet:
    return CompiledRuleSet(tuple(_compile_rule(rule) for rule in rules))


def _compile_rule(rule: Rule) -> CompiledRule:
    """Return ``rule`` compiled; precondition: validate_rule accepts it (checked here)."""
    validate_rule(rule)
    if rule.kind == "builtin":
        return CompiledRule(rule, None, None, BUILTIN_CHECKS[rule.pattern])
    if rule.kind == "regex":
        regex = re.compile(rule.pattern)
    else:
        regex = _token_sequence_regex([normalize(rule.pattern)])
    exceptions = None
    if rule.exceptions:
        if rule.match_original:
            alternatives = "|".join(re.escape(e) for e in sorted(rule.exceptions, key=len, reverse=True))
            exceptions = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        else:
            exceptions = _token_sequence_regex([normalize(e) for e in rule.exceptions])
    return CompiledRule(rule, regex, exceptions, None)


def _token_sequence_regex(normalized_phrases: list[str]) -> re.Pattern[str]:
    """Return a regex matching any of the normalised phrases as whole tokens."""
    alternatives = "|".join(re.escape(p) for p in sorted(set(normalized_phrases), key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


# ---------------------------------------------------------------------------------------------
# Default rules. Deliberately short and non-exhaustive: moderators add rules for their community.

# Separator-first repeats keep these linear: each optional word starts with a space no word contains.
_INSULT_WORDS = (
    r"(?:idiot|moron|loser|pathetic|stupid|dumb|dumbass|worthless|useless|imbecile|clown|failure|disgrace|"
    r"bitch|cunt|dick|dickhead|prick|asshole|arsehole|twat|wanker|jerk|scum|trash|garbage|creep|psycho)s?"
)
_AT_PERSON = (
    r"\b(?:you are|you|your(?= (?:a|an|such|so)\b))"
    r"(?: (?:such|so|a|an|the|absolute|complete|total|utter|fucking|bloody|really|literally|just|little|stupid))*"
)
# A capitalised name: Jane, O'Neil, McDonald, Smith-Jones, José (letters of any case after the capital).
_FIRST_NAME = r"[A-ZÀ-ÖØ-Þ][\w'-]*[^\W\d_]"

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="self_harm_aimed_at_others",
        kind="regex",
        # "kys" and "unalive yourself" arrive here normalised to "kill yourself".
        pattern=r"\b(?:kill|hang|shoot|off|end|cut) (?:yourself|yourselves|your self)\b",
        action=BLOCK,
        # Screening and check-in questions use the same words.
        exceptions=(
            "do you want to kill yourself",
            "did you want to kill yourself",
            "are you going to kill yourself",
            "you would kill yourself",
            "you might kill yourself",
            "thoughts to kill yourself",
        ),
        reason=REASON_SELF_HARM_AT_OTHERS,
    ),
    Rule(
        name="death_wish_at_others",
        kind="regex",
        pattern=(
            r"\b(?:hope|wish|hoping) (?:you|that you) (?:die|get cancer|drop dead|rot"
            r"|get hit by a (?:bus|car|train))\b"
            r"|\bgo (?:die|drop dead|jump off a (?:bridge|cliff))\b|\byou should (?:just )?(?:die|be dead)\b"
            r"|\b(?:go|just|you should) drink bleach\b|\bthe world would be better without you\b"
        ),
        action=BLOCK,
        reason=REASON_DEATH_WISH,
    ),
    Rule(
        name="drop_dead",
        kind="phrase",
        pattern="drop dead",
        action=FLAG,
        exceptions=("drop dead gorgeous", "drop dead funny", "drop dead brilliant"),
        reason=REASON_INSULT,
    ),
    Rule(
        name="slur",
        kind="regex",
        pattern=(
            r"\b(?:nigg(?:er|a|ah)|fag|faggot|tranny|trannie|chink|spic|kike|wetback|gook|raghead|towelhead|"
            r"beaner|paki|retard|retarded|sandnigger|coon|shemale)s?\b"
        ),
        action=BLOCK,
        # "Retard" is also a slow-release formulation ("nifedipine retard").
        exceptions=(
            "retard tablet",
            "retard tablets",
            "retard capsule",
            "retard capsules",
            "retard formulation",
            "nifedipine retard",
            "retarded growth",
        ),
        reason=REASON_SLUR,
    ),
    Rule(
        name="insult_at_person",
        kind="regex",
        pattern=rf"{_AT_PERSON} {_INSULT_WORDS}\b",
        action=FLAG,
        reason=REASON_INSULT,
    ),
    Rule(
        name="insult_like_you",
        kind="regex",
        pattern=rf"\b{_INSULT_WORDS} like you\b|\bnobody (?:likes|wants|cares about) you\b",
        action=FLAG,
        reason=REASON_INSULT,
    ),
    Rule(
        name="idiot",
        kind="term",
        pattern="idiot",
        action=FLAG,
        # Self-talk is not abuse.
        exceptions=("i am an idiot", "i am such an idiot", "i am a complete idiot", "what an idiot i am"),
        reason=REASON_INSULT,
    ),
    Rule(
        name="phone_number",
        kind="regex",
        pattern=(
            r"(?<![\w+])(?:\+\d{1,3}[ .-]?\(?\d{2,5}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}"
            r"|(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{3,4}[ .-]\d{3,4}"
            r"|0\d{4}[ .-]?\d{6}|\d{10})(?![\w])"
        ),
        action=HOLD,
        only_anonymous=True,
        reason=REASON_PERSONAL_DETAILS,
        match_original=True,
    ),
    Rule(
        name="email_address",
        kind="regex",
        pattern=r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        action=HOLD,
        only_anonymous=True,
        reason=REASON_PERSONAL_DETAILS,
        match_original=True,
    ),
    Rule(
        name="email_address_spelled_out",
        kind="regex",
        # "jane dot doe at gmail dot com" (normalised: brackets and punctuation around "at" are gone).
        pattern=(
            r"\b[a-z0-9]+(?: (?:dot|\.) [a-z0-9]+)? at (?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|aol|"
            r"proton|protonmail|gmx|[a-z0-9]+ (?:dot|\.) edu|[a-z0-9]+ (?:dot|\.) ac) (?:dot|\.) [a-z]{2,4}\b"
        ),
        action=HOLD,
        only_anonymous=True,
        reason=REASON_PERSONAL_DETAILS,
    ),
    Rule(
        name="full_name_of_other",
        kind="regex",
        # Capitalisation is the signal, so this runs on the original text.
        pattern=(
            r"\b(?i:my|our) (?i:attending|resident|intern|registrar|consultant|classmate|roommate|flatmate|"
            r"housemate|friend|professor|prof|preceptor|supervisor|mentor|tutor|lecturer|dean|advisor|adviser|"
            r"chief|program director|lab partner|colleague|coworker|co-worker|ex)(?: (?i:dr|doctor|prof))?\.?"
            rf" {_FIRST_NAME} {_FIRST_NAME}\b"
        ),
        action=HOLD,
        reason=REASON_NAMES,
        match_original=True,
    ),
    Rule(
        name="doctor_full_name",
        kind="regex",
        pattern=rf"\b(?:Dr|Prof|Professor|Doctor)\.? {_FIRST_NAME} {_FIRST_NAME}\b",
        action=HOLD,
        reason=REASON_NAMES,
        match_original=True,
    ),
    Rule(name="repeated_text", kind="builtin", pattern="repeated_text", action=BLOCK, reason=REASON_REPEATED_TEXT),
    Rule(
        name="repeated_message",
        kind="builtin",
        pattern="repeated_message",
        action=BLOCK,
        reason=REASON_REPEATED_MESSAGE,
    ),
)


def default_rule_rows() -> list[dict]:
    """Return DEFAULT_RULES as field values of moderation.ModerationRule rows (for seeding the database)."""
    return [
        {
            "name": rule.name,
            "kind": rule.kind,
            "pattern": rule.pattern,
            "action": rule.action,
            "exceptions": "\n".join(rule.exceptions),
            "only_anonymous": rule.only_anonymous,
            "match_original": rule.match_original,
            "reason": rule.reason,
        }
        for rule in DEFAULT_RULES
    ]
