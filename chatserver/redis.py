"""Our own Redis connections (presence, rate limits), apart from the channel layer's.

redis.asyncio clients belong to one event loop, so there is one client per loop. The pool options
are the same as the channel layer's (see settings.REDIS_POOL_OPTIONS for why they matter).
"""

from __future__ import annotations

import asyncio
import weakref

from django.conf import settings
from redis import asyncio as aioredis

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()


def redis_enabled() -> bool:
    return bool(settings.REDIS_URL)


def get_redis() -> aioredis.Redis:
    """Return the Redis client for the running loop. Precondition: REDIS_URL is set."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, decode_responses=True, **settings.REDIS_POOL_OPTIONS)
        _clients[loop] = client
    return client


def key(*parts: object) -> str:
    """Return a namespaced Redis key: ``<REDIS_KEY_PREFIX>:<part>:<part>...``."""
    return ":".join([settings.REDIS_KEY_PREFIX, *map(str, parts)])
