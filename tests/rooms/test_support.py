"""A student whose message shows signs of crisis gets a private support frame; nobody else does."""

import pytest
from asgiref.sync import sync_to_async

from moderation import pipeline
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS_TEXT = "I don't want to be here anymore"


def test_the_pipeline_sees_crisis_in_the_text_used_here():
    # If the detector stops recognising this text, the tests below would test nothing.
    assert pipeline.review(CRISIS_TEXT).crisis_level >= 1
    assert pipeline.review("anyone want coffee before rounds?").crisis_level == 0


async def test_crisis_message_gets_private_support_frame_with_resources(make_user, make_room, connect, settings):
    lifeline = {"name": "988 Suicide & Crisis Lifeline", "contact": "Call or text 988", "call": "988", "text": "988"}
    settings.CRISIS_RESOURCES = [lifeline]
    room = await sync_to_async(make_room)()
    author, peer = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    a = await connect(author, room.slug)
    await a.receive_json_from()
    b = await connect(peer, room.slug)
    await b.receive_json_from()

    await a.send_json_to({"type": "message.send", "client_id": "c1", "body": CRISIS_TEXT})
    ack = await receive_until(a, "message.ack")
    support = await receive_until(a, "support")
    assert support["level"] >= 1 and support["message"]
    # Numbers are tel: and sms: links: one tap on a phone.
    assert support["resources"] == [
        {
            **lifeline,
            "links": [
                {"kind": "call", "label": "Call 988", "href": "tel:988"},
                {"kind": "text", "label": "Text 988", "href": "sms:988"},
            ],
        }
    ]
    # Peers get the message (peer support matters) but never the support frame.
    peer_frames = await frames_within(b)
    assert [f["seq"] for f in peer_frames if f["type"] == "message"] == [ack["seq"]]
    assert not [f for f in peer_frames if f["type"] == "support"]


async def test_ordinary_message_gets_no_support_frame(make_user, make_room, connect):
    room = await sync_to_async(make_room)()
    author = await sync_to_async(make_user)()
    a = await connect(author, room.slug)
    await a.receive_json_from()
    await a.send_json_to({"type": "message.send", "client_id": "c1", "body": "this exam is killing me lol"})
    ack = await receive_until(a, "message.ack")
    # The room's copy of the message reaches the author; a support frame would come with it, and does not.
    frames = await frames_within(a)
    assert [(f["type"], f.get("seq")) for f in frames if f["type"] in ("message", "support")] == [
        ("message", ack["seq"])
    ]


async def test_worry_about_a_friend_gets_helper_resources_and_a_moderator_when_they_are_at_risk(
    make_user, make_room, connect
):
    from moderation.models import Escalation

    room = await sync_to_async(make_room)()
    author = await sync_to_async(make_user)()
    a = await connect(author, room.slug)
    await a.receive_json_from()
    low = "my friend says she feels like such a burden to everyone"
    assert pipeline.review(low).concern_for_other, "the detector must recognise this for the test to mean anything"
    await a.send_json_to({"type": "message.send", "client_id": "f0", "body": low})
    assert (await receive_until(a, "message.ack"))["status"] == "delivered"
    support = await receive_until(a, "support")
    assert support["for_other"] is True and support["level"] == 0 and "988" in support["message"]
    assert "moderator know" not in support["message"]
    assert await sync_to_async(Escalation.objects.count)() == 0

    text = "my roommate keeps saying she wants to kill herself, what do I do?"
    await a.send_json_to({"type": "message.send", "client_id": "f1", "body": text})
    assert (await receive_until(a, "message.ack"))["status"] == "delivered", "the author is not held"
    support = await receive_until(a, "support")
    assert support["for_other"] is True and support["level"] == 0 and "moderator know" in support["message"]
    escalation = await sync_to_async(Escalation.objects.get)()
    assert escalation.about_other and escalation.level == 2
