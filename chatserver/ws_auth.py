"""The WebSocket log-in check with its database lookup off Channels' single database thread."""

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware

from rooms.db_threads import run_db


class PooledAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, reading the session and the user in rooms.db_threads' threads.

    Every handshake reads both; in Channels' one database thread a reconnect storm's handshakes queued there
    behind each other and behind every other query of the process (docs/benchmarks.md, handshakes/s).
    """

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await run_db(get_user.func, scope)


def PooledAuthMiddlewareStack(inner):
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
