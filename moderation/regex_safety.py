"""A static check that a rule's regex compiles, cannot match the empty string, and cannot backtrack
catastrophically (moderation.rules.validate_rule calls it). Pure: the parse tree only, nothing is matched."""

from __future__ import annotations

import re
from re import _constants as sre_constants  # private, but the only parser of Python's own regex syntax
from re import _parser as sre_parser


def validate_regex(pattern: str, label: str, *, lower_case_only: bool) -> None:
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
