"""E-mail reminders before group sessions, sent by the worker (manage.py run_moderation_worker).

Each RSVP is claimed (marked sent) in a short transaction, e-mailed outside any transaction, and unmarked if the
e-mail could not be sent: a hanging mail server (up to EMAIL_TIMEOUT) holds no lock, so students can still
RSVP, and on SQLite everyone can still write. A restarted worker does not send a reminder again; a worker that
dies in the instant between claiming and sending skips that one reminder (a late duplicate would be worse than
none: the session may have started). A reminder that cannot be sent (an unusable address) is left for the next
pass and does not hold up the others; if the mail server itself fails, the pass stops and all are retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction

from .mail import UNSENDABLE, one_line, with_crisis_lines
from .models import Rsvp

logger = logging.getLogger(__name__)


def _claim_due(now: datetime, skip: list[int]) -> Rsvp | None:
    """Mark the next due reminder as sent, in a transaction of its own, and return it; None when none is due."""
    horizon = now + timedelta(minutes=settings.SESSION_REMINDER_MINUTES)
    with transaction.atomic():
        due = (
            Rsvp.objects.filter(
                status=Rsvp.Status.GOING,
                reminder_sent_at__isnull=True,
                occurrence__cancelled=False,
                occurrence__starts_at__gt=now,
                occurrence__starts_at__lte=horizon,
            )
            .exclude(user__email="")
            .exclude(pk__in=skip)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rsvp = due.select_related("user", "occurrence__series__room").order_by("id").first()
        if rsvp is not None:
            rsvp.reminder_sent_at = now
            rsvp.save(update_fields=["reminder_sent_at"])
        return rsvp


def _unclaim(rsvp: Rsvp) -> None:
    Rsvp.objects.filter(pk=rsvp.pk).update(reminder_sent_at=None)


def send_due_reminders(now: datetime) -> int:
    """E-mail everyone going to a session that starts within SESSION_REMINDER_MINUTES; return how many."""
    sent = 0
    unsendable: list[int] = []  # skipped for this pass, so they do not hold up the others; retried next pass
    while (rsvp := _claim_due(now, unsendable)) is not None:
        occurrence, series = rsvp.occurrence, rsvp.occurrence.series
        local = occurrence.starts_at.astimezone(ZoneInfo(series.time_zone))
        try:
            send_mail(
                one_line(f"Reminder: {series.title} at {local:%H:%M} ({series.time_zone})"),
                with_crisis_lines(
                    f"Your session {series.title!r} in {series.room.title} starts at {local:%Y-%m-%d %H:%M} "
                    f"({series.time_zone}).\n\nJoin the room: {settings.SITE_URL}/rooms/{series.room.slug}/\n"
                ),
                settings.DEFAULT_FROM_EMAIL,
                [rsvp.user.email],
            )
        except UNSENDABLE as error:
            logger.warning("session reminder for RSVP %d could not be sent (%s)", rsvp.pk, type(error).__name__)
            _unclaim(rsvp)
            unsendable.append(rsvp.pk)
            continue
        except BaseException:
            _unclaim(rsvp)  # the mail server is away: this one and the rest go out on a later pass
            raise
        sent += 1
    return sent
