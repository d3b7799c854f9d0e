"""Per-process fan-out of room frames: one Redis subscription per process per room, local delivery to sockets.

Through the channel layer, a frame to a room of N sockets costs N deliveries of Channels machinery:
channels-redis puts the event in every socket's buffer and each socket's consumer wakes, re-arms its
receive (two new tasks and an ``asyncio.wait`` per event) and dispatches it. Measured in bench/fanout.py,
replacing that per-recipient work with what follows halved the server's CPU per delivery at 2,000
deliveries/s (713 to 379 ms per 1,000 deliveries, docs/benchmarks.md).

Here a process keeps its room sockets in memory, by group. Publishing a room event is one Redis PUBLISH
of the pre-serialised frame (without Redis: a local call); every process subscribed to the room's channel
gets it once and hands the frame to each of its sockets in that room, in the order events were published.
Delivery stays at-most-once, as through the channel layer: the database is the source of truth and clients
catch up by seq.

Only groups named with ``ROOM_GROUP_PREFIX`` go this way (``rooms.models.room_group``), and only events
that carry a pre-serialised ``frame``; every other group (per user, per member, moderators) stays on the
channel layer, whose per-consumer queue is worth its cost for rare, targeted events.

State belongs to one event loop (redis.asyncio clients do too): ``fanout()`` returns the running loop's.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import weakref
from typing import Protocol

from django.conf import settings

from chatserver.redis import get_redis, key, redis_enabled, subscription_redis

logger = logging.getLogger(__name__)

ROOM_GROUP_PREFIX = "room."
# How long a socket joining a room waits for Redis to confirm the subscription before reading history.
SUBSCRIBE_TIMEOUT_SECONDS = 5.0


# Frames waiting for one slow socket before it is given up on: its owner closes it (4413, CLOSE_TOO_SLOW) and
# the client reconnects and catches up by seq. Dropping frames instead would leave a gap the client never sees.
OUTBOX_CAPACITY = 1000


class Receiver(Protocol):
    def fanout_event(self, event: dict) -> None:
        """Take a room event (``{"type": ..., "frame": str}``) without waiting: see Outbox."""

    def fanout_lost(self) -> None:
        """This process lost its subscription (Redis went away): frames may have been missed, so close without
        waiting; the client reconnects and catches up by seq. The receiver is already out of the fan-out."""


class Outbox:
    """Sends one socket's frames in order, never making the fan-out wait for that socket.

    An ASGI server may make ``send`` wait while a socket's transport is full (Uvicorn does): awaited in the
    fan-out's loop over a room's sockets, one slow reader would hold up everyone after it. So a send is started
    at once and, when it completes without waiting (the usual case), costs no task; when it has to wait, the
    rest of it runs in a task, and frames for this socket queue behind it until the socket drains; past
    OUTBOX_CAPACITY waiting frames, ``on_overflow`` closes the socket (nothing is dropped silently).
    """

    __slots__ = ("on_overflow", "overflowed", "queued", "send")

    def __init__(self, send, on_overflow):
        self.send = send  # async (message) -> None: the socket's ASGI send
        # Called once when OUTBOX_CAPACITY frames are waiting: the owner closes the socket. Nothing is queued after.
        self.on_overflow = on_overflow
        self.overflowed = False
        self.queued: collections.deque | None = None  # not None while a send is waiting

    def put(self, message: dict) -> None:
        if self.overflowed:
            return  # the socket is being closed; the client catches up by seq when it reconnects
        if self.queued is not None:
            if len(self.queued) >= OUTBOX_CAPACITY:
                self.overflowed = True
                self.queued.clear()
                self.on_overflow()
                return
            self.queued.append(message)
            return
        coroutine = self.send(message)
        try:
            waiting_on = coroutine.send(None)  # run the send up to its first wait, if any
        except StopIteration:
            return
        except Exception:
            logger.warning("fan-out send failed", exc_info=True)
            return
        self.queued = collections.deque()
        asyncio.get_running_loop().create_task(self._finish(coroutine, waiting_on))

    async def _finish(self, coroutine, waiting_on) -> None:
        try:
            await _resume(coroutine, waiting_on)
            while self.queued:
                await self.send(self.queued.popleft())
        except Exception:
            logger.warning("fan-out send failed", exc_info=True)
        finally:
            self.queued = None


async def _resume(coroutine, waiting_on) -> None:
    """Run a coroutine started by hand (``send(None)`` returned ``waiting_on``) to its end, as a Task would."""
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield: give the loop one turn
            else:
                # Wait for the future it waits on; the coroutine reads its result (or exception) when resumed.
                await asyncio.wait([waiting_on])
            waiting_on = coroutine.send(None)
    except StopIteration:
        return
    finally:
        coroutine.close()


def handles(group: str) -> bool:
    """Return whether events to ``group`` go through the fan-out instead of the channel layer."""
    return group.startswith(ROOM_GROUP_PREFIX)


def _channel(group: str) -> str:
    return key("fanout", group)


def _encode(event: dict) -> str:
    """One Redis message per event: its type, the member it is not for (or nothing), then the frame exactly as
    clients receive it, separated by newlines."""
    return f"{event['type']}\n{event.get('except_member') or ''}\n{event['frame']}"


def _decode(data: str) -> dict:
    event_type, _, rest = data.partition("\n")
    except_member, _, frame = rest.partition("\n")
    event = {"type": event_type, "frame": frame}
    if except_member:
        event["except_member"] = int(except_member)
    return event


class SubscriptionLost(ConnectionError):
    """The fan-out's Redis subscription failed while a join waited for it; its socket has been told (fanout_lost)."""


