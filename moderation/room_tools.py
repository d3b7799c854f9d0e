"""Room tools for moderators and the room's facilitators: the pinned announcement, the pinned message, slow
mode. Each tells everyone connected to the room after commit."""

from __future__ import annotations

from django.db import transaction

from core.events import publish_room_frame
from rooms import protocol
from rooms.models import MessageState, Room, room_group
from rooms.permissions import check_room_staff
from rooms.protocol import BAD_REQUEST, ProtocolError

from . import pipeline
from .targets import audit, get_message, get_room

MAX_SLOW_MODE_SECONDS = 3600


PIN_MAX_CHARS = 500


@transaction.atomic
def do_pin_announcement(user, room_slug: str, text: str) -> Room:
    """Pin an announcement above the room's conversation (empty text unpins); everyone connected sees it."""
    room = get_room(room_slug)
    check_room_staff(user, room)
    text = pipeline.review(text).text if text.strip() else ""
    if len(text) > PIN_MAX_CHARS:
        raise ProtocolError(BAD_REQUEST, f"an announcement is at most {PIN_MAX_CHARS} characters")
    room.pinned_text = text
    room.save(update_fields=["pinned_text"])
    audit(user, "room.pin", room=room, reason=text)
    frame = protocol.encode({"type": "pinned", "text": text})
    publish_room_frame(room_group(room.pk), frame)
    return room


@transaction.atomic
def do_pin_message(user, room_slug: str, seq: int) -> Room:
    """Pin one visible message of the room above its conversation (seq 0 unpins); everyone connected sees it."""
    room = get_room(room_slug)
    check_room_staff(user, room)
    message = None
    if seq:
        message = get_message(room, seq)
        if message.state != MessageState.VISIBLE:
            raise ProtocolError(BAD_REQUEST, f"message {seq} is not visible in the room, so it cannot be pinned")
    room.pinned_message = message
    room.save(update_fields=["pinned_message"])
    audit(user, "message.pin" if message else "message.unpin", room=room, message=message)
    payload = protocol.message_payload(message) if message else None
    frame = protocol.encode({"type": "pinned.message", "message": payload})
    publish_room_frame(room_group(room.pk), frame)
    return room


@transaction.atomic
def do_set_slow_mode(user, room_slug: str, seconds: int, reason: str = "") -> Room:
    """Set the least time between two messages of one member of a room (0 turns slow mode off); tell the room.
    ``reason`` (may be empty) goes into the audit log.

    Precondition: ``seconds`` is an int. Raise ProtocolError: NOT_FOUND for an unknown room, FORBIDDEN unless
    ``user`` is a moderator or one of the room's facilitators, BAD_REQUEST outside 0..MAX_SLOW_MODE_SECONDS.
    """
    room = get_room(room_slug)
    check_room_staff(user, room)
    if not (0 <= seconds <= MAX_SLOW_MODE_SECONDS):
        raise ProtocolError(BAD_REQUEST, f"seconds must be between 0 and {MAX_SLOW_MODE_SECONDS}")
    room.slow_mode_seconds = seconds
    room.save(update_fields=["slow_mode_seconds"])
    audit(user, "room.slow_mode", room=room, reason=reason.strip(), seconds=seconds)
    frame = protocol.encode({"type": "slow_mode", "seconds": seconds})
    publish_room_frame(room_group(room.pk), frame)
    return room
