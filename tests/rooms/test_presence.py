"""Presence pushes: a change that arrives while a push is being counted is pushed too.

Integration runs once failed with a room stuck at "2 online" after someone left: the leave came while the
join's push was counting, and the push already under way was trusted to include it.
"""

import asyncio

import pytest

from rooms.presence import Presence

# With REDIS_URL, presence counts in Redis: this runs in the PostgreSQL + Redis pass too.
pytestmark = pytest.mark.services


@pytest.fixture
def pushes(monkeypatch, settings):
    """Record every presence frame sent, instead of sending it to the room's sockets."""
    # A push waits this long after the last one: long enough for the joins below to finish first.
    settings.CHAT_PRESENCE_THROTTLE_SECONDS = 0.2
    sent: asyncio.Queue = asyncio.Queue()

    async def send_to_group(group, event):
        await sent.put(event["frame"])

    monkeypatch.setattr("rooms.presence.send_to_group", send_to_group)
    return sent


async def test_a_leave_during_a_push_is_pushed_too(pushes, monkeypatch):
    presence = Presence()
    counting, release = asyncio.Event(), asyncio.Event()
    real_count = Presence.count

    async def slow_first_count(self, room_id):
        online = await real_count(self, room_id)
        if not counting.is_set():
            counting.set()
            await release.wait()  # the leave below arrives while this count is in hand
        return online

    await presence.join(7, 1, "a")  # the first push goes at once; the second waits out the throttle
    assert '"online":1' in (await asyncio.wait_for(pushes.get(), 2)).replace(" ", "")
    await presence.join(7, 2, "b")
    monkeypatch.setattr(Presence, "count", slow_first_count)  # the push of the second join will hang here
    await asyncio.wait_for(counting.wait(), 2)
    await presence.leave(7, 2, "b")
    release.set()
    frames = [await asyncio.wait_for(pushes.get(), 2)]
    while '"online":1' not in frames[-1].replace(" ", ""):
        frames.append(await asyncio.wait_for(pushes.get(), 2))
    assert '"online":2' in frames[0].replace(" ", ""), "the push under way reported what it counted"