class Fanout:
    """The room sockets of this process, by group, and this process's subscriptions (with Redis)."""

    def __init__(self) -> None:
        # Dicts as ordered sets: sockets get a frame in the order they joined.
        self.members: dict[str, dict[Receiver, None]] = {}
        self.pubsub = None
        # One SUBSCRIBE, UNSUBSCRIBE or close at a time: redis-py's pubsub opens its connection on the first command,
        # and two first commands at once each opened one; whatever went on the connection nobody reads was lost.
        self._commands = asyncio.Lock()
        self.reader: asyncio.Task | None = None
        self._reader_pubsub = None  # the pubsub self.reader reads
        # Subscriptions asked for and not yet confirmed by Redis, per channel; and the join waiting on each.
        self._unconfirmed: collections.Counter[str] = collections.Counter()
        self._confirmed: dict[str, asyncio.Future] = {}

    async def join(self, group: str, receiver: Receiver) -> None:
        """Deliver ``group``'s events to ``receiver`` from now on.

        With Redis, return once this process is subscribed to the group: an event published after this
        returns reaches the receiver (so a socket may read history right after joining and miss nothing).
        If the subscription is lost meanwhile, return too: the receiver has been told (``fanout_lost``).
        Raise if this join's own SUBSCRIBE failed (the receiver is then out of the fan-out).
        """
        members = self.members.setdefault(group, {})
        members[receiver] = None
        if not redis_enabled():
            return
        channel = _channel(group)
        confirmed = self._confirmed.get(channel)
        if confirmed is None:
            confirmed = self._confirmed[channel] = asyncio.get_running_loop().create_future()
            try:
                await self._subscribe(channel)
            except SubscriptionLost:
                return  # lost while subscribing: every socket of the process, this one too, has been told
            except BaseException:
                # Redis refused or dropped the SUBSCRIBE (or the subscription was lost meanwhile): forget it, so the
                # next join in this room asks again, and tell the sockets that joined behind this one.
                self._give_up(group, channel, confirmed, receiver)
                raise
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT_SECONDS)
        except SubscriptionLost:
            return
        except TimeoutError:
            # Redis is slow or down: the socket still works and catches up by seq on its next reconnect.
            logger.warning("fan-out subscription to %s not confirmed in time", group)

    def _give_up(self, group: str, channel: str, confirmed: asyncio.Future, receiver: Receiver) -> None:
        """A join's SUBSCRIBE failed: forget its subscription (only its own: a loss may have started afresh) and
        take every socket of the room out of the fan-out, telling the others, which waited on the same SUBSCRIBE."""
        if self._confirmed.get(channel) is not confirmed:
            return  # the subscription was lost meanwhile: _lose_subscriptions told everyone
        del self._confirmed[channel]
        self._unconfirmed.pop(channel, None)
        _fail(confirmed)
        waiting = [other for other in self.members.pop(group, {}) if other is not receiver]
        _tell_lost(waiting)

    async def leave(self, group: str, receiver: Receiver) -> None:
        """Stop delivering ``group``'s events to ``receiver`` (safe to call twice)."""
        members = self.members.get(group)
        if members is None or receiver not in members:
            return
        del members[receiver]
        if members:
            return
        del self.members[group]
        if redis_enabled() and self.pubsub is not None:
            channel = _channel(group)
            self._confirmed.pop(channel, None)
            self._unconfirmed.pop(channel, None)
            try:
                async with self._commands:
                    if self.pubsub is not None:
                        await self.pubsub.unsubscribe(channel)
            except Exception:
                logger.warning("fan-out unsubscribe from %s failed", group, exc_info=True)

    async def publish(self, group: str, event: dict) -> None:
        """Send ``event`` to every socket in ``group``, in every process. Precondition: ``handles(group)``."""
        if redis_enabled():
            await get_redis().publish(_channel(group), _encode(event))
        else:
            await self.deliver(group, event)

    async def deliver(self, group: str, event: dict) -> None:
        """Hand ``event`` to this process's sockets in ``group`` (none of them can make this wait: Outbox)."""
        for receiver in list(self.members.get(group, ())):
            try:
                receiver.fanout_event(event)
            except Exception:
                # One socket's failure (closing under us) must not cost the others their frame.
                logger.exception("fan-out delivery of %s failed", event.get("type"))

    async def _subscribe(self, channel: str) -> None:
        """SUBSCRIBE on the current pubsub (made if there is none) and make sure a reader reads it.

        Raise SubscriptionLost if the subscription was lost while this waited: the pubsub it used is gone.
        """
        async with self._commands:
            pubsub = self.pubsub
            if pubsub is None:
                pubsub = self.pubsub = subscription_redis().pubsub()
            self._unconfirmed[channel] += 1
            await pubsub.subscribe(channel)
            if self.pubsub is not pubsub:
                raise SubscriptionLost("the fan-out's Redis subscription was lost while subscribing")
            if self.reader is None or self.reader.done() or self._reader_pubsub is not pubsub:
                self._reader_pubsub = pubsub
                self.reader = asyncio.get_running_loop().create_task(self._read_forever(pubsub))

    async def _read_forever(self, pubsub) -> None:
        """Deliver what Redis publishes on ``pubsub``, in order, until its connection fails (then see
        ``_lose_subscriptions``), it is replaced, or no socket is left."""
        prefix_length = len(key("fanout", ""))
        while self.pubsub is pubsub and (self.members or self._confirmed):
            try:
                message = await pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.pubsub is pubsub:
                    logger.warning("fan-out subscription lost; closing this process's room sockets", exc_info=True)
                    self._lose_subscriptions()
                return
            if message is None or self.pubsub is not pubsub:
                continue
            kind, channel = message["type"], message["channel"]
            if kind == "message":
                await self.deliver(channel[prefix_length:], _decode(message["data"]))
            elif kind == "subscribe" and channel in self._unconfirmed:
                self._unconfirmed[channel] -= 1
                waiting = self._confirmed.get(channel)
                if self._unconfirmed[channel] <= 0 and waiting is not None and not waiting.done():
                    waiting.set_result(None)

    def _lose_subscriptions(self) -> None:
        """Start again from nothing after the subscription's connection failed.

        Messages published while it was down are gone, and Redis may have restarted empty. redis-py would
        reconnect and subscribe again on the next read, but a join in between found its room "subscribed" and
        returned before Redis had the subscription, so a message published right after it was lost (the Redis
        restart fault test, about one run in two). So the pubsub is dropped, every pending join is failed, and
        every socket is forgotten and told (``fanout_lost``: it closes and its client catches up by seq); the
        next join subscribes on a fresh connection and waits for Redis to confirm it.
        """
        pubsub, self.pubsub = self.pubsub, None
        for waiting in self._confirmed.values():
            _fail(waiting)
        self._confirmed.clear()
        self._unconfirmed.clear()
        receivers = [receiver for members in self.members.values() for receiver in members]
        self.members.clear()
        _tell_lost(receivers)
        if pubsub is not None:
            asyncio.get_running_loop().create_task(self._close(pubsub))

    async def _close(self, pubsub) -> None:
        # Under the lock: a SUBSCRIBE still in flight on this pubsub finishes (and then fails) first, so none lands
        # on a connection opened after the close, which nobody would read.
        async with self._commands:
            try:
                await pubsub.aclose()
            except Exception:
                logger.debug("closing a lost pubsub failed", exc_info=True)


def _fail(waiting: asyncio.Future) -> None:
    if not waiting.done():
        waiting.set_exception(SubscriptionLost("the fan-out's Redis subscription was lost"))
        waiting.exception()  # retrieved: a join that timed out no longer awaits it


def _tell_lost(receivers) -> None:
    for receiver in receivers:
        try:
            receiver.fanout_lost()
        except Exception:
            logger.exception("closing a room socket after the fan-out lost Redis failed")


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """Return the running loop's fan-out. Precondition: called from async code."""
    loop = asyncio.get_running_loop()
    instance = _by_loop.get(loop)
    if instance is None:
        instance = _by_loop[loop] = Fanout()
    return instance


def publish_from_sync(group: str, event: dict) -> None:
    """Publish from code with no event loop of this process's sockets (management commands, the worker).

    With Redis every server process gets it. Without Redis there is no socket here to deliver to: the
    in-memory set-up has one process, and its sockets live on the loop that core.events dispatches to.
    """
    if not redis_enabled():
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_POOL_OPTIONS)
    try:
        client.publish(_channel(group), _encode(event))
    finally:
        client.close()
