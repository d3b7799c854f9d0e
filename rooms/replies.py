"""Replies: a message may answer an earlier one of its room, shown as a short quote (protocol.reply_quote)."""

from __future__ import annotations

from .models import Membership, Message, MessageState
from .protocol import MESSAGE_DELETED, NOT_FOUND, ProtocolError


def check_reply_target(membership: Membership, seq: int, client_id: str | None = None) -> Message:
    """Return the message ``seq`` of the member's room that a new message may reply to: one visible to the room
    (not held, removed or deleted). Raise ProtocolError (not_found, message_deleted) otherwise."""
    original = Message.objects.filter(room_id=membership.room_id, seq=seq).first()
    if original is None or original.state != MessageState.VISIBLE:
        raise ProtocolError(NOT_FOUND, f"no message {seq} to reply to in this room", client_id)
    if original.deleted_at is not None:
        raise ProtocolError(MESSAGE_DELETED, "that message was deleted", client_id)
    return original
