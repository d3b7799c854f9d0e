"""Who is connected, across server processes: people online in each room, pushed to the room on change
(throttled), and each user's open sockets, capped at CHAT_MAX_SOCKETS_PER_USER.

Without Redis the counts live in this process. With Redis each connection is a member of a sorted set
per room (and one per user), scored by when it expires; every process refreshes its own connections, so
a crashed process's connections age out within CHAT_PRESENCE_TTL_SECONDS. Room counts are of people,
not tabs.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time

from django.conf import settings

from chatserver.redis import get_redis, key, redis_enabled
from core.events import send_to_group

from .models import room_group
from .protocol import encode

logger = logging.getLogger(__name__)


# Count distinct users among live connections inside Redis: members are "<user id>:<connection>".
_COUNT_PEOPLE_SCRIPT = """
local seen, people = {}, 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  local user = string.match(member, '^[^:]+')
  if not seen[user] then seen[user] = true; people = people + 1 end
end
return people
"""


def _redis_key(room_id: int) -> str:
    return key("presence", room_id)


# Atomic check-and-claim of a user's socket slot: forget expired sockets, refuse at the cap, else add this one.
# A socket already holding its slot has it (the client retries a command once after a dropped connection, and the
# first try may have run).
_CLAIM_SOCKET_SCRIPT = """
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _sockets_key(user_id: int) -> str:
    return key("sockets", user_id)


class Presence:
    def __init__(self) -> None:
        # This process's connections: room id -> {connection id: user id}.
        self.local: dict[int, dict[str, int]] = collections.defaultdict(dict)
        # This process's sockets of each user (room and moderator sockets): user id -> {connection id}.
        self.sockets: dict[int, set[str]] = {}
        self._push_tasks: dict[int, asyncio.Task] = {}
        # Changes (joins, leaves) seen per room: a push compares before and after counting.
        self._changes: collections.Counter[int] = collections.Counter()
        self._last_push: dict[int, float] = {}
        self._last_seen_count: dict[int, int] = {}
        self._refresher: asyncio.Task | None = None

    async def join(self, room_id: int, user_id: int, connection: str) -> int:
        """Count a connection as online in a room; return the room's new online count."""
        self.local[room_id][connection] = user_id
        if redis_enabled():
            expires = time.time() + settings.CHAT_PRESENCE_TTL_SECONDS
            await get_redis().zadd(_redis_key(room_id), {f"{user_id}:{connection}": expires})
            self._ensure_refresher()
        self.schedule_push(room_id)
        return await self.count(room_id)

    async def leave(self, room_id: int, user_id: int, connection: str) -> None:
        connections = self.local.get(room_id)
        if connections is not None:
            connections.pop(connection, None)
            if not connections:
                del self.local[room_id]
        if redis_enabled():
            await get_redis().zrem(_redis_key(room_id), f"{user_id}:{connection}")
        self.schedule_push(room_id)

    async def claim_socket(self, user_id: int, connection: str) -> bool:
        """Count one more open socket of the user, in any process; return False, counting nothing, when the
        user already has CHAT_MAX_SOCKETS_PER_USER. Every claimed socket must be released."""
        limit = settings.CHAT_MAX_SOCKETS_PER_USER
        if redis_enabled():
            ttl = settings.CHAT_PRESENCE_TTL_SECONDS
            now = time.time()
            claimed = await get_redis().eval(
                _CLAIM_SOCKET_SCRIPT, 1, _sockets_key(user_id), now, limit, now + ttl, connection, ttl
            )
            if not claimed:
                return False
        elif len(self.sockets.get(user_id, ())) >= limit:
            return False
        self.sockets.setdefault(user_id, set()).add(connection)
        if redis_enabled():
            self._ensure_refresher()
        return True

    async def release_socket(self, user_id: int, connection: str) -> None:
        """Forget a socket claimed with ``claim_socket`` (safe to call twice)."""
        connections = self.sockets.get(user_id)
        if connections is None or connection not in connections:
            return
        connections.discard(connection)
        if not connections:
            del self.sockets[user_id]
        if redis_enabled():
            await get_redis().zrem(_sockets_key(user_id), connection)

    async def count(self, room_id: int) -> int:
        return (await self.counts([room_id]))[room_id]

    async def counts(self, room_ids: list[int]) -> dict[int, int]:
        """Return the number of distinct people online in each room."""
        if not redis_enabled():
            return {room_id: len(set(self.local.get(room_id, {}).values())) for room_id in room_ids}
        now = time.time()
        async with get_redis().pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.eval(_COUNT_PEOPLE_SCRIPT, 1, _redis_key(room_id), now)
            results = await pipe.execute()
        return {room_id: int(people) for room_id, people in zip(room_ids, results, strict=True)}

    def schedule_push(self, room_id: int) -> None:
        """Push the room's count to its members soon: at most once per throttle interval per room."""
        self._changes[room_id] += 1
        task = self._push_tasks.get(room_id)
        if task is not None and not task.done():
            return  # a push is due; if it has already counted, it pushes again when done (_push_after)
        self._start_push(room_id)

    def _start_push(self, room_id: int) -> None:
        throttle = settings.CHAT_PRESENCE_THROTTLE_SECONDS
        delay = max(0.0, self._last_push.get(room_id, 0.0) + throttle - time.monotonic())
        self._push_tasks[room_id] = asyncio.get_running_loop().create_task(self._push_after(room_id, delay))

    async def _push_after(self, room_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._last_push[room_id] = time.monotonic()
        counted = self._changes[room_id]
        try:
            online = await self.count(room_id)
            self._last_seen_count[room_id] = online
            frame = encode({"type": "presence", "online": online})
            await send_to_group(room_group(room_id), {"type": "room.presence", "frame": frame})
        except Exception:
            logger.exception("presence push failed for room %s", room_id)
        if self._changes[room_id] != counted:
            # Someone joined or left while this push was counting: the count it sent may be stale.
            try:
                self._start_push(room_id)
            except RuntimeError:
                pass  # the event loop is shutting down (this coroutine is being closed): nobody is left to tell

    def _ensure_refresher(self) -> None:
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def _refresh_forever(self) -> None:
        """Keep this process's connections alive in Redis; push counts that changed by expiry elsewhere."""
        interval = max(1.0, settings.CHAT_PRESENCE_TTL_SECONDS / 3)
        while self.local or self.sockets:
            await asyncio.sleep(interval)
            try:
                ttl = settings.CHAT_PRESENCE_TTL_SECONDS
                expires = time.time() + ttl
                room_ids = list(self.local)
                async with get_redis().pipeline(transaction=False) as pipe:
                    for user_id, connections in list(self.sockets.items()):
                        pipe.zadd(_sockets_key(user_id), dict.fromkeys(connections, expires))
                        pipe.expire(_sockets_key(user_id), ttl)
                    for room_id in room_ids:
                        members = {f"{user}:{conn}": expires for conn, user in self.local.get(room_id, {}).items()}
                        if members:
                            pipe.zadd(_redis_key(room_id), members)
                        pipe.zremrangebyscore(_redis_key(room_id), "-inf", time.time())
                    await pipe.execute()
                for room_id, online in (await self.counts(room_ids)).items():
                    if self._last_seen_count.get(room_id) != online:
                        self.schedule_push(room_id)
            except Exception:
                logger.exception("presence refresh failed")

    def reset(self) -> None:
        """Forget this process's state (tests)."""
        self.__init__()


presence = Presence()
