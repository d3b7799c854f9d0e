"""Consumer plumbing shared by the room and moderator sockets."""

import logging

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from core.errors import (
    CLOSE_ACCESS_CHANGED,
    CLOSE_CHANNEL_LAYER_LOST,
    CLOSE_NO_SUCH_ROOM,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_TOO_MANY_SOCKETS,
)
from core.frames import encode
from rooms.presence import presence
from rooms.ratelimit import FrameBudget

from .access import user_group

logger = logging.getLogger(__name__)


class ChatConsumer(AsyncWebsocketConsumer):
    frame_budget: FrameBudget | None = None
    # The user whose socket slot this socket holds (presence.claim_socket), until it is released.
    slot_user_id: int | None = None
    # Set once websocket_disconnect has run: leaving groups, presence and the fan-out happens once.
    disconnected = False

    async def __call__(self, scope, receive, send):
        """Run the consumer; if it stops on an exception, still leave everything a disconnect would.

        Channels runs ``websocket_disconnect`` only for a disconnect message. A handler that raises (under
        Uvicorn a send to a client that has gone raises) would otherwise leave this socket in the room's
        fan-out, its groups, presence and its socket slot for the life of the process.
        """
        try:
            await super().__call__(scope, receive, send)
        finally:
            if not self.disconnected:
                try:
                    await self.websocket_disconnect({"type": "websocket.disconnect", "code": 1006})
                except StopConsumer:
                    pass
                except Exception:
                    logger.exception("cleanup of a consumer that stopped on an error failed")

    async def accept_logged_in_user(self):
        """Accept the socket and return the logged-in user; None (the socket closed) for visitors (4401) and
        for an account that already has its maximum of open sockets (4429).

        Accept first: a close code sent before accepting reaches a browser only as a failed handshake.
        """
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return None
        if not await presence.claim_socket(user.pk, self.channel_name):
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return None
        self.slot_user_id = user.pk
        self.frame_budget = FrameBudget()
        # Joined like self.groups, so websocket_disconnect leaves it whatever the subclass does.
        group = user_group(user.pk)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)
        return user

    async def websocket_receive(self, message):
        """Handle a client frame if the socket's frame budget allows it; otherwise answer ``rate_limited``."""
        if self.frame_budget is not None:
            refusal = self.frame_budget.refusal(message.get("text"))
            if refusal is not None:
                await self.send(text_data=encode(refusal))
                return
        await super().websocket_receive(message)

    async def websocket_disconnect(self, message):
        """Free the socket's slot, leave its groups and run the subclass's ``disconnect``; then stop.

        Channels' own version leaves the groups first and stops at the first failure: with Redis away, the
        subclass's ``disconnect`` never ran, and the socket stayed in its room's fan-out and presence for the life
        of the process. Here every step runs whatever the others do. What fails in Redis ages out there: the slot
        and presence with presence's TTL, group memberships with the layer's group expiry.
        """
        self.disconnected = True
        user_id, self.slot_user_id = self.slot_user_id, None
        if user_id is not None:
            await cleanup_step(presence.release_socket(user_id, self.channel_name), "release its socket slot")
        for group in self.groups:
            await cleanup_step(self.channel_layer.group_discard(group, self.channel_name), f"leave {group}")
        await self.disconnect(message["code"])
        # As Channels' own version does: the database thread's connection is closed when the socket ends (with
        # CONN_MAX_AGE 0 it would otherwise stay open, and hold a test database that is being dropped).
        await aclose_old_connections()
        raise StopConsumer()

    async def access_changed(self, event):
        """The account logged out, changed password, was deactivated or changed role (chatserver.access).

        Leave every group first (subclasses' ``disconnect`` must be idempotent and stop ``receive``), so
        nothing more is sent or accepted on this socket, then close.
        """
        await self.disconnect(CLOSE_ACCESS_CHANGED)
        await self.close(code=CLOSE_ACCESS_CHANGED)

    async def channel_layer_lost(self, event):
        """The channel layer lost Redis under this process (chatserver.layers): this socket's group memberships
        and frames in flight may be gone. Close (4503; the socket that saw the error closes with 1011), so the
        client reconnects and catches up by seq instead of waiting for frames that will never come."""
        await self.close(code=CLOSE_CHANNEL_LAYER_LOST)

    async def dispatch(self, message):
        """Dispatch without Channels' per-event close_old_connections hop.

        Channels 4.2+ runs close_old_connections in the database thread before every handler, including
        forwards of pre-serialised frames that never touch the database: one thread hop per delivered
        frame, queued behind real queries (38% of server CPU in bench/chat_bench.py). Every query in our
        consumers goes through database_sync_to_async, which closes stale connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


async def cleanup_step(step, what: str) -> None:
    """Await one cleanup step; if it fails, log it and go on (the next steps must still run)."""
    try:
        await step
    except Exception:
        logger.warning("a closing socket could not %s", what, exc_info=True)


class UnknownPathConsumer(ChatConsumer):
    """Any other WebSocket path: accept and close with 4404 so the client learns why."""

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_NO_SUCH_ROOM)
