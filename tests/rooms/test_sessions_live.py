"""A room's open pages hear that its sessions changed, so the session list updates without a reload."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from rooms import sessions
from rooms.sessions import SeriesRequest
from tests.conftest import frames_within, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=ZoneInfo("UTC"))


async def test_scheduling_and_cancelling_tell_the_room_after_commit(make_user, make_room, connect):
    room = await sync_to_async(make_room)(slug="grief")
    facilitator = await sync_to_async(make_user)(role="facilitator")
    member = await connect(await sync_to_async(make_user)(), room.slug)
    await receive_until(member, "room.joined")
    request = SeriesRequest(
        room=room,
        title="Sunday circle",
        time_zone="America/New_York",
        local_start=datetime(2027, 10, 21, 19, 0),
        duration_minutes=60,
        capacity=8,
        facilitator=facilitator,
    )

    def schedule_then_roll_back():
        with transaction.atomic():
            sessions.do_create_series(request, NOW)
            transaction.set_rollback(True)

    await sync_to_async(schedule_then_roll_back)()
    assert not [f for f in await frames_within(member) if f["type"] == "sessions.changed"], "nothing before commit"

    series = await sync_to_async(sessions.do_create_series)(request, NOW)
    assert await receive_until(member, "sessions.changed") == {"type": "sessions.changed"}
    occurrence = await sync_to_async(series.occurrences.get)()
    await sync_to_async(sessions.do_cancel)(occurrence, False, NOW)
    assert await receive_until(member, "sessions.changed") == {"type": "sessions.changed"}
