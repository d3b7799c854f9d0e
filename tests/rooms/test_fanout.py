"""Room events go through core.fanout: one subscription per process per room, local delivery to its sockets.

The consumer tests cover delivery within a room; these cover what the fan-out adds: the order a sender
sees, a socket that left gets nothing (and is forgotten), and a publish from outside the server's event
loop (a management command, the escalation worker) still reaches the room's sockets when Redis is on.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from core import fanout
from rooms.models import room_group
from tests.conftest import receive_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def room(make_room):
    return await sync_to_async(make_room)(slug="burnout")


@pytest.fixture
async def alice(make_user):
    return await sync_to_async(make_user)(username="alice", first_name="Alice", last_name="Avery")


@pytest.fixture
async def bob(make_user):
    return await sync_to_async(make_user)(username="bob", first_name="Bob", last_name="Brown")


async def test_sender_gets_its_ack_before_its_own_message(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    for number in range(5):
        await a.send_json_to({"type": "message.send", "client_id": f"m-{number}", "body": f"hello {number}"})
    seen = []
    while len([f for f in seen if f["type"] == "message"]) < 5:
        frame = await a.receive_json_from(timeout=3)
        if frame["type"] in ("message", "message.ack"):
            seen.append(frame)
    for number in range(1, 6):
        kinds = [f["type"] for f in seen if f["seq"] == number]
        assert kinds == ["message.ack", "message"], f"seq {number}: {kinds}"


async def test_a_socket_that_left_gets_nothing_and_is_forgotten(room, alice, bob, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    b = await connect(bob, room.slug)
    await b.receive_json_from()
    group = room_group(room.pk)
    assert len(fanout.fanout().members[group]) == 2
    await b.disconnect()
    assert len(fanout.fanout().members[group]) == 1, "the closed socket is no longer a receiver"
    await a.send_json_to({"type": "message.send", "client_id": "m-1", "body": "still here?"})
    assert (await receive_until(a, "message"))["body"] == "still here?"
    await a.disconnect()
    assert group not in fanout.fanout().members, "an empty room is dropped (and unsubscribed)"


@pytest.mark.production_only
@pytest.mark.skipif(
    not settings.REDIS_URL, reason="a publish from outside the event loop needs Redis to reach sockets"
)
async def test_a_publish_from_outside_the_event_loop_reaches_the_room(room, alice, connect):
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    frame = '{"type":"slow_mode","seconds":30}'
    # As a management command or the worker would: no event loop of the server's, another thread.
    await asyncio.to_thread(fanout.publish_from_sync, room_group(room.pk), {"type": "room.frame", "frame": frame})
    assert await receive_until(a, "slow_mode") == {"type": "slow_mode", "seconds": 30}


async def test_concurrent_senders_in_one_room_reach_a_listener_in_seq_order(room, make_user, alice, connect):
    """Sends run in several database threads (rooms/db_threads.py); one room's still publish in seq order."""
    listener = await connect(alice, room.slug)
    await listener.receive_json_from()
    senders = []
    for number in range(5):
        user = await sync_to_async(make_user)(username=f"sender{number}", first_name="S", last_name=f"{number}")
        socket = await connect(user, room.slug)
        await socket.receive_json_from()
        senders.append(socket)
    for round_ in range(4):
        for number, socket in enumerate(senders):
            await socket.send_json_to({"type": "message.send", "client_id": f"{number}-{round_}", "body": "ok"})
    seqs = []
    while len(seqs) < 20:
        frame = await receive_until(listener, "message")
        seqs.append(frame["seq"])
    assert seqs == list(range(1, 21))


class SlowSocket:
    """A socket whose sends wait while ``readable`` is clear, as an ASGI server's send does for a full transport."""

    def __init__(self):
        self.readable = asyncio.Event()
        self.readable.set()
        self.received: list[str] = []

    async def send(self, message):
        await self.readable.wait()
        self.received.append(message["text"])


