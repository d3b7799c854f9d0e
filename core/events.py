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
from channels.layers import get_channel_layer
from django.db import transaction

from . import fanout

logger = logging.getLogger(__name__)


class _Dispatcher:
    """Sends queued events one at a time on its loop; the drain task exists only while there is work."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.pending: collections.deque[tuple[str, dict]] = collections.deque()
        self.task: asyncio.Task | None = None

    def enqueue(self, group: str, event: dict) -> None:
        """Queue an event. Precondition: runs on ``self.loop``'s thread."""
        self.pending.append((group, event))
        if self.task is None:
            self.task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.pending:
                group, event = self.pending.popleft()
                try:
                    await send_to_group(group, event)
                except Exception:
                    # The database has the change; clients catch up by seq. Log the type, never content.
                    logger.exception("group_send to %s failed for event %s", group, event.get("type"))
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


def publish(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group``: queued on the bound loop if there is one, else synchronously."""
    dispatcher = _dispatcher
    if dispatcher is not None and not dispatcher.loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is dispatcher.loop:
            dispatcher.enqueue(group, event)
        else:
            dispatcher.loop.call_soon_threadsafe(dispatcher.enqueue, group, event)
        return
    if fanout.handles(group):
        fanout.publish_from_sync(group, event)
        return
    async_to_sync(get_channel_layer().group_send)(group, event)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Publish ``event`` to ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(publish, group, event), robust=True)


def publish_room_frame(group: str, frame: str) -> None:
    """Send an encoded ``frame`` to every socket in a room's ``group`` once the transaction commits.

    The room consumer forwards ``room.frame`` events as they are (``RoomConsumer.room_frame``).
    """
    publish_on_commit(group, {"type": "room.frame", "frame": frame})
