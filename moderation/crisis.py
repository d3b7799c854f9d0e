"""Crisis detection: a level 0..3 for one message, after the Columbia scale, and the signals behind it.

Levels: 0 none; 1 distress or a passive wish to be dead; 2 active ideation, self-harm or method
ideation; 3 method, plan, intent, means at hand, timeframe, preparatory behaviour or an act in progress.

This module holds the public API and the assessment flow. What it is made of has modules of its own,
all pure; ``crisis_signals`` and ``crisis_attribution`` import ``crisis_vocabulary``, this module imports
all three, and nothing imports back:

- ``moderation.crisis_vocabulary``: the words the patterns are written in: fragments, acts, idioms, the
  clinical frame, hedges, joking markers, person and negation words;
- ``moderation.crisis_signals``: the behaviours the patterns look for, compiled and indexed by anchor words;
- ``moderation.crisis_attribution``: whose risk a hit is, and whether a negation governs it.

How a message is assessed (all on the normalised text, see ``moderation.normalize``):

1. Idioms and clinical hyperbole ("this exam is killing me") are blanked out first, so they cannot match.
2. The signals whose anchor words the message contains are matched. Some are *corroborating* ("I have a
   plan", "just in case"): they mean little alone and only count beside another signal.
3. Each hit is attributed: to the author, to someone else (sets ``concern_for_other`` instead of a
   level), or to a second person, a patient or a group (ignored). Keyword signals ("suicidal") are
   ignored in a clinical or teaching frame unless the author discloses.
4. A hit negated in its clause ("I'm not suicidal") is dropped. Negation and hedging ("kind of", "jk",
   "I'd never act on it") then lower the level by one but never below 1 while other risk language
   remains.
5. Context: the author's recent messages. The current message is assessed alone, and again joined
   to the end of the previous one or two messages; in the joined window a hit counts only if it
   ends inside the current message, so a thought split over messages ("I want to" / "disappear
   forever") is caught while an earlier message is not re-escalated by every later one. Hits in
   the earlier messages may still corroborate ("I want to die" / "I have a plan"). The level is
   the higher of the two assessments.
6. The language models in ``moderation.crisis_model`` read every message of at least ``MODEL_MIN_WORDS``
   words except those the patterns set aside (negated, about a patient or someone else). Where the
   patterns found nothing, the model's level stands, 3 included; where they found risk, their level
   stands unless the model is as sure of a plan, means or an act as it must be to hold a message.
7. Laughter and joking markers ("lol", "haha") never cancel risk, but a level-3 reading of the patterns
   alone becomes 2 ("gonna kms lol this exam"). ``holdable`` says whether the level rests on evidence
   strong enough to hold the message out of the room.
8. Someone else at risk: ``other_level`` is the level the author reports for that person; the pipeline
   escalates it to moderators from level 2 (``Escalation.about_other``) without holding the message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from moderation import crisis_model
from moderation.crisis_attribution import OTHER, SECOND_PERSON, SELF, is_negated, subject_of
from moderation.crisis_signals import SIGNALS, SIGNALS_BY_ANCHOR, Signal
from moderation.crisis_vocabulary import CLINICAL_FRAME, DISCLOSURE_BEFORE, HEDGES, IDIOMS, JOKING
from moderation.normalize import normalize, tokenize

# The level reported for someone else when only the language model reads them at risk: enough to escalate to
# moderators (pipeline.CONCERN_ESCALATION_LEVEL), not a claim of a plan.
MODEL_CONCERN_LEVEL = 2
# How many of the author's previous messages may continue into the current one.
CONTEXT_MESSAGES = 2
# Only the end of the previous messages can continue into the current one.
CONTEXT_TAIL_CHARS = 160
# The language models (crisis_model) judge messages of at least this many words: in fewer, one word's
# weight decides ("my match results!"), and the short ways of saying it are the patterns' ("kms").
MODEL_MIN_WORDS = 5


@dataclass(frozen=True)
class CrisisResult:
    level: int = 0
    # Names of the signals that counted towards the level, in the order they were found.
    signals: tuple[str, ...] = ()
    # The author is worried about someone else at risk: show helper resources, do not escalate the author.
    concern_for_other: bool = False
    # How much risk the author reports about that someone else, on the same scale (0 when no concern).
    other_level: int = 0
    # Level 0 because the patterns matched and set the match aside (negated, hedged away, about a patient or
    # someone else): the language model is then not asked to second-guess them. A keyword skipped in a
    # clinical frame does not count as a match: the model, trained on clinical talk, may still read it.
    dismissed: bool = False
    # The level rests on evidence strong enough to hold the message out of the room: the patterns' own
    # reading, or (level 3) the language model's plan head at its calibrated hold confidence.
    holdable: bool = False


NO_CRISIS = CrisisResult()
_DISMISSED = CrisisResult(dismissed=True)


class ModelReader(Protocol):
    """What the assessment asks of a language model: ``crisis_model.CrisisModel`` inline, or the second look's
    model bound to one message's sentence embedding (``moderation.second_look``)."""

    hold_confidence: float
    concern_threshold: float

    def read(self, model_text: str) -> crisis_model.Reading: ...

    def level(self, reading: crisis_model.Reading, sensitivity: str) -> int: ...


