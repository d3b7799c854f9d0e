"""Retention: messages older than MESSAGE_RETENTION_DAYS become tombstones, run by the worker (worker.tick).

A purged message keeps its row, seq and author snapshot (alias or name, role, time) and loses its text:
``body`` and ``client_id`` are cleared and ``deleted_at`` is set, as when a message is deleted; the earlier
bodies its edits replaced or its author's deletion took away (MessageRevision) are deleted. Keeping the
row keeps history gapless for clients that page by seq, and keeps the moderation records that point at it
(resolved escalations, reviewed flags, the append-only audit log) whole.

Spared while moderators still need them: a message under an unresolved escalation or an open flag, and the
CONTEXT_BEFORE visible messages before it that moderators read with it (moderation.payloads). They are
purged on the first pass after the escalation is resolved or the flag reviewed.

Clients are not told (``state_changed_at`` stays): a purged message is weeks old, no open page is expected
to hold it, and moving ``state_changed_at`` on thousands of old rows would make every reconnect replay them
as changes. A page loaded afterwards shows the tombstone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Q, Subquery
from django.db.models.functions import Coalesce

from rooms.models import Message, MessageRevision, MessageState, Room

from .models import Escalation, EscalationStatus, Flag, FlagStatus
from .payloads import CONTEXT_BEFORE, CONTEXT_PREFETCH_BATCH

logger = logging.getLogger(__name__)

# Messages emptied per transaction: short transactions, so senders never wait long on the worker.
PURGE_BATCH = 500


def retention_cutoff(now: datetime) -> datetime | None:
    """Return the time before which messages are purged, or None when retention is off (the default)."""
    days = settings.MESSAGE_RETENTION_DAYS
    return now - timedelta(days=days) if days else None


def _still_needed() -> set[int]:
    """Return the ids of the messages moderators still need: under an unresolved escalation or an open flag,
    with the context shown beside each."""
    items = set(
        Escalation.objects.exclude(status=EscalationStatus.RESOLVED).values_list(
            "message_id", "message__room_id", "message__seq"
        )
    )
    items |= set(
        Flag.objects.filter(status=FlagStatus.OPEN).values_list("message_id", "message__room_id", "message__seq")
    )
    needed = {message_id for message_id, _room, _seq in items}
    places = sorted({(room_id, seq) for _message_id, room_id, seq in items})
    # Each item's context window, from the CONTEXT_BEFORE-th visible message before it: one query per
    # CONTEXT_PREFETCH_BATCH items, as moderation.payloads reads them (SQLite's expression depth).
    for start in range(0, len(places), CONTEXT_PREFETCH_BATCH):
        windows = Q()
        for room_id, seq in places[start : start + CONTEXT_PREFETCH_BATCH]:
            earlier = Message.objects.filter(room_id=room_id, seq__lt=seq, state=MessageState.VISIBLE)
            nth_before = earlier.order_by("-seq").values("seq")[CONTEXT_BEFORE - 1 : CONTEXT_BEFORE]
            first_seq = Coalesce(Subquery(nth_before), 0, output_field=BigIntegerField())
            windows |= Q(room_id=room_id, seq__lt=seq, seq__gte=first_seq)
        needed.update(Message.objects.filter(windows, state=MessageState.VISIBLE).values_list("pk", flat=True))
    return needed


def purge_expired_messages(now: datetime) -> int:
    """Empty every message older than the retention period into a tombstone, except those moderators still
    need; return how many were emptied.

    One indexed query when nothing is past retention; five when only messages moderators still need are (it
    runs on every worker tick). The windows are OR-ed in one query: fine for the tens of open items a queue
    holds (SQLite's expression depth allows about a thousand).
    """
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    # Not yet emptied, or emptied by its author but still holding the words edits and deletions kept for
    # moderators (MessageRevision): those expire with their message.
    expired = (
        Message.objects.filter(created_at__lt=cutoff)
        .filter(Q(deleted_at__isnull=True) | Q(revisions__isnull=False))
        .distinct()
    )
    if not expired.exists():
        return 0
    expired = expired.exclude(pk__in=_still_needed())
    purged, last_pk = 0, 0
    while True:
        batch = list(expired.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            break
        last_pk = batch[-1]
        # Emptying a message twice (its author deleted it meanwhile) is harmless: no lock needed between the two.
        with transaction.atomic():
            Room.objects.filter(pinned_message__in=batch).update(pinned_message=None)
            # A report may have opened a flag on one of them since _still_needed looked.
            flagged = Flag.objects.filter(status=FlagStatus.OPEN).values("message_id")
            emptied = Message.objects.filter(pk__in=batch).exclude(pk__in=flagged)
            MessageRevision.objects.filter(message__in=emptied).delete()
            purged += emptied.filter(deleted_at__isnull=True).update(body="", client_id=None, deleted_at=now)
    if purged:
        logger.info("retention: %d message(s) older than %d days emptied", purged, settings.MESSAGE_RETENTION_DAYS)
    return purged
