"""Rate limits: sliding windows shared by all server processes (Redis), and per-socket frame budgets.

A sliding-window hit is recorded only when allowed, so a client that keeps retrying while limited is let
through as soon as its oldest counted message leaves the window.
"""

from __future__ import annotations

import collections
import time
import uuid
from time import monotonic

from django.conf import settings

from chatserver.redis import get_redis, key, redis_enabled

from .protocol import RATE_LIMITED, ProtocolError, client_id_of

# Atomic check-and-record: trim the window, refuse at the limit, else record this hit. A hit already recorded (its
# token is unique) was allowed: the client retries a command once after a dropped connection, and the first try
# may have run.
_HIT_SCRIPT = """
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
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


class TokenBucket:
    """At most ``burst`` at once, refilled at ``rate`` per second. In-process: one socket's frames all reach
    the process that holds the socket. ``now`` defaults to the monotonic clock."""

    def __init__(self, rate: float, burst: int, now: float | None = None):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = monotonic() if now is None else now

    def take(self, now: float | None = None) -> bool:
        """Spend one token and return True, or return False (spending nothing) when the bucket is empty."""
        now = monotonic() if now is None else now
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class FrameBudget:
    """The budget of one socket: every frame it sends, of any type, spends one token."""

    def __init__(self) -> None:
        self.bucket = TokenBucket(settings.CHAT_FRAME_RATE_PER_SECOND, settings.CHAT_FRAME_BURST)

    def refusal(self, text: str | None) -> dict | None:
        """Return None when this frame may be handled, else the ``rate_limited`` error frame to answer it with.

        A refused frame is not handled at all: the client sends it again (a message.send with the same
        client_id, which the error carries so the client knows which one).
        """
        if self.bucket.take():
            return None
        detail = (
            f"slow down: at most {self.bucket.rate:g} frames a second (bursts of {self.bucket.burst}); "
            "this frame was not handled, send it again"
        )
        return ProtocolError(RATE_LIMITED, detail, client_id_of(text)).frame()


def reset_local_state() -> None:
    """Forget in-process windows (tests)."""
    _local_windows.clear()
