"""Our channel layers: the embedded one (no REDIS_URL), and channels-redis's made to survive a Redis restart.

The embedded layer is Channels' in-memory layer, with expiry sweeps throttled.

InMemoryChannelLayer sweeps every channel and group for expired messages on every receive, so a
message fanned out to N sockets costs O(N^2) work. Expiry is measured in seconds (60 s by default),
so sweeping once a second changes nothing a client can see.
"""

import logging
import time

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

# The event a socket receives when the channel layer lost Redis under another socket of its process.
CHANNEL_LAYER_LOST = "channel_layer.lost"

SWEEP_INTERVAL_SECONDS = 1.0


class EmbeddedChannelLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()


class ResilientRedisChannelLayer(RedisChannelLayer):
    """channels-redis's layer, surviving a Redis restart: the first operations after it come back succeed.

    When Redis restarts, the idle connections in this process's pool are dead, and the pool hands them out
    unchecked: the next ``group_add`` of a connecting socket failed with "Connection closed by server" and the
    socket closed with 1011. Here an operation that fails on a closed connection disconnects the pool's idle
    connections (they reconnect on next use) and is tried once more; if Redis is still away, it fails as before.

    ``receive`` is never retried. A socket's receive fails when Redis went away under it; Redis may have come
    back empty, without this socket's group memberships, and a socket that silently receives nothing is worse
    than one that closes: it closes with 1011 and the client reconnects and catches up by ``after_seq``. So do
    all the other sockets of the process, which shared that receive loop (``channel_layer.lost``).
    Retrying a send can deliver an event twice if the first try reached Redis; clients drop duplicates by seq.
    """

    async def _drop_idle_connections(self, *, in_use_too: bool = False) -> None:
        """Disconnect the pool's idle connections (each reconnects on its next use); ``in_use_too``: all of them.

        After a failed receive every socket of the process closes anyway, and a connection in use then (another
        operation still waiting on the dead Redis) would go back to the pool dead and fail the next socket's first
        receive. After any other failure, the operations in flight on healthy connections are left alone.
        """
        for index in range(self.ring_size):
            await self.connection(index).connection_pool.disconnect(inuse_connections=in_use_too)

    async def _once_more_after_reconnect(self, operation, *args):
        try:
            return await operation(*args)
        except RedisConnectionError:
            logger.warning("Redis connection lost; reconnecting the channel layer's idle connections and retrying")
            await self._drop_idle_connections()
            return await operation(*args)

    async def send(self, channel, message):
        return await self._once_more_after_reconnect(super().send, channel, message)

    async def group_add(self, group, channel):
        return await self._once_more_after_reconnect(super().group_add, group, channel)

    async def group_discard(self, group, channel):
        return await self._once_more_after_reconnect(super().group_discard, group, channel)

    async def group_send(self, group, message):
        return await self._once_more_after_reconnect(super().group_send, group, message)

    async def receive(self, channel):
        try:
            return await super().receive(channel)
        except RedisConnectionError:
            # Let the next operations find fresh connections; this socket closes (see the class docstring).
            await self._drop_idle_connections(in_use_too=True)
            await self._tell_every_receiver_the_connection_was_lost()
            raise

    async def _tell_every_receiver_the_connection_was_lost(self) -> None:
        """Wake every other socket of this process waiting to receive, with a ``channel_layer.lost`` event.

        One receive loop (one BZPOPMIN) serves all the process's sockets; only the socket running it sees the
        error. If Redis came back at once, empty, the others would go on receiving nothing from their groups
        without knowing it. ChatConsumer.channel_layer_lost closes them, like the first, so their clients
        reconnect and catch up by seq. Sockets waiting for the loop are woken through their buffers; the one
        that takes the loop over waits in Redis, so the event is also sent there (if Redis is still away, that
        socket's receive fails by itself).
        """
        event = {"type": CHANNEL_LAYER_LOST}
        waiting = list(self.receive_buffer)
        for channel in waiting:
            self.receive_buffer[channel].put_nowait(event)
        for channel in waiting:
            try:
                await super().send(channel, event)
            except Exception:
                return
