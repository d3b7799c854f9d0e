"""The moderation pipeline: text in, Decision out.

Pure: no database, no network, no clock, no global mutable state other than memo caches of pure
functions (compiled rules per distinct tuple of rules, normalised texts), which never change a result.
The room service calls ``review`` before a message is stored, stores ``decision.text`` and acts on
the Decision.

    sanitise -> normalise -> rules -> crisis detection -> Decision

- ``sanitize`` turns what was typed into the plain text that is stored and shown.
- ``normalize`` makes the matching form of that text (never shown, never stored).
- Rules (``moderation.rules``) match the normalised text, or the sanitised text for the few regex
  rules that need case or punctuation (phone numbers, e-mail addresses, names).
- Crisis detection (``moderation.crisis``) reads the normalised text and the author's recent messages.

How the action is chosen: a crisis level of 1 or more always escalates, even when a block rule
also matched (crisis messages are never silently blocked; the block rules are still listed);
otherwise block beats hold beats flag beats allow, and a message the harassment model reads as a
personal attack is at least flagged. An empty message after sanitising is blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from moderation import harassment_model
from moderation.crisis import CONTEXT_MESSAGES as CRISIS_CONTEXT_MESSAGES
from moderation.crisis import assess, model_text
from moderation.crisis_model import DEFAULT_SENSITIVITY
from moderation.normalize import normalize
from moderation.rules import (
    DEFAULT_RULES,
    MAX_MATCH_CHARS,
    RULE_ACTIONS,
    CompiledRuleSet,
    MessageView,
    Rule,
    compile_rules,
)
from moderation.sanitize import sanitize

ALLOW = "allow"
FLAG = "flag"
HOLD = "hold"
BLOCK = "block"
ESCALATE = "escalate"
ACTIONS = (ALLOW, FLAG, HOLD, BLOCK, ESCALATE)
# A rule's action is the Decision action it asks for, most severe first.
RULE_ACTIONS_BY_SEVERITY = (BLOCK, HOLD, FLAG)
assert set(RULE_ACTIONS) == set(RULE_ACTIONS_BY_SEVERITY)

REASON_EMPTY = "empty message"
# The author's recent messages checked for repeats (crisis context uses the last CRISIS_CONTEXT_MESSAGES).
RECENT_MESSAGES_CONSIDERED = 5
CRISIS_SIGNAL_PREFIX = "crisis:"
# The harassment model read a personal attack the rules did not catch: a silent flag for moderators.
HARASSMENT_SIGNAL = "abuse:language_model"
CONCERN_FOR_OTHER_SIGNAL = "crisis:concern_for_other"
# A member reporting that someone else has active thoughts of suicide or worse (a plan, means, a date, an act
# in progress) is escalated to moderators too: a peer should not carry that alone. The author is not the
# person at risk, so nothing is held and the author gets the helper card, not the crisis card.
CONCERN_ESCALATION_LEVEL = 2

# A message reviewed now comes back as a recent message in the author's next reviews. Memoising the
# pure normalize() saves that work; results never depend on the cache, only timing does.
_normalize_memo = lru_cache(maxsize=2048)(normalize)


@dataclass(frozen=True)
class ReviewContext:
    """What the pipeline may know about a message besides its text."""

    room_slug: str = ""
    # True when the author posts under an alias: personal details are held in that case.
    author_anonymous: bool = False
    # The author's previous few messages in this room, oldest first (for crisis context).
    recent_messages: tuple[str, ...] = ()
    # How readily the language model raises a crisis level (crisis_model.SENSITIVITIES); None: the default.
    crisis_sensitivity: str | None = None


@dataclass(frozen=True)
class Decision:
    action: str
    # The text to store and show: sanitised plain text.
    text: str
    # 0 none, 1 distress / passive wish, 2 active ideation or self-harm, 3 plan/means/intent/act.
    crisis_level: int = 0
    # Why: the names of the rules that matched, in the order they matched, then the crisis signals
    # ("crisis:...") and the harassment model's ("abuse:language_model"). Stored as an escalation's or
    # flag's "rules" (the protocol's name for them).
    reasons: tuple[str, ...] = field(default_factory=tuple)
    # A short reason a user may be shown when the action is hold or block.
    reason: str | None = None
    # The author seems worried about someone else at risk: show them helper resources.
    concern_for_other: bool = False
    # The risk the author reports about that person; from CONCERN_ESCALATION_LEVEL up it is escalated.
    other_level: int = 0
    # A hold rule matched (personal details in an anonymous post, say). An escalated message can carry
    # one too: it must then still be kept out of the room, with this reason.
    hold_reason: str | None = None
    # The crisis level rests on evidence strong enough to keep the message out of the room until a moderator
    # looks: the patterns' reading, or for level 3 the model's calibrated high confidence. The level alone
    # orders the queue; holding is this separate, stricter decision (the room applies CRISIS_HOLD_LEVEL).
    hold_for_crisis: bool = False

    @property
    def concern_escalated(self) -> bool:
        """Someone else, not the author, is at risk enough that moderators are alerted about them."""
        return self.crisis_level == 0 and self.other_level >= CONCERN_ESCALATION_LEVEL


def review(
    text: str,
    context: ReviewContext | None = None,
    rules: Sequence[Rule] | CompiledRuleSet = DEFAULT_RULES,
) -> Decision:
    """Return the Decision for one message text.

    ``rules`` may be a sequence of Rule (compiled once per distinct tuple and cached) or a
    CompiledRuleSet from ``compile_rules``. Raise ValueError if a rule is invalid.
    """
    context = context or ReviewContext()
    clean = sanitize(text)
    if not clean:
        return Decision(action=BLOCK, text=clean, reasons=("empty_message",), reason=REASON_EMPTY)
    compiled = compile_rules(rules)
    normalized = _normalize_memo(clean)
    recent = tuple(context.recent_messages[-RECENT_MESSAGES_CONSIDERED:])
    view = MessageView(
        text=clean[:MAX_MATCH_CHARS],
        normalized=normalized,
        recent_texts=recent,
        room_slug=context.room_slug,
        author_anonymous=context.author_anonymous,
    )
    matches = compiled.match(view)
    crisis = assess(
        normalized,
        tuple(_normalize_memo(m) for m in recent[-CRISIS_CONTEXT_MESSAGES:]),
        context.crisis_sensitivity or DEFAULT_SENSITIVITY,
    )

    names = [m.name for m in matches]
    names.extend(CRISIS_SIGNAL_PREFIX + signal for signal in crisis.signals)
    if crisis.concern_for_other:
        names.append(CONCERN_FOR_OTHER_SIGNAL)
    harassment = _reads_as_harassment(normalized)
    if harassment:
        names.append(HARASSMENT_SIGNAL)

    first_hold = next((m for m in matches if m.action == HOLD), None)
    hold_reason = (first_hold.reason or "held for a moderator") if first_hold is not None else None
    if crisis.level >= 1 or crisis.other_level >= CONCERN_ESCALATION_LEVEL:  # see Decision.concern_escalated
        action, reason = ESCALATE, None
    else:
        action, reason = ALLOW, None
        for severity in RULE_ACTIONS_BY_SEVERITY:
            first = next((m for m in matches if m.action == severity), None)
            if first is not None:
                # Flags are silent: only a held or blocked author is told why.
                action, reason = severity, (first.reason or None) if severity != FLAG else None
                break
        if action == ALLOW and harassment:
            action = FLAG  # the model only ever flags; holding or blocking abuse is the rules' decision
    return Decision(
        action=action,
        text=clean,
        crisis_level=crisis.level,
        reasons=tuple(names),
        reason=reason,
        hold_reason=hold_reason,
        hold_for_crisis=crisis.holdable,
        concern_for_other=crisis.concern_for_other,
        other_level=crisis.other_level,
    )


def _reads_as_harassment(normalized: str) -> bool:
    model = harassment_model.load()
    return model is not None and model.flags(model_text(normalized))
