"""Sharing-circle mode over the WebSocket protocol."""

import json

import pytest
from asgiref.sync import sync_to_async

from rooms.protocol import ProtocolError
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


async def circle_frame(socket, **expected):
    while True:
        frame = await receive_until(socket, "circle")
        if all(frame[k] == v for k, v in expected.items()):
            return frame


async def send(socket, body, client_id):
    await socket.send_json_to({"type": "message.send", "client_id": client_id, "body": body})
    while True:
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"] in ("message.ack", "error"):
            return frame


async def test_only_the_speaker_posts_while_holding_the_turn(make_user, make_room, connect):
    room = await sync_to_async(make_room)(slug="circle")
    facilitator = await sync_to_async(make_user)(role="facilitator", first_name="Dana", last_name="Kim")
    await sync_to_async(room.facilitators.add)(facilitator)
    f = await connect(facilitator, room.slug)
    joined = await f.receive_json_from()
    assert joined["circle"] == {"type": "circle", "active": False, "speaker": None, "hands": []}
    a = await connect(await sync_to_async(make_user)(), room.slug)
    alias_a = (await a.receive_json_from())["you"]["alias"]
    b = await connect(await sync_to_async(make_user)(), room.slug)
    alias_b = (await b.receive_json_from())["you"]["alias"]

    await a.send_json_to({"type": "circle.start"})
    assert (await receive_until(a, "error"))["code"] == "forbidden", "only facilitators run the circle"
    await f.send_json_to({"type": "circle.start"})
    await circle_frame(a, active=True)
    await a.send_json_to({"type": "hand.raise"})
    await b.send_json_to({"type": "hand.raise"})
    await circle_frame(f, hands=[alias_a, alias_b])

    await f.send_json_to({"type": "turn.give", "alias": "Nobody Here"})
    assert (await receive_until(f, "error"))["code"] == "not_found"
    await f.send_json_to({"type": "turn.give", "alias": alias_a})
    await circle_frame(b, speaker=alias_a, hands=[alias_b])

    refused = await send(b, "can I say something?", "b1")
    assert refused["code"] == "not_your_turn" and alias_a in refused["detail"] and refused["client_id"] == "b1"
    assert (await send(a, "this week has been a lot", "a1"))["status"] == "delivered"
    assert (await send(f, "thank you for sharing", "f1"))["status"] == "delivered", "facilitators may speak"

    await b.send_json_to({"type": "turn.pass"})
    assert (await receive_until(b, "error"))["code"] == "forbidden"
    await a.send_json_to({"type": "turn.pass"})
    await circle_frame(b, speaker=None)
    assert (await send(b, "now I can talk", "b2"))["status"] == "delivered"
    await f.send_json_to({"type": "circle.stop"})
    await circle_frame(a, active=False, hands=[])


async def test_hands_need_a_running_circle(make_user, make_room, connect):
    room = await sync_to_async(make_room)()
    socket = await connect(await sync_to_async(make_user)(), room.slug)
    await socket.receive_json_from()
    await socket.send_json_to({"type": "hand.raise"})
    assert (await receive_until(socket, "error"))["code"] == "bad_request"
    await socket.send_json_to({"type": "turn.give"})
    assert (await receive_until(socket, "error"))["code"] == "bad_request", "turn.give needs an alias"


async def test_an_identity_switch_never_relabels_a_turn(make_user, make_room, connect):
    """A student takes the turn under their alias and then asks to post under their name: nobody may ever see
    "<their name> has the turn", in a push, a join snapshot or a refusal's detail."""
    room = await sync_to_async(make_room)(slug="circle")
    facilitator = await sync_to_async(make_user)(role="facilitator")
    await sync_to_async(room.facilitators.add)(facilitator)
    f = await connect(facilitator, room.slug)
    await f.receive_json_from()
    student = await sync_to_async(make_user)(username="noor.h", first_name="Noor", last_name="Haddad")
    a = await connect(student, room.slug)
    alias = (await a.receive_json_from())["you"]["alias"]
    observer = await sync_to_async(make_user)()
    b = await connect(observer, room.slug)
    alias_b = (await b.receive_json_from())["you"]["alias"]

    await f.send_json_to({"type": "circle.start"})
    await circle_frame(a, active=True)
    await a.send_json_to({"type": "hand.raise"})
    await circle_frame(f, hands=[alias])
    await f.send_json_to({"type": "turn.give", "alias": alias})
    seen = [await circle_frame(b, speaker=alias)]

    await a.send_json_to({"type": "identity.set", "anonymous": False})
    await a.receive_json_from()  # refused or accepted: either way the turn keeps the label it was taken under
    await b.send_json_to({"type": "hand.raise"})  # the room gets the whole circle again
    seen.append(await circle_frame(f, hands=[alias_b]))
    seen += await frames_within(b, 0.3)
    later = await connect(observer, room.slug)
    seen.append(await later.receive_json_from())  # a later join's snapshot
    seen.append(await send(b, "may I?", "b1"))  # not_your_turn names who has the turn

    for frame in seen:
        assert "Haddad" not in json.dumps(frame) and "Noor" not in json.dumps(frame), frame
    # Positive: every view still says the alias has the turn.
    assert seen[1]["speaker"] == alias and seen[-2]["circle"]["speaker"] == alias
    assert seen[-1]["code"] == "not_your_turn" and alias in seen[-1]["detail"]


def test_hands_and_turns_keep_the_name_they_were_given_under(make_user, make_room):
    """The circle shows the stored label, never the member's current identity (which can change, for example
    when an operator turns a room's anonymity off), and a switch is refused while a hand is up."""
    from rooms import circle, services
    from rooms.models import Room

    room = make_room()
    facilitator = make_user(role="facilitator")
    room.facilitators.add(facilitator)
    staff = services.do_join_room(facilitator, room)
    student = make_user(first_name="Ines", last_name="Duarte")
    member = services.do_join_room(student, room)
    circle.do_circle(staff.pk, "circle.start")
    circle.do_circle(member.pk, "hand.raise")
    with pytest.raises(ProtocolError) as refused:
        services.do_set_identity(member.pk, anonymous=False)
    assert refused.value.code == "forbidden" and "lower it" in refused.value.detail

    Room.objects.filter(pk=room.pk).update(anonymity="off")
    member = services.do_join_room(student, Room.objects.get(pk=room.pk))
    assert not member.is_anonymous, "positive: the member now posts under their name"
    assert circle.circle_state(Room.objects.get(pk=room.pk))["hands"] == [member.alias]
    circle.do_circle(staff.pk, "turn.give", member.alias)
    assert circle.circle_state(Room.objects.get(pk=room.pk))["speaker"] == member.alias
    circle.do_circle(member.pk, "turn.pass")
    circle.do_circle(member.pk, "hand.raise")
    assert circle.circle_state(Room.objects.get(pk=room.pk))["hands"] == ["Ines Duarte"], "a new hand, a new label"