class Member:
    def __init__(self, socket):
        self.closed = 0
        self.outbox = fanout.Outbox(socket.send, self.close)

    def close(self):
        self.closed += 1

    def fanout_event(self, event):
        self.outbox.put({"type": "websocket.send", "text": event["frame"]})

    def fanout_lost(self):
        self.close()


async def test_a_socket_that_stops_reading_holds_up_nobody_else_and_gets_its_frames_in_order():
    hub = fanout.Fanout()
    slow, quick = SlowSocket(), SlowSocket()
    for socket in (slow, quick):
        hub.members.setdefault("room.1", {})[Member(socket)] = None
    slow.readable.clear()  # its transport is full
    for number in range(5):
        await hub.deliver("room.1", {"type": "room.message", "frame": f"m{number}"})
    assert quick.received == ["m0", "m1", "m2", "m3", "m4"], "the others got every frame at once"
    assert slow.received == []
    slow.readable.set()  # it reads again
    await asyncio.sleep(0.01)
    assert slow.received == ["m0", "m1", "m2", "m3", "m4"]


async def test_a_socket_that_never_reads_is_closed_instead_of_losing_frames_silently(monkeypatch):
    monkeypatch.setattr(fanout, "OUTBOX_CAPACITY", 3)
    stalled = SlowSocket()
    stalled.readable.clear()
    member = Member(stalled)
    for number in range(4):  # m0 waits in its send; m1..m3 fill the queue
        member.fanout_event({"type": "room.message", "frame": f"m{number}"})
    assert member.closed == 0
    for number in range(4, 10):
        member.fanout_event({"type": "room.message", "frame": f"m{number}"})
    assert member.closed == 1, "told once to close the socket; the client catches up by seq after reconnecting"
    stalled.readable.set()
    await asyncio.sleep(0.01)
    assert stalled.received == ["m0"], "nothing is queued for a socket being closed"


async def test_a_room_socket_that_stops_reading_is_closed_with_4413(room, alice, connect, monkeypatch):
    monkeypatch.setattr(fanout, "OUTBOX_CAPACITY", 2)
    a = await connect(alice, room.slug)
    await a.receive_json_from()
    group = room_group(room.pk)
    [consumer] = list(fanout.fanout().members[group])

    async def never_drains(message):  # as an ASGI server's send waits while the client's transport is full
        await asyncio.Event().wait()

    consumer._outbox.send = never_drains
    for number in range(4):  # one waiting in its send, two queued, then one too many
        await fanout.fanout().deliver(
            group, {"type": "room.message", "frame": f'{{"type": "message", "n": {number}}}'}
        )
    output = await a.receive_output(timeout=3)
    while output["type"] == "websocket.send":  # frames sent before the stall (presence)
        output = await a.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4413}


def test_an_event_for_everyone_but_one_member_keeps_that_member_through_redis():
    event = {"type": "room.worried", "frame": '{"type": "worried_peer"}', "except_member": 7}
    assert fanout._decode(fanout._encode(event)) == event
    plain = {"type": "room.message", "frame": '{"a": "b\\nc"}'}
    assert fanout._decode(fanout._encode(plain)) == plain


async def test_a_socket_whose_consumer_stops_on_an_error_leaves_the_room(room, alice, connect, monkeypatch):
    from rooms.consumers import RoomConsumer

    a = await connect(alice, room.slug)
    await a.receive_json_from()
    group = room_group(room.pk)
    assert len(fanout.fanout().members[group]) == 1

    async def client_gone(self, frame):  # as Uvicorn raises on a send to a client that has gone
        raise ConnectionResetError("client went away")

    monkeypatch.setattr(RoomConsumer, "send_frame", client_gone)
    await a.send_json_to({"type": "history.fetch", "before_seq": 1, "limit": 10})
    with pytest.raises(ConnectionResetError):
        while True:  # frames sent before the error (presence) come first
            await a.receive_output(timeout=3)
    assert group not in fanout.fanout().members, "the consumer that stopped left the fan-out (and its room)"


