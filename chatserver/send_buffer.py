"""A bound on what the server holds for a WebSocket client that does not read: past it, the socket is closed.

Daphne never makes the application wait for a slow client: every frame sent is appended to the connection's
Twisted write buffer, in memory, however long it grows. One client that stops reading (a frozen tab, a stalled
mobile link, or someone doing it on purpose) in a busy room would grow the process without bound. Before each
frame, this middleware reads how many bytes are still waiting in that buffer; past
``CHAT_MAX_SEND_BUFFER_BYTES`` the frame is dropped and the socket closed with 4413. Twisted writes each
connection's buffer on its own, so the stalled socket never delays anyone else's frames.

The close frame itself waits behind the buffered data: a client that reads again in time sees 4413; one that
does not is disconnected after autobahn's close-handshake timeout (1 s), which frees the buffer. Either way
the client reconnects and catches up by ``after_seq``, like after any disconnect.

Under another ASGI server (or in-process tests) there is no Twisted transport to read, and nothing is bounded.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings

from core.errors import CLOSE_TOO_SLOW

logger = logging.getLogger(__name__)


def daphne_transport(send):
    """Return the Twisted transport behind Daphne's ``send`` callable (``partial(handle_reply, protocol)``)."""
    if isinstance(send, functools.partial) and send.args:
        transport = getattr(send.args[0], "transport", None)
        if transport is not None and hasattr(transport, "dataBuffer") and hasattr(transport, "_tempDataLen"):
            return transport
    return None


def pending_bytes(transport) -> int:
    """Bytes written to ``transport`` that the kernel has not taken yet (twisted.internet.abstract.FileDescriptor)."""
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


class SendBufferLimit:
    """ASGI middleware for WebSocket connections: close a client that lets too much wait unsent (module docstring)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        transport = daphne_transport(send)
        if transport is None:
            return await self.application(scope, receive, send)
        limit = settings.CHAT_MAX_SEND_BUFFER_BYTES
        closing = False

        async def bounded_send(message):
            nonlocal closing
            if closing:
                return  # the socket is closing: drop what the application still sends
            if message["type"] == "websocket.send" and pending_bytes(transport) > limit:
                closing = True
                logger.warning(
                    "closing a WebSocket whose client is not reading (%d bytes unsent)", pending_bytes(transport)
                )
                await send({"type": "websocket.close", "code": CLOSE_TOO_SLOW})
                return
            await send(message)

        return await self.application(scope, receive, bounded_send)
