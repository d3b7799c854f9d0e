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