@dataclass(frozen=True)
class _Hit:
    signal: Signal
    subject: str
    negated: bool
    span: tuple[int, int]


def detect_crisis(
    text: str,
    recent_messages: Sequence[str] = (),
    sensitivity: str = crisis_model.DEFAULT_SENSITIVITY,
    reader: ModelReader | None = None,
) -> CrisisResult:
    """Return the crisis assessment of raw ``text`` given the author's recent messages (oldest first)."""
    recent = tuple(normalize(m) for m in recent_messages[-CONTEXT_MESSAGES:])
    return assess(normalize(text), recent, sensitivity, reader)


def assess(
    normalized: str,
    recent_normalized: Sequence[str] = (),
    sensitivity: str = crisis_model.DEFAULT_SENSITIVITY,
    reader: ModelReader | None = None,
) -> CrisisResult:
    """Return the crisis assessment of a normalised message; precondition: inputs come from normalize().

    ``sensitivity`` is one of ``crisis_model.SENSITIVITIES``: how readily the language model raises a level.
    ``reader`` replaces the shipped inline model (the second look passes its own); the patterns and their
    attribution rules (negated, about a patient, about someone else) apply the same either way.
    """
    if not normalized:
        return NO_CRISIS
    results = [_assess_window(normalized, 0)]
    previous = " ".join(m for m in recent_normalized[-CONTEXT_MESSAGES:] if m)
    if previous:
        # The tail of the previous messages, cut at a token boundary.
        prefix = previous[-CONTEXT_TAIL_CHARS:]
        if len(prefix) < len(previous):
            prefix = prefix.partition(" ")[2]
        if prefix:
            results.append(_assess_window(f"{prefix} {normalized}", len(prefix) + 1))
    pattern_level = max(r.level for r in results)
    concern = any(r.concern_for_other for r in results)
    signals: list[str] = []
    for result in results:
        signals.extend(s for s in result.signals if s not in signals)
    other_level = max(r.other_level for r in results)

    models = crisis_model.load() if reader is None else reader
    reading = crisis_model.NO_READING if models is None else _read(models, normalized)
    model_level = 0
    if pattern_level == 0 and (concern or results[0].dismissed):
        pass  # the patterns read it and set it aside (negated, about someone else, a patient): the model's
        # reading of the author's own risk, from words and not who they are about, does not second-guess that
    elif models is not None:
        model_level = models.level(reading, sensitivity)
        if pattern_level and not (model_level == 3 and reading.plan >= models.hold_confidence):
            # The patterns found risk and weighed it (hedges, negations in the clause, context): their level
            # stands, unless the model is as sure of a plan, means or an act as it must be to hold a message.
            model_level = 0
    joking = pattern_level == 3 and JOKING.search(normalized) is not None and model_level < 3
    if joking:
        pattern_level = 2  # "gonna kms lol this exam": hyperbole never reaches level 3 on the patterns alone
    level = max(pattern_level, model_level)
    if model_level > pattern_level:
        signals.append("language_model")
        if model_level == 3:
            signals.append("language_model_plan")
    holdable = (
        level >= 1
        and not joking
        and (pattern_level >= level or (level == 3 and reading.plan >= models.hold_confidence))
    )
    if (
        level == 0
        and not concern
        and models is not None
        and reading.other >= models.concern_threshold
        and CLINICAL_FRAME.search(normalized) is None  # a patient at risk is the care team's, not a friend's
    ):
        # Someone else sounds in danger and the patterns did not see it: moderators hear of it (about_other),
        # the author gets the helper card.
        concern, other_level = True, MODEL_CONCERN_LEVEL
        signals.append("language_model_concern")
    if level == 0 and not concern:
        return NO_CRISIS
    return CrisisResult(level, tuple(signals), concern, other_level, holdable=holdable)


