"""The escalation worker: nobody acknowledged a crisis escalation in time -> alert again, then call on-call staff.

It reads open escalations from the database, never from Redis, so it keeps e-mailing and calling the
webhook while Redis is down (the moderators' live reminder is what fails then, and that is recorded).
Every attempt is a NotificationAttempt row. Safe to run several workers on PostgreSQL (rows are claimed
with SKIP LOCKED); on SQLite run one.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from core.events import publish
from rooms import protocol

from . import checkin_timers, second_look_runner
from .models import Escalation, EscalationStatus, NotificationAttempt
from .outbox import escalation_timer
from .payloads import MODERATORS_GROUP, escalation_payload, shown_alias
from .retention import purge_expired_messages

logger = logging.getLogger(__name__)

STAGE_REALERTED = 1
STAGE_ONCALL_NOTIFIED = 2
WEBHOOK_TIMEOUT_SECONDS = 5
# How long a claimed escalation is left to the worker that claimed it: far longer than a notification takes
# (EMAIL_TIMEOUT plus WEBHOOK_TIMEOUT_SECONDS), far shorter than the shortest re-alert timer.
CLAIM_SECONDS = 60


def _record(escalation: Escalation, channel: str, ok: bool, detail: str = "") -> None:
    NotificationAttempt.objects.create(escalation=escalation, channel=channel, ok=ok, detail=detail[:1000])


def _age(escalation: Escalation, now: datetime) -> str:
    minutes = int((now - escalation.created_at).total_seconds() // 60)
    return f"{minutes} min"


def remind_moderators(escalation: Escalation, now: datetime) -> None:
    frame = protocol.encode({"type": "escalation.reminder", "escalation": escalation_payload(escalation)})
    try:
        publish(MODERATORS_GROUP, {"type": "moderation.frame", "frame": frame})
        _record(
            escalation, NotificationAttempt.Channel.MODERATORS, True, f"unacknowledged after {_age(escalation, now)}"
        )
    except Exception as error:  # Redis down: recorded; e-mail and webhook still go out
        _record(escalation, NotificationAttempt.Channel.MODERATORS, False, f"{type(error).__name__}: {error}")


def notify_oncall(escalation: Escalation, now: datetime) -> None:
    """E-mail on-call staff and call the webhook. No message text: e-mail and webhooks leave our control."""
    # The alias only if the message was posted under it; never a name: e-mail and webhooks leave our systems.
    alias = shown_alias(escalation.message)
    who = f"alias {alias}" if alias else "posted under the member's name"
    summary = (
        f"A level {escalation.level} crisis escalation in {escalation.room.title} ({who}) "
        f"has not been acknowledged for {_age(escalation, now)}.\n\n"
        f"Open the moderation queue now: {settings.DASHBOARD_URL}\n"
    )
    if settings.ONCALL_EMAILS:
        try:
            send_mail(
                f"[MedPeer] Unacknowledged level {escalation.level} crisis escalation #{escalation.pk}",
                summary,
                settings.DEFAULT_FROM_EMAIL,
                settings.ONCALL_EMAILS,
            )
            _record(escalation, NotificationAttempt.Channel.EMAIL, True, ", ".join(settings.ONCALL_EMAILS))
        except Exception as error:
            _record(escalation, NotificationAttempt.Channel.EMAIL, False, f"{type(error).__name__}: {error}")
    if settings.ESCALATION_WEBHOOK_URL:
        body = json.dumps(
            {
                "escalation": escalation.pk,
                "level": escalation.level,
                "room": escalation.room.slug,
                "alias": alias,
                "created_at": escalation.created_at.isoformat(),
                "dashboard": settings.DASHBOARD_URL,
            }
        ).encode()
        request = urllib.request.Request(
            settings.ESCALATION_WEBHOOK_URL, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                _record(escalation, NotificationAttempt.Channel.WEBHOOK, True, f"HTTP {response.status}")
        except Exception as error:
            _record(escalation, NotificationAttempt.Channel.WEBHOOK, False, f"{type(error).__name__}: {error}")


def _claim_due(now: datetime) -> Escalation | None:
    """Claim the most urgent open escalation whose timer ran out, in a short transaction of its own; None if none.

    The claim moves its timer CLAIM_SECONDS on, so neither this pass nor another worker takes it again
    meanwhile; if this worker dies before recording the outcome, the claim runs out and it is handled again.
    """
    with transaction.atomic():
        due = Escalation.objects.filter(status=EscalationStatus.OPEN, next_action_at__lte=now).order_by(
            "-level", "next_action_at"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        escalation = due.select_related("room", "message__author").first()
        if escalation is not None:
            escalation.next_action_at = now + timedelta(seconds=CLAIM_SECONDS)
            escalation.save(update_fields=["next_action_at"])
        return escalation


def tick(now: datetime | None = None) -> int:
    """Act on every open escalation whose timer ran out, then run the outreach timers (checkin_timers), the
    retention purge (moderation.retention) and the second look (second_look_runner); return how many
    escalations and check-ins were acted on.

    Escalations come first and each later step runs on its own: a failing or slow step (the second look reads
    up to a batch of messages with the encoder) never delays or stops a crisis re-alert.
    """
    now = now or timezone.now()
    handled = realert_due_escalations(now)
    for step in (checkin_timers.tick, purge_expired_messages, second_look_runner.tick):
        try:
            acted = step(now)
        except Exception:
            logger.exception("worker step %s failed; the other steps ran", step.__module__ + "." + step.__name__)
            continue
        if step is checkin_timers.tick:
            handled += acted
    return handled


def realert_due_escalations(now: datetime) -> int:
    """Re-alert moderators (then on-call staff) for every open escalation whose timer ran out; return how many.

    Claim in a transaction, notify outside any transaction, then record: a hanging mail server or webhook
    (up to EMAIL_TIMEOUT and WEBHOOK_TIMEOUT_SECONDS) holds no lock, so moderators acknowledging this very
    escalation, and on SQLite every writer, go on meanwhile. A worker that dies between claiming and recording
    notifies again once the claim runs out: on-call staff may be told twice, never not at all.
    """
    handled = 0
    while (escalation := _claim_due(now)) is not None:
        stage = escalation.notify_stage
        remind_moderators(escalation, now)
        if STAGE_REALERTED <= stage < STAGE_ONCALL_NOTIFIED:
            notify_oncall(escalation, now)
            stage = STAGE_ONCALL_NOTIFIED
        elif stage < STAGE_REALERTED:
            stage = STAGE_REALERTED
        # An update, not save(): a moderator may have acknowledged it meanwhile, and that must stand; and the
        # level read now, not at the claim: the second look may have raised it while we notified.
        level = Escalation.objects.filter(pk=escalation.pk).values_list("level", flat=True).first()
        Escalation.objects.filter(pk=escalation.pk).update(
            notify_stage=stage, next_action_at=now + escalation_timer(escalation.level if level is None else level)
        )
        handled += 1
    return handled
