"""Sliding-window rate limits, shared by all server processes when Redis is configured.

A hit is recorded only when allowed, so a client that keeps retrying while limited is let through as
soon as its oldest counted message leaves the window.
"""

from __future__ import annotations

import collections
import time
import uuid

from django.conf import settings

from chatserver.redis import get_redis, key, redis_enabled

# Atomic check-and-record: trim the window, refuse at the limit, else record this hit.
_HIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
return 1
"""

_local_windows: dict[str, collections.deque] = collections.defaultdict(collections.deque)


class SlidingWindow:
    """At most ``limit`` hits per ``seconds`` for each key."""

    def __init__(self, name: str, limit: int, seconds: float):
        self.name = name
        self.limit = limit
        self.seconds = seconds

    async def hit(self, subject: object) -> str | None:
        """Record a hit for ``subject`` and return its token, or None when the subject is over the limit."""
        token = uuid.uuid4().hex
        now = time.time()
        if redis_enabled():
            allowed = await get_redis().eval(
                _HIT_SCRIPT, 1, key("rl", self.name, subject), now, self.seconds, self.limit, token
            )
            return token if allowed else None
        window = _local_windows[f"{self.name}:{subject}"]
        while window and window[0][0] <= now - self.seconds:
            window.popleft()
        if len(window) >= self.limit:
            return None
        window.append((now, token))
        return token

    async def refund(self, subject: object, token: str) -> None:
        """Forget one recorded hit (the message turned out to be a resend that created nothing)."""
        if redis_enabled():
            await get_redis().zrem(key("rl", self.name, subject), token)
            return
        window = _local_windows.get(f"{self.name}:{subject}")
        if window:
            for entry in window:
                if entry[1] == token:
                    window.remove(entry)
                    break


def message_limiter() -> SlidingWindow:
    return SlidingWindow("msg", settings.CHAT_RATE_LIMIT_MESSAGES, settings.CHAT_RATE_LIMIT_SECONDS)


def reset_local_state() -> None:
    """Forget in-process windows (tests)."""
    _local_windows.clear()
