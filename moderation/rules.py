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

from moderation.normalize import MAX_NORMALIZED_CHARS, normalize, tokenize
from moderation.regex_safety import validate_regex

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
        validate_regex(rule.pattern, label, lower_case_only=not rule.match_original)


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
