"""Publishing to channel-layer groups after a transaction commits.

``publish_on_commit`` is how services announce changes: nothing reaches a client unless the write it
describes is durable. Delivery is at-most-once; clients recover missed frames from the database by seq.

In the server process, events are handed to a dispatcher on the event loop, so a database thread never
waits on Redis and events leave each process in commit order. Outside an event loop (management
commands, the worker) they are sent synchronously.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.db import transaction

from . import fanout

logger = logging.getLogger(__name__)


class _Dispatcher:
    """Sends queued events one at a time on its loop; the drain task exists only while there is work."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        # (group or channel, event, "group_send" or "send")
        self.pending: collections.deque[tuple[str, dict, str]] = collections.deque()
        self.task: asyncio.Task | None = None

    def enqueue(self, group: str, event: dict, method: str = "group_send") -> None:
        """Queue an event. Precondition: runs on ``self.loop``'s thread."""
        self.pending.append((group, event, method))
        if self.task is None:
            self.task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.pending:
                group, event, method = self.pending.popleft()
                try:
                    if method == "group_send":
                        await send_to_group(group, event)
                    else:
                        await getattr(get_channel_layer(), method)(group, event)
                except ChannelFull:
                    # A work channel nobody reads (its process is down): whoever owns it has a durable fallback.
                    logger.warning("channel %s is full: event %s dropped", group, event.get("type"))
                except Exception:
                    # The database has the change; clients catch up by seq. Log the type, never content.
                    logger.exception("%s to %s failed for event %s", method, group, event.get("type"))
        finally:
            self.task = None


_dispatcher: _Dispatcher | None = None


def bind_to_running_loop() -> None:
    """Route later events through a dispatcher on the running loop. Call from async code (connect)."""
    global _dispatcher
    loop = asyncio.get_running_loop()
    if _dispatcher is None or _dispatcher.loop is not loop:
        _dispatcher = _Dispatcher(loop)


async def send_to_group(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` now: room groups through the per-process fan-out (core.fanout), others
    through the channel layer. Precondition: runs on the loop of this process's sockets."""
    if fanout.handles(group):
        await fanout.fanout().publish(group, event)
    else:
        await get_channel_layer().group_send(group, event)


def publish(group: str, event: dict[str, Any], method: str = "group_send") -> None:
    """Send ``event`` to ``group``: queued on the bound loop if there is one, else synchronously.

    ``method="send"`` sends to the named channel ``group`` instead (a work queue: one reader takes each event).
    """
    dispatcher = _dispatcher
    if dispatcher is not None and not dispatcher.loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is dispatcher.loop:
            dispatcher.enqueue(group, event, method)
        else:
            dispatcher.loop.call_soon_threadsafe(dispatcher.enqueue, group, event, method)
        return
    if method == "group_send" and fanout.handles(group):
        fanout.publish_from_sync(group, event)
        return
    try:
        async_to_sync(getattr(get_channel_layer(), method))(group, event)
    except ChannelFull:
        if method == "group_send":
            raise
        logger.warning("channel %s is full: event %s dropped", group, event.get("type"))


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Publish ``event`` to ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, group, event), robust=True)


def send_on_commit(channel: str, event: dict[str, Any]) -> None:
    """Send ``event`` to the named work ``channel`` once the current transaction commits (at once outside one).

    At most once, like ``publish_on_commit``: the reader must have a durable way to find what it missed.
    """
    transaction.on_commit(partial(publish, channel, event, "send"), robust=True)


def publish_room_frame(group: str, frame: str) -> None:
    """Send an encoded ``frame`` to every socket in a room's ``group`` once the transaction commits.

    The room consumer forwards ``room.frame`` events as they are (``RoomConsumer.room_frame``).
    """
    publish_on_commit(group, {"type": "room.frame", "frame": frame})
