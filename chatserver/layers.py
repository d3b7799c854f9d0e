"""The embedded channel layer (no REDIS_URL): Channels' in-memory layer, with expiry sweeps throttled.

InMemoryChannelLayer sweeps every channel and group for expired messages on every receive, so a
message fanned out to N sockets costs O(N^2) work. Expiry is measured in seconds (60 s by default),
so sweeping once a second changes nothing a client can see.
"""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_INTERVAL_SECONDS = 1.0


class EmbeddedChannelLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()
