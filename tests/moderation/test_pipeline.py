"""review(): the Decision the server acts on, and the text it stores."""

import dataclasses

import pytest

from moderation.pipeline import ALLOW, BLOCK, ESCALATE, FLAG, HARASSMENT_SIGNAL, HOLD, Decision, ReviewContext, review
from moderation.rules import DEFAULT_RULES, REASON_PERSONAL_DETAILS, Rule, compile_rules

ANONYMOUS = ReviewContext(room_slug="anonymous-support", author_anonymous=True)


def test_an_ordinary_message_is_allowed_as_typed():
    assert review("anyone have the renal notes?") == Decision(action=ALLOW, text="anyone have the renal notes?")


def test_the_stored_text_is_sanitised_plain_text():
    decision = review("  <b>hi</b> a < b &amp; c\u202e\r\n")
    assert decision.text == "hi a < b & c"
    assert decision.action == ALLOW


@pytest.mark.parametrize("text", ["", "   ", "<b></b>", "\u202e\u2066", "<!-- hidden -->"])
def test_an_empty_message_is_blocked(text):
    decision = review(text)
    assert decision.action == BLOCK
    assert decision.reason == "empty message"
    assert decision.text == ""


def test_a_block_rule_blocks_with_its_reason_and_keeps_the_sanitised_text():
    decision = review("<i>kys</i>")
    assert decision.action == BLOCK
    # The rule decides; the harassment model agrees and is listed after it.
    assert decision.reasons == ("self_harm_aimed_at_others", HARASSMENT_SIGNAL)
    assert decision.reason == "telling someone to hurt or kill themselves is not allowed"
    assert decision.text == "kys"


def test_personal_details_are_held_in_anonymous_rooms_only():
    held = review("text me on 555-123-4567", ANONYMOUS)
    assert (held.action, held.reason, held.reasons) == (HOLD, REASON_PERSONAL_DETAILS, ("phone_number",))
    assert review("text me on 555-123-4567", ReviewContext(room_slug="general")).action == ALLOW


def test_a_flag_is_silent_to_the_author():
    decision = review("you're pathetic")
    assert decision.action == FLAG
    assert decision.reason is None


def test_block_beats_hold_beats_flag():
    assert review("you're pathetic kys 555-123-4567", ANONYMOUS).action == BLOCK
    assert review("you're pathetic, call 555-123-4567", ANONYMOUS).action == HOLD


def test_crisis_messages_escalate_with_the_level_and_prefixed_signals():
    decision = review("I've been saving up my meds for when it gets bad")
    assert decision.action == ESCALATE
    assert decision.crisis_level == 3
    assert decision.reasons == ("crisis:means_stockpiled",)
    assert decision.reason is None


def test_a_crisis_message_is_never_silently_blocked():
    decision = review("kys. honestly I want to kill myself too")
    assert decision.action == ESCALATE
    assert decision.crisis_level == 2
    assert "self_harm_aimed_at_others" in decision.reasons
    assert "crisis:kill_self" in decision.reasons


def test_a_repeated_crisis_message_still_escalates():
    recent = ("I want to die, nobody gets it",)
    decision = review("I want to die, nobody gets it", ReviewContext(recent_messages=recent))
    assert decision.action == ESCALATE
    assert "repeated_message" in decision.reasons


def test_a_friend_feeling_low_gets_the_author_resources_without_an_escalation():
    decision = review("my friend says she feels like such a burden to everyone")
    assert decision.action == ALLOW and decision.crisis_level == 0
    assert decision.concern_for_other and decision.other_level == 1
    assert decision.reasons == ("crisis:concern_for_other",)


def test_a_friend_thinking_of_suicide_is_escalated_but_the_author_is_not_the_one_at_risk():
    decision = review("my roommate keeps saying she wants to end her life, what do I do?")
    assert decision.action == ESCALATE
    assert decision.crisis_level == 0, "the author is not the person at risk"
    assert decision.concern_for_other and decision.other_level == 2
    assert decision.reasons == ("crisis:concern_for_other",)
    planned = review("my bf told me he has a plan to kill himself and already bought pills, what do i do")
    assert planned.other_level == 3 and planned.crisis_level == 0


def test_recent_messages_complete_a_thought():
    context = ReviewContext(recent_messages=("can't stop thinking", "honestly I wish I could"))
    assert review("disappear forever", context).crisis_level == 1


def test_repeating_a_recent_message_is_blocked():
    context = ReviewContext(recent_messages=("Anyone up for the study group tonight?",))
    decision = review("anyone up for the study group tonight", context)
    assert (decision.action, decision.reason) == (BLOCK, "repeated message")


def test_flooding_is_blocked():
    decision = review("a" * 40)
    assert (decision.action, decision.reason) == (BLOCK, "repeated text")


def test_caller_rules_replace_the_defaults_and_respect_room_scope():
    rules = [Rule(name="no_spoilers", kind="phrase", pattern="match results", action="hold", scope=("general",))]
    # Without the default rules "kys" is not blocked; only the harassment model's flag is left.
    assert review("kys", rules=rules).reasons == (HARASSMENT_SIGNAL,)
    assert review("see you at the review session", rules=rules).action == ALLOW
    in_scope = review("my match results!", ReviewContext(room_slug="general"), rules=rules)
    assert (in_scope.action, in_scope.reasons) == (HOLD, ("no_spoilers",))
    assert review("my match results!", ReviewContext(room_slug="other"), rules=rules).action == ALLOW


def test_a_compiled_rule_set_is_accepted():
    assert review("kys", rules=compile_rules(DEFAULT_RULES)).action == BLOCK


def test_an_invalid_rule_is_reported_not_ignored():
    with pytest.raises(ValueError, match="rule 'bad'"):
        review("hello", rules=[Rule(name="bad", kind="regex", pattern="(a+)+", action="block")])


def test_review_is_pure():
    context = ReviewContext(room_slug="r", author_anonymous=True, recent_messages=("I want to",))
    first = review("disappear forever, call 555-123-4567", context)
    second = review("disappear forever, call 555-123-4567", context)
    assert first == second
    assert context == ReviewContext(room_slug="r", author_anonymous=True, recent_messages=("I want to",))


def test_decision_and_context_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        review("hi").action = BLOCK  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ReviewContext().room_slug = "x"  # type: ignore[misc]


def test_very_long_messages_are_reviewed_whole_but_matched_within_the_cap():
    filler = " ".join(f"note{number}" for number in range(1000))  # about 6,900 characters
    decision = review(f"{filler} kys")
    assert decision.text.endswith("kys")
    assert decision.action == ALLOW  # the insult lies beyond what rules read