async def test_a_failed_subscribe_is_forgotten_so_the_next_join_asks_again(monkeypatch):
    hub = fanout.Fanout()
    monkeypatch.setattr(fanout, "redis_enabled", lambda: True)

    async def refused(channel):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(hub, "_subscribe", refused)
    member = Member(SlowSocket())
    with pytest.raises(ConnectionError):
        await hub.join("room.1", member)
    assert hub._confirmed == {} and not hub._unconfirmed, "no subscription left waiting on nothing"
    assert "room.1" not in hub.members


async def test_a_socket_that_closes_while_the_channel_layer_fails_still_leaves_the_room(
    room, alice, connect, monkeypatch
):
    """Channels leaves a consumer's groups before its ``disconnect``: a failing group_discard (Redis away) used to
    skip the rest, leaving the socket in the room's fan-out and presence for the life of the process."""
    from channels.layers import get_channel_layer

    from rooms.presence import presence

    a = await connect(alice, room.slug)
    await a.receive_json_from()
    group = room_group(room.pk)
    layer = get_channel_layer()

    async def redis_away(group, channel):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(layer, "group_discard", redis_away)
    await a.disconnect()
    assert group not in fanout.fanout().members, "the closed socket left the fan-out"
    assert room.pk not in presence.local, "and is no longer counted online here"


@pytest.mark.production_only
@pytest.mark.skipif(not settings.REDIS_URL, reason="subscriptions exist only with Redis")
async def test_sockets_joining_several_rooms_at_once_are_all_subscribed():
    """Many sockets connect at once after a deploy. redis-py's pubsub opens its connection on the first SUBSCRIBE;
    two first SUBSCRIBEs at once each opened one, and the one sent on the connection nobody reads was lost: its
    room's sockets waited for a confirmation that never came and then received nothing."""
    hub = fanout.Fanout()
    members = [Recorder() for _ in range(6)]
    async with asyncio.timeout(fanout.SUBSCRIBE_TIMEOUT_SECONDS - 1):  # confirmed, not given up on
        await asyncio.gather(*(hub.join(f"room.{number % 3}", member) for number, member in enumerate(members)))
    for room_number in range(3):
        await hub.publish(f"room.{room_number}", {"type": "room.frame", "frame": f"to {room_number}"})
    async with asyncio.timeout(3):
        for member in members:
            await member.arrived.wait()
    assert [member.frames for member in members] == [[f"to {number % 3}"] for number in range(6)]
    assert not any(member.lost for member in members)
    hub.reader.cancel()


class Recorder:
    def __init__(self):
        self.frames = []
        self.arrived = asyncio.Event()
        self.lost = 0

    def fanout_event(self, event):
        self.frames.append(event["frame"])
        self.arrived.set()

    def fanout_lost(self):
        self.lost += 1


async def test_sockets_waiting_on_a_subscribe_that_fails_are_told_at_once(monkeypatch):
    """Two sockets join a room at once; the first one's SUBSCRIBE fails. The second waited on that SUBSCRIBE: it used
    to wait the full timeout and then stay in a room nobody subscribed to, receiving nothing. It is told instead
    (its socket closes and the client reconnects), and the room is forgotten so the next join asks again."""
    hub = fanout.Fanout()
    monkeypatch.setattr(fanout, "redis_enabled", lambda: True)
    refuse = asyncio.Event()

    async def refused_later(channel):
        await refuse.wait()
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(hub, "_subscribe", refused_later)
    first, second = Recorder(), Recorder()
    first_join = asyncio.ensure_future(hub.join("room.1", first))
    await asyncio.sleep(0)  # the first join is now waiting on its SUBSCRIBE
    second_join = asyncio.ensure_future(hub.join("room.1", second))
    await asyncio.sleep(0)
    refuse.set()
    with pytest.raises(ConnectionError):
        await first_join
    async with asyncio.timeout(1):  # not SUBSCRIBE_TIMEOUT_SECONDS
        await second_join
    assert second.lost == 1 and first.lost == 0, "the socket that waited is told; the one whose join raised is not"
    assert "room.1" not in hub.members and not hub._confirmed
