"""The outreach timers the escalation worker runs (``moderation.worker.tick``): nobody contacted a level-3 student
in time after acknowledging, or a student has not answered a check-in. Both re-alert the moderators' dashboards
and are written to the audit log (with no actor: the worker acted). The clock is an argument: tests need no sleep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from core.events import publish
from rooms import protocol

from . import checkins
from .models import CheckIn, CheckInStatus, Escalation, EscalationStatus, NotificationAttempt
from .outbox import escalation_timer
from .payloads import MODERATORS_GROUP, escalation_payload
from .retention import retention_cutoff
from .targets import audit

# A student at this level who was acknowledged but not contacted is re-alerted.
NOT_CONTACTED_LEVEL = 3


def _to_moderators(frame: dict) -> tuple[bool, str]:
    """Send a frame to every moderator's dashboard now; (ok, detail). Redis may be down: that is recorded."""
    try:
        publish(MODERATORS_GROUP, {"type": "moderation.frame", "frame": protocol.encode(frame)})
        return True, ""
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"


def _locked(query):
    if connection.features.has_select_for_update_skip_locked:
        return query.select_for_update(skip_locked=True, of=("self",))
    return query


def realert_not_contacted(now: datetime) -> int:
    """Re-alert every acknowledged level-3 escalation whose student nobody contacted within the acknowledgement
    time (ESCALATION_ACK_SECONDS[3]) of its acknowledgement, then again every such interval; return how many."""
    interval = timedelta(seconds=settings.ESCALATION_ACK_SECONDS[NOT_CONTACTED_LEVEL])
    handled = 0
    while True:
        with transaction.atomic():
            due = Escalation.objects.filter(
                # Strictly before: with a zero interval, one pass must still end.
                Q(outreach_alerted_at__isnull=True) | Q(outreach_alerted_at__lt=now - interval),
                status=EscalationStatus.ACKNOWLEDGED,
                level__gte=NOT_CONTACTED_LEVEL,
                about_other=False,
                contacted_at__isnull=True,
                acknowledged_at__lte=now - interval,
            ).order_by("acknowledged_at")
            escalation = _locked(due).select_related("room", "message__author").first()
            if escalation is None:
                return handled
            minutes = int((now - escalation.acknowledged_at).total_seconds() // 60)
            frame = {
                "type": "escalation.reminder",
                "reason": "not_contacted",
                "escalation": escalation_payload(escalation),
            }
            ok, detail = _to_moderators(frame)
            NotificationAttempt.objects.create(
                escalation=escalation,
                channel=NotificationAttempt.Channel.MODERATORS,
                ok=ok,
                detail=detail or f"acknowledged {minutes} min ago, student not contacted",
            )
            audit(
                None,
                "escalation.not_contacted",
                room=escalation.room,
                message=escalation.message,
                minutes_since_ack=minutes,
            )
            escalation.outreach_alerted_at = now
            escalation.save(update_fields=["outreach_alerted_at"])
            handled += 1


def remind_unanswered(now: datetime) -> int:
    """Remind the moderators about open check-ins whose student has not answered CHECKIN_REPLY_REMINDER_SECONDS
    after staff wrote (once per wait: staff writing again starts a new one); return how many."""
    handled = 0
    while True:
        with transaction.atomic():
            due = CheckIn.objects.filter(status=CheckInStatus.OPEN, reply_due_at__lte=now).order_by("reply_due_at")
            checkin = _locked(due).select_related("room", "opened_by").first()
            if checkin is None:
                return handled
            payload = checkins.checkin_payload(checkin)
            _to_moderators({"type": "checkin.reminder", "reason": "no_reply", "checkin": payload})
            audit(None, "checkin.no_reply", room=checkin.room, checkin=checkin.pk)
            checkin.reply_due_at = None
            checkin.save(update_fields=["reply_due_at"])
            handled += 1


def realert_urgent(now: datetime) -> int:
    """Re-alert the moderators about every open check-in where the student wrote with signs of crisis and no staff
    has written since, ESCALATION_ACK_SECONDS of its level after (then again every such interval); return how
    many. This is what reaches the team when nobody is on the check-in's page."""
    handled = 0
    while True:
        with transaction.atomic():
            due = CheckIn.objects.filter(status=CheckInStatus.OPEN, staff_due_at__lte=now).order_by("staff_due_at")
            checkin = _locked(due).select_related("room", "opened_by").first()
            if checkin is None:
                return handled
            payload = checkins.checkin_payload(checkin)
            _to_moderators({"type": "checkin.reminder", "reason": "urgent_unanswered", "checkin": payload})
            audit(None, "checkin.urgent_unanswered", room=checkin.room, checkin=checkin.pk, level=checkin.crisis_level)
            # At least a second later: with a zero interval, one pass must still end.
            checkin.staff_due_at = now + max(escalation_timer(checkin.crisis_level), timedelta(seconds=1))
            checkin.save(update_fields=["staff_due_at"])
            handled += 1


def purge_past_retention(now: datetime) -> int:
    """Check-ins follow the message retention rules (moderation.retention): empty the messages of resolved
    check-ins older than MESSAGE_RETENTION_DAYS; return how many. Off when retention is off."""
    cutoff = retention_cutoff(now)
    return 0 if cutoff is None else checkins.purge_checkin_messages(cutoff, now)


def tick(now: datetime) -> int:
    """Run the outreach timers at ``now``, and retention for check-ins; return how many escalations and check-ins
    the timers acted on."""
    purge_past_retention(now)
    return realert_not_contacted(now) + realert_urgent(now) + remind_unanswered(now)
