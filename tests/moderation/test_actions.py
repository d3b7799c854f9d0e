"""moderation.actions: moderator frames parse into frozen dataclasses or a typed error."""

import dataclasses

import pytest

from moderation import actions
from rooms.protocol import BAD_REQUEST, ProtocolError


def test_frames_parse_into_frozen_actions():
    action = actions.parse_action("user.mute", {"room": "burnout", "seq": 4, "minutes": 10})
    assert action == actions.MemberAction("user.mute", "burnout", None, 4, "", 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.room = "other"
    assert actions.parse_action("escalation.ack", {"id": 3}) == actions.AcknowledgeEscalation(3)
    assert actions.parse_action("message.pin", {"room": "r", "seq": 0}) == actions.PinMessage("r", 0)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("nonsense", {"room": "r"}),
        ("escalation.ack", {}),
        ("escalation.resolve", {"id": 1, "note": "x" * (actions.REASON_MAX_CHARS + 1)}),
        ("user.warn", {"room": "r", "reason": "r"}),
        ("room.slow_mode", {"room": "r", "seconds": -1}),
        ("message.hide", {"seq": 1}),
    ],
)
def test_bad_frames_are_typed_errors(kind, data):
    with pytest.raises(ProtocolError) as raised:
        actions.parse_action(kind, data)
    assert raised.value.code == BAD_REQUEST


def test_room_tools_over_http_parse_to_the_same_actions():
    assert actions.parse_room_tool("room.slow_mode", {"seconds": 5}, "r") == actions.SetSlowMode("r", 5)
    with pytest.raises(ProtocolError):
        actions.parse_room_tool("user.ban", {}, "r")


def test_case_frames_parse_into_their_actions():
    assert actions.parse_action("flag.dismiss", {"id": 4}) == actions.DismissFlag(4, "")
    assert actions.parse_action("escalation.hand_over", {"id": 2, "to": "ada", "note": "yours"}) == (
        actions.HandOverEscalation(2, "ada", "yours")
    )
    slow = actions.parse_action("room.slow_mode", {"room": "r", "seconds": 5, "reason": "heated"})
    assert slow == actions.SetSlowMode("r", 5, "heated")
    for kind, data in [("flag.dismiss", {}), ("escalation.hand_over", {"id": 2, "note": "x"})]:
        with pytest.raises(ProtocolError):
            actions.parse_action(kind, data)
