"""The outbox: the Escalation or Flag a message calls for, written inside the message's own transaction.

Reached from rooms through ``rooms.moderation_hooks`` (``moderation.hooks.RoomHooks``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.events import publish_room_frame
from rooms import protocol
from rooms.models import Message, MessageState, room_group

from . import pipeline
from .models import Escalation, Flag, FlagSource, FlagStatus
from .payloads import escalation_payload, flag_payload, push_to_moderators


def escalation_timer(level: int) -> timedelta:
    """How long an escalation of this level may stay unacknowledged before the worker acts."""
    return timedelta(seconds=settings.ESCALATION_ACK_SECONDS[max(1, min(3, level))])


def record_decision(message: Message, decision: pipeline.Decision) -> None:
    """Store the Escalation or Flag a pipeline decision calls for. Precondition: inside the message's transaction."""
    about_other = decision.concern_escalated
    if decision.crisis_level >= 1 or about_other:
        level = decision.other_level if about_other else decision.crisis_level
        escalation = Escalation.objects.create(
            message=message,
            room=message.room,  # the sender's locked row: escalation_payload reads it
            level=level,
            about_other=about_other,
            rules=list(decision.reasons),
            next_action_at=timezone.now() + escalation_timer(level),
        )
        push_to_moderators("escalation.new", "escalation", escalation_payload(escalation))
    elif decision.action in (pipeline.FLAG, pipeline.HOLD):
        flag = Flag.objects.create(
            message=message, room_id=message.room_id, source=FlagSource.RULE, rules=list(decision.reasons)
        )
        push_to_moderators("flag.new", "flag", flag_payload(flag))


def record_report(message: Message, reports_to_hide: int, established_before: datetime) -> None:
    """Open (or refresh) the report flag of a message; hide it once enough different members reported it.

    Every report reaches the moderators, but only reports from accounts created before ``established_before``
    count towards hiding: a handful of brand-new accounts must not be able to silence someone by themselves.

    Precondition: inside a transaction holding a lock on ``message``, after the new Report was stored.
    """
    flag, created = Flag.objects.get_or_create(
        message=message, source=FlagSource.REPORT, status=FlagStatus.OPEN, defaults={"room_id": message.room_id}
    )
    counted = message.reports.filter(reporter__user__date_joined__lt=established_before)
    if message.state == MessageState.VISIBLE and counted.count() >= reports_to_hide:
        # Held, not removed: a moderator's approve puts it back in its place; hide removes it for good.
        message.state, message.state_changed_at = MessageState.HELD, timezone.now()
        message.save(update_fields=["state", "state_changed_at"])
        frame = protocol.encode({"type": "message.removed", "seq": message.seq})
        publish_room_frame(room_group(message.room_id), frame)
    flag = Flag.objects.select_related("message__author", "room").get(pk=flag.pk)
    push_to_moderators("flag.new" if created else "flag.updated", "flag", flag_payload(flag))
