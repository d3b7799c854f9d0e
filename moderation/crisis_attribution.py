"""Whose risk a crisis signal's hit is, and whether a negation governs it.

Each hit is attributed (``subject_of``): to the author (first person, or no subject at all), to someone
else ("my friend ... wanting to end it", "kill herself": the message then sets ``concern_for_other``
instead of a level), to a second person ("if you ever want to die...": ignored), to a patient (ignored)
or to a group ("we" jumping off a cliff into a lake: ignored). Pronouns inside the hit decide first;
otherwise the nearest subject before it in the same clause, passing over whoever something was sent or
told to ("she texted me a goodbye message").

A hit preceded in its clause by a negation ("I'm not suicidal", "I would never kill myself") is negated
(``is_negated``): the assessment drops it and lowers the level. The words read here are in
``moderation.crisis_vocabulary``.
"""

from __future__ import annotations

import re

from moderation.crisis_vocabulary import (
    CLAUSE_BREAKS,
    CLINICAL_SUBJECTS,
    FIRST_PERSON_WORDS,
    GROUP_WORDS,
    NEGATION_BRIDGE,
    NEGATORS,
    NOT_NEGATING_NEXT,
    SECOND_PERSON_WORDS,
    TELLING_VERBS,
    THIRD_PERSON_IN_HIT,
    THIRD_PERSON_WORDS,
)
from moderation.normalize import tokenize

# Who a hit is about.
SELF, SECOND_PERSON, OTHER, PATIENT, GROUP = "self", "second person", "someone else", "patient", "group"


def subject_of(text: str, match: re.Match[str], *, look_inside: bool = True) -> str:
    """Return who a hit is about: the author, the reader, someone else, a patient or a group.

    Pronouns inside the hit decide first ("kill herself", "end my life") unless ``look_inside`` is
    False, for hits whose pronouns are objects ("won't need her anymore" about a cat).
    """
    for token in tokenize(match.group()) if look_inside else ():
        if token in THIRD_PERSON_IN_HIT:
            return OTHER
        if token in FIRST_PERSON_WORDS:
            return SELF
        if token in SECOND_PERSON_WORDS:
            return SECOND_PERSON
    # No person inside the hit: the nearest subject before it in the same clause, else the author.
    before = tokenize(text[max(0, match.start() - 80) : match.start()])
    window = before[-12:]
    for index in range(len(window) - 1, -1, -1):
        token = window[index]
        if token in CLAUSE_BREAKS:
            break
        if token in CLINICAL_SUBJECTS:
            return PATIENT
        if token in GROUP_WORDS:
            return GROUP
        # Who is sent or told something is not who acts: "she texted me a goodbye message", "I texted my
        # mom a goodbye message"; nor is what the author owns: "a friend from my small group posted ...".
        # Keep looking for the subject.
        if _is_recipient(window, index):
            continue
        if token == "my" and index + 1 < len(window) and window[index + 1] not in THIRD_PERSON_WORDS:
            continue
        if token in FIRST_PERSON_WORDS:
            return SELF
        if token in SECOND_PERSON_WORDS:
            return SECOND_PERSON
        if token in THIRD_PERSON_WORDS:
            return OTHER
    return SELF


def _is_recipient(window: list[str], index: int) -> bool:
    """Return True if ``window[index]`` is the person something was sent or told to ("texted [my] mom")."""
    token = window[index]
    if token not in THIRD_PERSON_WORDS and token != "me":
        return False
    previous = window[index - 1] if index > 0 else ""
    if previous in TELLING_VERBS:
        return True
    return previous in ("my", "his", "her", "their") and index > 1 and window[index - 2] in TELLING_VERBS


def is_negated(text: str, start: int) -> bool:
    """Return True if a negation governs the hit starting at ``start`` (same clause, bridged by auxiliaries)."""
    before = tokenize(text[max(0, start - 80) : start].rstrip(" "))
    for index in range(len(before) - 1, max(-1, len(before) - 7), -1):
        token = before[index]
        if token in NEGATORS:
            following = before[index + 1] if index + 1 < len(before) else ""
            return following not in NOT_NEGATING_NEXT
        if token in CLAUSE_BREAKS or token not in NEGATION_BRIDGE:
            return False
    return False
