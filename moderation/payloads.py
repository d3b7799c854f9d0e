"""What moderators receive about escalations and flags: payloads, message context, the queue snapshot.

Everything moderators receive shows each message as the room showed it: by alias if it was posted under the
alias, by name if under the name. No object built here holds both the alias and the name of one person (a
student may post under both in one room): who is behind an alias is revealed only by
``moderation.reveals.do_request_reveal``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from django.db.models import BigIntegerField, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce

from core.events import publish_on_commit
from rooms import protocol
from rooms.models import Message, MessageState, Room

from .models import Escalation, EscalationStatus, Flag, FlagSource, FlagStatus

MODERATORS_GROUP = "moderators"


# Messages around a flagged or escalated one that moderators see with it.
CONTEXT_BEFORE = 5


# Where prefetch_message_context leaves a message's context (as Django's prefetch_related leaves related rows).
_PREFETCHED_CONTEXT = "_prefetched_moderation_context"


# Messages whose context one query reads: keeps the query's OR of windows within SQLite's expression depth.
CONTEXT_PREFETCH_BATCH = 200


def _earlier_visible(room_id: int, seq: int):
    # With the messages replies quote: a reply in the context needs no query of its own.
    return Message.objects.filter(room_id=room_id, seq__lt=seq, state=MessageState.VISIBLE).select_related("reply_to")


def message_context(message: Message) -> list[dict]:
    """Return the visible messages just before ``message`` in its room, oldest first.

    One query, or none when ``prefetch_message_context`` already loaded it.
    """
    prefetched = getattr(message, _PREFETCHED_CONTEXT, None)
    if prefetched is not None:
        return prefetched
    earlier = _earlier_visible(message.room_id, message.seq)
    return [protocol.message_payload(m) for m in reversed(earlier.order_by("-seq")[:CONTEXT_BEFORE])]


def _context_window(room_id: int, seq: int) -> Q:
    """Return the condition for the seqs of the room from the CONTEXT_BEFORE-th visible message before ``seq``."""
    nth_before = _earlier_visible(room_id, seq).order_by("-seq").values("seq")[CONTEXT_BEFORE - 1 : CONTEXT_BEFORE]
    # Fewer visible messages than CONTEXT_BEFORE before this one: the window starts at the room's start.
    first_seq = Coalesce(Subquery(nth_before), 0, output_field=BigIntegerField())
    return Q(room_id=room_id, seq__lt=seq, seq__gte=first_seq)


def prefetch_message_context(messages) -> None:
    """Load the ``message_context`` of all ``messages`` in one query (per CONTEXT_PREFETCH_BATCH of them).

    Each message's context is a window of its room: from the CONTEXT_BEFORE-th visible message before it (a
    subquery on the (room, seq) index finds that seq) up to the message. The query reads those windows only.
    """
    messages = list(messages)
    places = list(dict.fromkeys((m.room_id, m.seq) for m in messages))
    found: dict[int, Message] = {}
    for start in range(0, len(places), CONTEXT_PREFETCH_BATCH):
        windows = Q()
        for room_id, seq in places[start : start + CONTEXT_PREFETCH_BATCH]:
            windows |= _context_window(room_id, seq)
        rows = Message.objects.filter(windows, state=MessageState.VISIBLE).select_related("reply_to")
        found.update((row.pk, row) for row in rows)
    rows_by_room: dict[int, list[Message]] = defaultdict(list)
    for row in sorted(found.values(), key=lambda row: row.seq):
        rows_by_room[row.room_id].append(row)
    for message in messages:
        rows = rows_by_room[message.room_id]
        # Every row of this room's windows is visible: the CONTEXT_BEFORE just before the message are its context.
        end = bisect_left([row.seq for row in rows], message.seq)
        earlier = rows[max(0, end - CONTEXT_BEFORE) : end]
        setattr(message, _PREFETCHED_CONTEXT, [protocol.message_payload(m) for m in earlier])


def shown_alias(message: Message) -> str | None:
    """Return the alias ``message`` was posted under, or None if it was posted under the author's name.

    Payloads about a message carry the author's alias only through this: next to a named message, the alias
    would tie the name to everything the same person posted anonymously.
    """
    return message.author_name if message.author_anonymous else None


def _room_payload(room: Room) -> dict:
    return {"slug": room.slug, "title": room.title}


def _message_for_moderators(message: Message) -> dict:
    payload = protocol.message_payload(message)
    payload["state"] = message.state
    if message.edited_at is not None or message.deleted_at is not None:
        # What the author edited away or deleted stays visible to moderators (never to members): the words
        # a flag or an escalation was raised on. A query only for such messages.
        payload["revisions"] = [
            {"kind": revision.kind, "body": revision.body, "replaced_at": revision.replaced_at.isoformat()}
            for revision in message.revisions.all()
        ]
    return payload


def _staff_payload(user) -> dict:
    return {"username": user.username, "name": user.display_name}


def escalation_payload(escalation: Escalation) -> dict:
    message = escalation.message
    return {
        "id": escalation.pk,
        "level": escalation.level,
        "about_other": escalation.about_other,
        "status": escalation.status,
        "rules": escalation.rules,
        "room": _room_payload(escalation.room),
        "alias": shown_alias(message),
        "message": _message_for_moderators(message),
        "context": message_context(message),
        "created_at": escalation.created_at.isoformat(),
        "acknowledged_at": escalation.acknowledged_at.isoformat() if escalation.acknowledged_at else None,
        "resolved_at": escalation.resolved_at.isoformat() if escalation.resolved_at else None,
        "resolution_note": escalation.resolution_note,
        # Whose case it is (a moderator: staff are named): the dashboard's "Mine" filter reads it.
        "owner": _staff_payload(escalation.owner) if escalation.owner_id else None,
    }


def flag_payload(flag: Flag) -> dict:
    message = flag.message
    return {
        "id": flag.pk,
        "source": flag.source,
        "status": flag.status,
        "rules": flag.rules,
        "room": _room_payload(flag.room),
        "alias": shown_alias(message),
        "message": _message_for_moderators(message),
        "context": message_context(message),
        "reports": [r.reason for r in message.reports.all()] if flag.source == FlagSource.REPORT else [],
        "created_at": flag.created_at.isoformat(),
    }


def push_to_moderators(frame_type: str, payload_key: str, payload: dict) -> None:
    frame = protocol.encode({"type": frame_type, payload_key: payload})
    publish_on_commit(MODERATORS_GROUP, {"type": "moderation.frame", "frame": frame})


def queue_snapshot() -> dict:
    """Return the ``queue.snapshot`` frame: open and acknowledged escalations (highest level, then oldest, first)
    and open flags (oldest first)."""
    escalations = list(
        Escalation.objects.exclude(status=EscalationStatus.RESOLVED)
        .select_related("message__author", "message__reply_to", "room", "owner")
        .order_by("-level", "created_at")
    )
    flags = list(
        Flag.objects.filter(status=FlagStatus.OPEN)
        .select_related("message__author", "message__reply_to", "room")
        .prefetch_related("message__reports")
        .order_by("created_at")
    )
    messages = [item.message for item in (*escalations, *flags)]
    prefetch_message_context(messages)
    # The earlier bodies of edited or deleted messages, in one query when there are any.
    prefetch_related_objects([m for m in messages if m.edited_at or m.deleted_at], "revisions")
    return {
        "type": "queue.snapshot",
        "escalations": [escalation_payload(e) for e in escalations],
        "flags": [flag_payload(f) for f in flags],
    }