def _assess_window(window: str, offset: int, *, use_anchors: bool = True) -> CrisisResult:
    """Assess ``window``, counting only hits that end after ``offset`` (where the current message starts)."""
    if use_anchors:
        indexes: set[int] = set()
        for token in set(tokenize(window)):
            found = SIGNALS_BY_ANCHOR.get(token)
            if found:
                indexes.update(found)
        if not indexes:
            return NO_CRISIS  # most chat messages stop here
        candidates = [SIGNALS[i] for i in sorted(indexes)]
    else:
        candidates = list(SIGNALS)
    text = IDIOMS.sub(lambda m: "#" * len(m.group()), window)
    clinical: bool | None = None
    hits: list[_Hit] = []
    # Hits inside earlier messages do not count again, but they corroborate ("I want to die" / "I have a plan").
    earlier_hits: list[_Hit] = []
    for signal in candidates:
        for match in signal.regex.finditer(text):
            if signal.keyword:
                if clinical is None:
                    clinical = CLINICAL_FRAME.search(text) is not None
                if clinical and not DISCLOSURE_BEFORE.search(text[max(0, match.start() - 60) : match.start()]):
                    continue
            subject = subject_of(text, match, look_inside=not signal.speaker)
            if signal.speaker and subject == SECOND_PERSON:
                subject = SELF
            hit = _Hit(signal, subject, is_negated(text, match.start()), match.span())
            (earlier_hits if match.end() <= offset else hits).append(hit)
    if not hits:
        return NO_CRISIS
    if clinical is None:
        clinical = CLINICAL_FRAME.search(text) is not None
    hedged = any(h.negated for h in hits) or HEDGES.search(text[offset:]) is not None
    counted = [h for h in hits if not h.negated and h.subject == SELF]
    about_other = [h for h in hits if not h.negated and h.subject == OTHER]
    concern = not clinical and any(not h.signal.corroborating for h in about_other)
    # The risk reported about the other person: corroborating signals count only beside another piece.
    if not concern:
        other_level = 0
    elif _separate_pieces(about_other) >= 2:
        other_level = max(h.signal.level for h in about_other)
    else:
        other_level = max(h.signal.level for h in about_other if not h.signal.corroborating)
    corroborated = _separate_pieces(counted) >= 2 or any(not h.negated and h.subject == SELF for h in earlier_hits)
    weak_alone = bool(counted) and len(counted) == len(hits) and all(h.signal.corroborating for h in counted)
    if all(h.signal.corroborating for h in counted) and not corroborated:
        counted = []  # one corroborating signal alone ("I have a plan") is no pattern evidence
    level = max((h.signal.level for h in counted), default=0)
    if level == 0 and not concern:
        if weak_alone and not corroborated:
            return NO_CRISIS  # nothing set aside: the language model may still read a plan in the words
        return _DISMISSED  # matched, but negated, about a patient or someone else
    if hedged and level > 1:
        level -= 1
    names: list[str] = []
    for hit in counted:
        if hit.signal.name not in names:
            names.append(hit.signal.name)
    return CrisisResult(level, tuple(names), concern, other_level)


def _separate_pieces(hits: list[_Hit]) -> int:
    """Return how many hits do not overlap an earlier one: one phrase is one piece of evidence."""
    count = 0
    last_end = -1
    for start, end in sorted(h.span for h in hits):
        if start >= last_end:
            count += 1
        last_end = max(last_end, end)
    return count


# Hair dyed ("die my hair blue", a common misspelling) or cut: phrases the patterns already read as harmless.
# The model reads one harmless word instead, not the crisis words around it.
_HAIRCUT = re.compile(r"\b(?:die|died|dying|dye|dyed|cut|cutting|chop|chopped) (?:my|her|his|your|their) hair\b")
# What an idiom or hyperbole becomes for the model: a word of its own, which the training data (rich in
# hyperbole among hard non-crisis messages) teaches it to read, rather than a blank that leaves "i am so
# tired , i" of "i am so tired, i could sleep forever".
IDIOM_TOKEN = "idiom"


# Memoised: the crisis and harassment models read the same text of each message. Pure, so the cache never
# changes a result.
@lru_cache(maxsize=4096)
def model_text(normalized: str) -> str:
    """The text the language model reads: the normalised message with idioms and hyperbole marked."""
    text = _HAIRCUT.sub("haircut", normalized)
    return " ".join(IDIOMS.sub(f" {IDIOM_TOKEN} ", text).split())


def _enough_words(text: str) -> bool:
    return sum(token.isalpha() for token in tokenize(text)) >= MODEL_MIN_WORDS


def _read(models: ModelReader, normalized: str) -> crisis_model.Reading:
    """Return the language model's reading of a message (see crisis_model).

    Nothing (all 0) when the message is too short for one word's weight not to decide.
    """
    text = model_text(normalized)
    if not _enough_words(text):
        return crisis_model.NO_READING
    return models.read(text)
