"""Fault: the fan-out's Redis subscription is lost under a running process (core.fanout).

In-process, against a redis-server of the test's own (never the shared one). What happens between the loss
and the next join decides whether a message is lost: a socket that joins must not be told it is subscribed
before Redis says so again, and a socket that was open must not be left silently subscribed to nothing.
"""

import asyncio

import pytest
from django.test import override_settings

from core import fanout as fanout_module
from tests.integration.own_services import wait_for_port

pytestmark = [pytest.mark.integration, pytest.mark.faults]

GROUP = "room.1"


class Receiver:
    def __init__(self):
        self.frames: list[str] = []
        self.changed = asyncio.Event()  # set on every frame and on a loss
        self.lost = 0

    def fanout_event(self, event):
        self.frames.append(event["frame"])
        self.changed.set()

    def fanout_lost(self):
        self.lost += 1
        self.changed.set()


async def wait_until(receivers, condition, timeout: float = 10) -> None:
    """Wait until ``condition()`` holds, checking each time one of ``receivers`` got something."""
    async with asyncio.timeout(timeout):
        while not condition():
            changes = [asyncio.ensure_future(receiver.changed.wait()) for receiver in receivers]
            await asyncio.wait(changes, return_when=asyncio.FIRST_COMPLETED)
            for change in changes:
                change.cancel()
            for receiver in receivers:
                receiver.changed.clear()


@pytest.fixture
def fanout_on_own_redis(own_redis):
    with override_settings(REDIS_URL=own_redis.url, REDIS_KEY_PREFIX="subscription-lost"):
        fanout = fanout_module.Fanout()
        yield fanout
        if fanout.reader is not None:
            fanout.reader.cancel()


async def test_a_join_after_the_subscription_was_lost_receives_what_is_published_once_it_returns(
    fanout_on_own_redis, own_redis
):
    fanout = fanout_on_own_redis
    before = Receiver()
    await fanout.join(GROUP, before)
    await fanout.publish(GROUP, {"type": "room.frame", "frame": "one"})
    await wait_until([before], lambda: before.frames == ["one"])

    own_redis.stop()
    # The socket that was open is told, so its client reconnects and catches up by seq (never left silent).
    await wait_until([before], lambda: before.lost == 1)
    await fanout.leave(GROUP, before)
    own_redis.start()
    wait_for_port(own_redis.port, up=True)

    after = Receiver()
    await fanout.join(GROUP, after)
    # Published right after the join returned: the join's promise is that this arrives.
    await fanout.publish(GROUP, {"type": "room.frame", "frame": "two"})
    await wait_until([after], lambda: after.frames == ["two"])


async def test_a_socket_still_open_when_the_subscription_is_lost_is_told_and_forgotten(fanout_on_own_redis, own_redis):
    fanout = fanout_on_own_redis
    first, second = Receiver(), Receiver()
    await fanout.join(GROUP, first)
    await fanout.join("room.2", second)

    own_redis.stop()
    await wait_until([first, second], lambda: first.lost == 1 and second.lost == 1)
    assert not fanout.members, "a lost socket is no longer a receiver; the next join subscribes afresh"
