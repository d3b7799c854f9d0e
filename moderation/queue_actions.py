"""Moderator actions on the queue: acknowledge and resolve escalations, hide or approve a message (closing its
flags). Each is authorised on its own, audited, and published after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.events import publish_room_frame
from rooms import protocol
from rooms.models import Message, MessageState, room_group
from rooms.protocol import BAD_REQUEST, ProtocolError

from .models import Escalation, EscalationStatus, Flag, FlagStatus
from .payloads import escalation_payload, flag_payload, push_to_moderators
from .targets import audit, check_moderator, get_escalation, get_message, get_room


@transaction.atomic
def do_acknowledge_escalation(moderator, escalation_id: int) -> Escalation:
    """Mark an escalation as being handled. Acknowledging twice changes nothing."""
    check_moderator(moderator)
    escalation = get_escalation(escalation_id)
    if escalation.status == EscalationStatus.OPEN:
        escalation.status = EscalationStatus.ACKNOWLEDGED
        escalation.acknowledged_at = timezone.now()
        escalation.acknowledged_by = moderator
        # Acknowledging takes the case: it shows under this moderator's "Mine" until resolved or handed over.
        escalation.owner = escalation.owner or moderator
        escalation.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "owner"])
        audit(moderator, "escalation.ack", room=escalation.room, message=escalation.message)
        push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    return escalation


@transaction.atomic
def do_resolve_escalation(moderator, escalation_id: int, note: str) -> Escalation:
    """Close an escalation with a note saying what was done."""
    check_moderator(moderator)
    if not note.strip():
        raise ProtocolError(BAD_REQUEST, "a resolution note is required")
    escalation = get_escalation(escalation_id)
    if escalation.status == EscalationStatus.RESOLVED:
        raise ProtocolError(BAD_REQUEST, "already resolved")
    now = timezone.now()
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = now, moderator
    escalation.owner = escalation.owner or moderator
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at, escalation.resolved_by, escalation.resolution_note = now, moderator, note.strip()
    escalation.save()
    audit(moderator, "escalation.resolve", room=escalation.room, message=escalation.message, reason=note.strip())
    push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    return escalation


def _close_flags(moderator, message: Message) -> None:
    for flag in Flag.objects.filter(message=message, status=FlagStatus.OPEN).select_related("room"):
        flag.status, flag.reviewed_at, flag.reviewed_by = FlagStatus.REVIEWED, timezone.now(), moderator
        flag.save(update_fields=["status", "reviewed_at", "reviewed_by"])
        push_to_moderators("flag.updated", "flag", flag_payload(flag))


@transaction.atomic
def do_hide_message(moderator, room_slug: str, seq: int, reason: str) -> Message:
    """Remove a message from the room; everyone connected is told to take it off their screen."""
    check_moderator(moderator)
    room = get_room(room_slug)
    message = get_message(room, seq)
    if message.state != MessageState.REMOVED:
        message.state, message.state_changed_at = MessageState.REMOVED, timezone.now()
        message.save(update_fields=["state", "state_changed_at"])
        frame = protocol.encode({"type": "message.removed", "seq": seq})
        publish_room_frame(room_group(room.pk), frame)
        audit(moderator, "message.hide", room=room, message=message, reason=reason)
    _close_flags(moderator, message)
    return message


@transaction.atomic
def do_approve_message(moderator, room_slug: str, seq: int) -> Message:
    """Deliver a held message to the room, in its place in the sequence."""
    check_moderator(moderator)
    room = get_room(room_slug)
    message = get_message(room, seq)
    if message.state != MessageState.HELD:
        raise ProtocolError(BAD_REQUEST, f"message {seq} is not held")
    message.state, message.state_changed_at = MessageState.VISIBLE, timezone.now()
    message.save(update_fields=["state", "state_changed_at"])
    frame = protocol.encode(protocol.message_payload(message))
    publish_room_frame(room_group(room.pk), frame)
    audit(moderator, "message.approve", room=room, message=message)
    _close_flags(moderator, message)
    return message
