"""A member edits or deletes their own message.

An edit is reviewed by the moderation pipeline exactly like a send: what a send would block is refused (the
message keeps its words), what a send would hold takes the message out of the room until a moderator looks,
and a flag or an escalation is raised the same way, with the same private support for the author. Deleting
leaves a tombstone: the seq stays (history is gapless), the words go from everything members receive.

Every body a message stops showing is kept as a MessageRevision, for moderators and the audit, never for
members. Both changes move ``state_changed_at`` so that a reconnecting client learns of them
(history.changes_before), and go live to the room as ``message.updated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from moderation import pipeline
from moderation.support import support_frame

from . import protocol, services
from .events import publish_on_commit, publish_room_frame
from .models import Membership, Message, MessageRevision, MessageState, member_group, room_group
from .moderation_hooks import moderation
from .protocol import EDIT_WINDOW_CLOSED, FORBIDDEN, MESSAGE_DELETED, MESSAGE_HELD, NOT_FOUND, ProtocolError


@dataclass(frozen=True)
class EditResult:
    """What the author is told about an edit: ``edited`` (shown), ``held`` (out of the room until a moderator
    looks) or ``blocked`` (refused: the message keeps its earlier words)."""

    seq: int
    status: str
    reason: str | None = None
    crisis_level: int = 0
    concern_for_other: bool = False
    concern_escalated: bool = False

    def ack_frame(self) -> dict:
        frame = {"type": "message.edit.ack", "seq": self.seq, "status": self.status}
        if self.reason:
            frame["reason"] = self.reason
        return frame

    def support(self) -> dict | None:
        """The private support frame this edit calls for, like a send's (SendResult.support)."""
        if self.status == "blocked" or not (self.crisis_level > 0 or self.concern_for_other):
            return None
        return support_frame(self.crisis_level, for_other=self.concern_for_other, shared=self.concern_escalated)


def _own_message(membership: Membership, seq: int, *, for_update: bool) -> Message:
    """Return the member's own message ``seq`` (locked when ``for_update``); raise not_found or forbidden.

    A message moderators removed is gone for its author too (not_found), as in history.visible_to.
    """
    messages = Message.objects.select_for_update() if for_update else Message.objects
    message = messages.filter(room_id=membership.room_id, seq=seq).first()
    if message is None or message.state == MessageState.REMOVED:
        raise ProtocolError(NOT_FOUND, f"no message {seq} in this room")
    if message.author_id != membership.pk:
        if message.state != MessageState.VISIBLE:
            raise ProtocolError(NOT_FOUND, f"no message {seq} in this room")
        raise ProtocolError(FORBIDDEN, "you can only change your own messages")
    return message


def check_may_edit(membership: Membership, message: Message, now) -> None:
    """Raise ProtocolError unless the member may edit this message of theirs now (and may post at all)."""
    if message.deleted_at is not None:
        raise ProtocolError(MESSAGE_DELETED, "that message was deleted")
    if message.state == MessageState.HELD:
        raise ProtocolError(MESSAGE_HELD, "that message is waiting for a moderator and cannot be edited")
    window = settings.CHAT_EDIT_WINDOW_SECONDS
    if now - message.created_at > timedelta(seconds=window):
        raise ProtocolError(
            EDIT_WINDOW_CLOSED, f"messages can be edited for {window // 60} minutes after sending; delete it instead"
        )
    # Muted, banned or a closed room: an edit puts new words in the room like a send does.
    services.check_can_send(membership)


def review_edit(membership: Membership, message: Message, body: str) -> pipeline.Decision:
    """Run the moderation pipeline on an edit's new body, with the author's other recent messages as context
    (the edited message itself left out: its old words are not a repeat of its new ones)."""
    recent = list(
        Message.objects.filter(author=membership, deleted_at=None)
        .exclude(pk=message.pk)
        .order_by("-seq")
        .values_list("body", flat=True)[: services.REVIEW_CONTEXT_MESSAGES]
    )
    return pipeline.review(
        body,
        pipeline.ReviewContext(
            room_slug=membership.room.slug,
            author_anonymous=message.author_anonymous,
            recent_messages=tuple(reversed(recent)),
            crisis_sensitivity=settings.CRISIS_SENSITIVITY,
        ),
        moderation().active_rules(),
    )


