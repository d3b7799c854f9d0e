"""Where the room socket's hot database work runs: threads of its own, not Channels' single database thread.

Channels runs every ``database_sync_to_async`` call of a process in one thread. A send makes about nine
round trips to the database (membership, resend check, context for moderation, seq, insert, outbox,
commit), a join about seven, so in that one thread the sends of every room queue behind each other and
behind every join and history read, and the thread mostly waits on the network: the profile in
docs/benchmarks.md (fan-out) found it the bottleneck of a process at 2,000 deliveries/s, and of handshakes.

Here they run in CHAT_DB_THREADS threads, each with its own connection, so the database works on several
rooms and joins at once while the event loop serves sockets:
- ``run_send``: sends to one room still run one at a time in this process (an asyncio lock per room), so
  its events are published in seq order as before: a send's events are handed to the dispatcher
  (core.events) before its thread returns, and the next send in the room starts only then. Across
  processes the room row lock orders seqs, as before.
- ``run_db``: joins and history reads, no ordering needed.

With persistent connections (CONN_MAX_AGE not 0) a thread checks its connection (Django's
close_old_connections and health check, one more round trip) at most once a second and after any error,
instead of before every call; with CONN_MAX_AGE 0 (tests) it closes it after every call, as Channels does.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connection

# How often a thread with a persistent connection checks it when nothing failed.
CONNECTION_CHECK_SECONDS = 1.0

_executor: ThreadPoolExecutor | None = None
_room_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_thread_state = threading.local()


def _db_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=max(1, settings.CHAT_DB_THREADS), thread_name_prefix="db")
    return _executor


def _room_lock(room_id: int) -> asyncio.Lock:
    locks = _room_locks.setdefault(asyncio.get_running_loop(), {})
    lock = locks.get(room_id)
    if lock is None:
        lock = locks[room_id] = asyncio.Lock()
    return lock


def _connection_check_due(persistent: bool, now: float) -> bool:
    if not persistent or getattr(_thread_state, "failed", True):
        return True
    return now - _thread_state.checked > CONNECTION_CHECK_SECONDS


class _PoolCall(SyncToAsync):
    """SyncToAsync in our threads, checking the thread's connection as the module docstring says."""

    def thread_handler(self, loop, *args, **kwargs):
        persistent = connection.settings_dict.get("CONN_MAX_AGE") != 0
        now = time.monotonic()
        if _connection_check_due(persistent, now):
            close_old_connections()
            _thread_state.checked, _thread_state.failed = now, False
        try:
            return super().thread_handler(loop, *args, **kwargs)
        except BaseException:
            # Check (and if need be, replace) the connection before the next call: it may be broken.
            _thread_state.failed = True
            raise
        finally:
            if not persistent:
                close_old_connections()


async def run_db(func, *args: Any) -> Any:
    """Run ``func(*args)`` (synchronous, using the database) in one of the threads."""
    return await _PoolCall(func, thread_sensitive=False, executor=_db_executor())(*args)


async def run_send(room_id: int, func, *args: Any) -> Any:
    """Run ``func(*args)``, a synchronous send in room ``room_id``, in one of the threads, after this
    process's earlier sends in the room have finished."""
    async with _room_lock(room_id):
        return await run_db(func, *args)
