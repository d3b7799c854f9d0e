"""Facilitators run their own rooms: pinned announcements and slow mode, nowhere else."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from moderation.models import AuditEntry
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)


def post_tool(user, slug, body):
    client = Client()
    client.force_login(user)
    return client.post(f"/api/rooms/{slug}/tools/", json.dumps(body), content_type="application/json")


async def test_a_facilitator_pins_and_sets_slow_mode_in_their_room_only(make_user, make_room, connect):
    own = await sync_to_async(make_room)(slug="exam-stress")
    other = await sync_to_async(make_room)(slug="grief")
    facilitator = await sync_to_async(make_user)(role="facilitator")
    await sync_to_async(own.facilitators.add)(facilitator)
    student = await sync_to_async(make_user)()
    socket = await connect(student, own.slug)
    assert (await socket.receive_json_from())["room"]["pinned"] == ""

    response = await sync_to_async(post_tool)(facilitator, own.slug, {"type": "room.pin", "text": "Session at 7pm!"})
    assert response.status_code == 200
    assert (await receive_until(socket, "pinned"))["text"] == "Session at 7pm!"
    response = await sync_to_async(post_tool)(facilitator, own.slug, {"type": "room.slow_mode", "seconds": 20})
    assert response.status_code == 200
    assert (await receive_until(socket, "slow_mode"))["seconds"] == 20
    later = await connect(student, own.slug)
    room = (await later.receive_json_from())["room"]
    assert room["pinned"] == "Session at 7pm!" and room["slow_mode_seconds"] == 20

    elsewhere = await sync_to_async(post_tool)(facilitator, other.slug, {"type": "room.pin", "text": "hi"})
    assert elsewhere.status_code == 403
    by_student = await sync_to_async(post_tool)(student, own.slug, {"type": "room.slow_mode", "seconds": 0})
    assert by_student.status_code == 403
    bad = await sync_to_async(post_tool)(facilitator, own.slug, {"type": "room.slow_mode", "seconds": -1})
    assert bad.status_code == 400
    actions = await sync_to_async(list)(AuditEntry.objects.values_list("action", flat=True))
    assert sorted(actions) == ["room.pin", "room.slow_mode"]


def test_facilitator_home_lists_their_rooms(make_user, make_room):
    own = make_room(slug="mine", title="Mine")
    make_room(slug="theirs", title="Theirs")
    facilitator = make_user(role="facilitator")
    own.facilitators.add(facilitator)
    client = Client()
    client.force_login(facilitator)
    page = client.get("/facilitate/").content.decode()
    assert "Mine" in page and "Schedule a group session" in page
    assert "Theirs" not in page, "another facilitator's room appears neither in the list nor in the form"
    client.force_login(make_user())
    assert client.get("/facilitate/").status_code == 403


async def test_staff_pin_a_message_which_shows_by_alias_and_drops_out_when_hidden(make_user, make_room, connect):
    room = await sync_to_async(make_room)(slug="exam-stress")
    other_room = await sync_to_async(make_room)(slug="grief")
    facilitator = await sync_to_async(make_user)(role="facilitator")
    await sync_to_async(room.facilitators.add)(facilitator)
    moderator = await sync_to_async(make_user)(role="moderator")
    author = await sync_to_async(make_user)(first_name="Priya", last_name="Raman")
    reader = await sync_to_async(make_user)()
    writing = await connect(author, room.slug)
    alias = (await writing.receive_json_from())["you"]["alias"]
    await writing.send_json_to({"type": "message.send", "client_id": "tip-1", "body": "Anki + sleep saved my Step 1"})
    seq = (await receive_until(writing, "message.ack"))["seq"]
    reading = await connect(reader, room.slug)
    assert (await reading.receive_json_from())["room"]["pinned_message"] is None

    def tool(user, body, slug=room.slug):
        return post_tool(user, slug, {"type": "message.pin", **body}).status_code

    assert await sync_to_async(tool)(reader, {"seq": seq}) == 403, "students cannot pin"
    assert await sync_to_async(tool)(facilitator, {"seq": seq}, other_room.slug) == 403, "nor in a room not theirs"
    assert await sync_to_async(tool)(facilitator, {"seq": 999}) == 404
    assert await sync_to_async(tool)(facilitator, {"seq": "one"}) == 400
    assert await sync_to_async(tool)(facilitator, {"seq": seq}) == 200
    pinned = (await receive_until(reading, "pinned.message"))["message"]
    assert pinned["seq"] == seq and pinned["author"] == {"name": alias, "anonymous": True, "role": "student"}
    assert "Priya" not in json.dumps(pinned) and author.username not in json.dumps(pinned)
    later = await connect(reader, room.slug)
    assert (await later.receive_json_from())["room"]["pinned_message"]["body"] == "Anki + sleep saved my Step 1"

    # A moderator hides it: it is gone from the pin at once and for anyone who joins later.
    hide = {"type": "message.hide", "room": room.slug, "seq": seq, "reason": "names a patient"}
    client = Client()
    await sync_to_async(client.force_login)(moderator)
    response = await sync_to_async(client.post)(
        "/api/moderation/actions/", json.dumps(hide), content_type="application/json"
    )
    assert response.status_code == 200
    assert (await receive_until(reading, "message.removed"))["seq"] == seq
    again = await connect(reader, room.slug)
    assert (await again.receive_json_from())["room"]["pinned_message"] is None
    assert await sync_to_async(tool)(facilitator, {"seq": seq}) == 400, "a hidden message cannot be pinned"
    assert await sync_to_async(tool)(facilitator, {"seq": 0}) == 200
    assert (await receive_until(reading, "pinned.message"))["message"] is None
    actions = await sync_to_async(list)(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["message.pin", "message.hide", "message.unpin"]