def updated_frame(message: Message) -> str:
    """The ``message.updated`` frame for the room, serialised once (no per-viewer fields)."""
    return protocol.encode({"type": "message.updated", "message": protocol.message_payload(message)})


def _tell_author(message: Message) -> None:
    """After commit, give the author's sockets in the room their own view of the message (held, mine)."""
    frame = {"type": "message.updated", "message": protocol.message_payload(message, include_client_id=True)}
    publish_on_commit(member_group(message.author_id), {"type": "member.frame", "frame": protocol.encode(frame)})


def do_edit_message(membership_id: int, seq: int, body: str) -> EditResult:
    """Replace the words of the member's own message ``seq``, after the pipeline reviewed them like a send.

    Precondition: ``body`` passed protocol validation. Raise ProtocolError (not_found, forbidden,
    message_deleted, message_held, edit_window_closed, muted, room_closed) when the edit is not allowed.
    """
    membership = Membership.objects.select_related("user", "room").get(pk=membership_id)
    message = _own_message(membership, seq, for_update=False)
    check_may_edit(membership, message, timezone.now())
    decision = review_edit(membership, message, body)
    if decision.action == pipeline.BLOCK:
        return EditResult(seq=seq, status="blocked", reason=decision.reason or "not allowed here")
    held = decision.hold_reason is not None or (
        bool(settings.CRISIS_HOLD_LEVEL)
        and decision.crisis_level >= settings.CRISIS_HOLD_LEVEL
        and decision.hold_for_crisis
    )
    with transaction.atomic():
        message = _own_message(membership, seq, for_update=True)
        now = timezone.now()
        check_may_edit(membership, message, now)  # again under the lock: a concurrent delete or hold wins
        if message.body == decision.text:
            return EditResult(seq=seq, status="edited")  # nothing changed: no revision, nothing to publish
        MessageRevision.objects.create(message=message, kind=MessageRevision.Kind.EDITED, body=message.body)
        message.body, message.edited_at, message.state_changed_at = decision.text, now, now
        fields = ["body", "edited_at", "state_changed_at"]
        if held:
            message.state = MessageState.HELD
            fields.append("state")
        message.save(update_fields=fields)
        # The outbox, as for a send: an escalation or flag commits with the edit, or neither does.
        moderation().record_decision(message, decision)
        group = room_group(message.room_id)
        if held:
            publish_room_frame(group, protocol.encode({"type": "message.removed", "seq": message.seq}))
            _tell_author(message)
        else:
            publish_room_frame(group, updated_frame(message))
    return EditResult(
        seq=seq,
        status="held" if held else "edited",
        reason=(decision.hold_reason or services.HELD_REASON) if held else None,
        crisis_level=decision.crisis_level,
        concern_for_other=decision.concern_for_other,
        concern_escalated=decision.concern_escalated,
    )


def do_delete_message(membership_id: int, seq: int) -> None:
    """Delete the member's own message ``seq``, at any time, leaving a tombstone. Deleting again changes nothing.

    Its words are kept as a MessageRevision for moderators (an open escalation or flag still shows them) and
    cleared from the message; its reactions go with them. Raise ProtocolError (not_found, forbidden).
    """
    membership = Membership.objects.get(pk=membership_id)
    with transaction.atomic():
        message = _own_message(membership, seq, for_update=True)
        if message.deleted_at is not None:
            return
        now = timezone.now()
        MessageRevision.objects.create(message=message, kind=MessageRevision.Kind.DELETED, body=message.body)
        message.body, message.deleted_at, message.state_changed_at = "", now, now
        message.save(update_fields=["body", "deleted_at", "state_changed_at"])
        message.reactions.all().delete()
        if message.state == MessageState.VISIBLE:
            publish_room_frame(room_group(message.room_id), updated_frame(message))
        else:
            _tell_author(message)  # a held message: the room never saw it
