"""Sharing-circle mode over the WebSocket protocol."""

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import receive_until

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
