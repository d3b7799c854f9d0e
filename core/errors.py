"""Error codes a client can cause, WebSocket close codes, and ``ApiError``: a code with its HTTP status.

The protocol (docs/protocol.md) sends an error as ``{"type": "error", "code", "detail"}`` on a socket and
as the same object over HTTP, with the status from ``STATUS_FOR_CODE``: the one mapping from code to status.
"""

from __future__ import annotations

from typing import Any

# Error codes a client can cause. Each has a test in tests/rooms/test_protocol.py or test_consumer.py
# (not_logged_in, HTTP only: tests/chatserver/test_http.py).
BAD_REQUEST = "bad_request"  # not JSON, binary, unknown type, missing or wrongly typed field
TOO_LONG = "too_long"  # body over CHAT_MAX_MESSAGE_CHARS, or a frame over CHAT_MAX_FRAME_BYTES
# More than CHAT_RATE_LIMIT_MESSAGES in CHAT_RATE_LIMIT_SECONDS, or a socket over its frame budget
# (CHAT_FRAME_RATE_PER_SECOND, bursts of CHAT_FRAME_BURST).
RATE_LIMITED = "rate_limited"
FORBIDDEN = "forbidden"  # the action is not allowed for this user in this room
MUTED = "muted"  # the member is muted in this room for now
ROOM_CLOSED = "room_closed"  # the room is not open for posting
NOT_FOUND = "not_found"  # the frame names a message that does not exist in this room
NOT_YOUR_TURN = "not_your_turn"  # a sharing circle is running and someone else holds the turn
# Editing, deleting or reacting to one's own or others' messages (rooms/edits.py, rooms/reactions.py).
EDIT_WINDOW_CLOSED = "edit_window_closed"  # an edit after CHAT_EDIT_WINDOW_SECONDS
MESSAGE_DELETED = "message_deleted"  # the message was deleted: it cannot be edited, reacted or replied to
MESSAGE_HELD = "message_held"  # the message waits for a moderator: it cannot be edited or reacted to
# HTTP only, with status 401: the endpoint needs a signed-in user (a socket is closed with 4401 instead).
NOT_LOGGED_IN = "not_logged_in"
ERROR_CODES = (
    BAD_REQUEST,
    TOO_LONG,
    RATE_LIMITED,
    FORBIDDEN,
    MUTED,
    ROOM_CLOSED,
    NOT_FOUND,
    NOT_YOUR_TURN,
    EDIT_WINDOW_CLOSED,
    MESSAGE_DELETED,
    MESSAGE_HELD,
    NOT_LOGGED_IN,
)

# The HTTP status for an error code; every other code a client can cause is a 400.
STATUS_FOR_CODE = {NOT_LOGGED_IN: 401, FORBIDDEN: 403, NOT_FOUND: 404}

# WebSocket close codes sent after accepting, so that browsers can read them.
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404
# The account's sign-in or role changed (logout, password change, deactivation, new role): reconnect,
# and the handshake decides afresh (chatserver.access).
CLOSE_ACCESS_CHANGED = 4408
# The account already has CHAT_MAX_SOCKETS_PER_USER sockets open (all rooms, tabs and the moderator
# socket, across processes): close one, then reconnect.
CLOSE_TOO_MANY_SOCKETS = 4429
# The client stopped reading and more than CHAT_MAX_SEND_BUFFER_BYTES waited unsent for it
# (chatserver/send_buffer.py): reconnect, and catch up by after_seq.
CLOSE_TOO_SLOW = 4413
# The server lost Redis under this socket's process (chatserver.layers): group memberships and frames in flight
# may be gone; reconnect and catch up by after_seq. (The one socket that saw the error closes with 1011.)
CLOSE_CHANNEL_LAYER_LOST = 4503


def http_status(code: str) -> int:
    """Return the HTTP status an error with ``code`` is answered with."""
    return STATUS_FOR_CODE.get(code, 400)


class ApiError(Exception):
    """An error a client caused: an ``error`` frame on a socket (which stays open), or an HTTP answer.

    ``status`` is the HTTP status, from the code (``http_status``).
    """

    def __init__(self, code: str, detail: str, client_id: str | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id

    @property
    def status(self) -> int:
        return http_status(self.code)

    def frame(self) -> dict[str, Any]:
        frame = {"type": "error", "code": self.code, "detail": self.detail}
        if self.client_id is not None:
            frame["client_id"] = self.client_id
        return frame
