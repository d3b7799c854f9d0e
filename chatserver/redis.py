"""Our own Redis connections (presence, rate limits), apart from the channel layer's.

redis.asyncio clients belong to one event loop, so there is one client per loop. The pool options
are the same as the channel layer's (see settings.REDIS_POOL_OPTIONS for why they matter).
"""

from __future__ import annotations

import asyncio
import weakref

from django.conf import settings
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()
_subscription_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
    weakref.WeakKeyDictionary()
)


def redis_enabled() -> bool:
    return bool(settings.REDIS_URL)


def get_redis() -> aioredis.Redis:
    """Return the Redis client for the running loop. Precondition: REDIS_URL is set.

    A command that finds its pooled connection closed is sent once more on a fresh one. After Redis restarts,
    every idle connection in the pool is dead, and redis-py 8 hands them out unchecked, so without this the first
    command on each (a socket's presence, a publish) failed. Our commands bear running twice (presence and socket
    slots are sets, the socket-slot and rate-limit scripts look for their own earlier run, a frame published twice
    is dropped by seq). Subscriptions use ``subscription_redis`` instead.
    """
    # Once, at once, and only when the connection failed: a command that timed out may be running still.
    return _loop_client(_clients, retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)))


def subscription_redis() -> aioredis.Redis:
    """Return the running loop's client for subscriptions: one that never retries by itself.

    A pubsub that reconnected and subscribed again on its own would hide the gap in between, and the messages
    published in it; core.fanout must see the failure to close its sockets (they catch up by seq).
    """
    return _loop_client(_subscription_clients)


def _loop_client(clients: weakref.WeakKeyDictionary, **options) -> aioredis.Redis:
    """The client in ``clients`` for the running loop, made with ``options`` on first use."""
    loop = asyncio.get_running_loop()
    client = clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, **options, **settings.REDIS_POOL_OPTIONS
        )
        clients[loop] = client
    return client


def key(*parts: object) -> str:
    """Return a namespaced Redis key: ``<REDIS_KEY_PREFIX>:<part>:<part>...``."""
    return ":".join([settings.REDIS_KEY_PREFIX, *map(str, parts)])
