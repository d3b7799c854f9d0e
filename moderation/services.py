"""Moderation actions. ``record_decision`` runs inside the message's own transaction (the outbox); the
``do_*`` actions are what moderators do, each authorised on its own and written to the audit log.

Everything moderators receive shows each message as the room showed it: by alias if it was posted under the
alias, by name if under the name. No object built here holds both the alias and the name of one person (a
student may post under both in one room): who is behind an alias is revealed only by ``do_request_reveal``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.events import publish_on_commit, publish_room_frame
from rooms import protocol, sessions
from rooms.models import Membership, Message, MessageState, Room, member_group, room_group
from rooms.permissions import check_room_staff
from rooms.protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, ProtocolError

from . import pipeline
from .models import AuditEntry, Escalation, EscalationStatus, Flag, FlagSource, FlagStatus, RevealRequest

MODERATORS_GROUP = "moderators"
# Messages around a flagged or escalated one that moderators see with it.
CONTEXT_BEFORE = 5
MAX_MUTE_MINUTES = 60 * 24 * 30
MAX_SLOW_MODE_SECONDS = 3600


# Where prefetch_message_context leaves a message's context (as Django's prefetch_related leaves related rows).
_PREFETCHED_CONTEXT = "_prefetched_moderation_context"
# Messages whose context one query reads: keeps the query's OR of windows within SQLite's expression depth.
CONTEXT_PREFETCH_BATCH = 200


def _earlier_visible(room_id: int, seq: int):
    return Message.objects.filter(room_id=room_id, seq__lt=seq, state=MessageState.VISIBLE)


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
        found.update((row.pk, row) for row in Message.objects.filter(windows, state=MessageState.VISIBLE))
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
    return payload


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


def _push_to_moderators(frame_type: str, payload_key: str, payload: dict) -> None:
    frame = protocol.encode({"type": frame_type, payload_key: payload})
    publish_on_commit(MODERATORS_GROUP, {"type": "moderation.frame", "frame": frame})


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
            rules=list(decision.rules),
            next_action_at=timezone.now() + escalation_timer(level),
        )
        _push_to_moderators("escalation.new", "escalation", escalation_payload(escalation))
    elif decision.action in (pipeline.FLAG, pipeline.HOLD):
        flag = Flag.objects.create(
            message=message, room_id=message.room_id, source=FlagSource.RULE, rules=list(decision.rules)
        )
        _push_to_moderators("flag.new", "flag", flag_payload(flag))


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
    _push_to_moderators("flag.new" if created else "flag.updated", "flag", flag_payload(flag))


def queue_snapshot() -> dict:
    """Return the ``queue.snapshot`` frame: open and acknowledged escalations (highest level, then oldest, first)
    and open flags (oldest first)."""
    escalations = list(
        Escalation.objects.exclude(status=EscalationStatus.RESOLVED)
        .select_related("message__author", "room")
        .order_by("-level", "created_at")
    )
    flags = list(
        Flag.objects.filter(status=FlagStatus.OPEN)
        .select_related("message__author", "room")
        .prefetch_related("message__reports")
        .order_by("created_at")
    )
    prefetch_message_context([item.message for item in (*escalations, *flags)])
    return {
        "type": "queue.snapshot",
        "escalations": [escalation_payload(e) for e in escalations],
        "flags": [flag_payload(f) for f in flags],
    }


# --- Moderator actions ---------------------------------------------------------------------------


def check_moderator(user) -> None:
    if not (user.is_authenticated and user.is_moderator):
        raise ProtocolError(FORBIDDEN, "moderators only")


def _audit(actor, action: str, *, room=None, message=None, member=None, reason: str = "", **data) -> None:
    AuditEntry.objects.create(
        actor=actor, action=action, room=room, message=message, member=member, reason=reason, data=data
    )


def _escalation(escalation_id: int, *, lock: bool = True) -> Escalation:
    query = Escalation.objects.select_related("message__author", "room")
    if lock:
        query = query.select_for_update(of=("self",))
    try:
        return query.get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no escalation {escalation_id}") from None


def _room(slug: str) -> Room:
    try:
        return Room.objects.get(slug=slug)
    except Room.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no room {slug!r}") from None


def _message(room: Room, seq: int) -> Message:
    try:
        return Message.objects.select_related("author").get(room=room, seq=seq)
    except Message.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no message {seq} in {room.slug}") from None


def _member(room: Room, alias: str | None, seq: int | None = None) -> tuple[Membership, Message | None]:
    """Return the member an action is about, named by their alias or as the author of message ``seq`` in the room,
    with that message (None when named by alias).

    Naming the author by a message is how moderators act on a message posted under a name: nothing hands them
    the alias of its author.
    """
    if (alias is None) == (seq is None):
        raise ProtocolError(BAD_REQUEST, "name the member by exactly one of 'alias' and 'seq'")
    if seq is not None:
        message = _message(room, seq)
        return Membership.objects.select_related("user", "room").get(pk=message.author_id), message
    try:
        return Membership.objects.select_related("user", "room").get(room=room, alias=alias), None
    except Membership.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no member {alias!r} in {room.slug}") from None


@transaction.atomic
def do_acknowledge_escalation(moderator, escalation_id: int) -> Escalation:
    """Mark an escalation as being handled. Acknowledging twice changes nothing."""
    check_moderator(moderator)
    escalation = _escalation(escalation_id)
    if escalation.status == EscalationStatus.OPEN:
        escalation.status = EscalationStatus.ACKNOWLEDGED
        escalation.acknowledged_at = timezone.now()
        escalation.acknowledged_by = moderator
        escalation.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        _audit(moderator, "escalation.ack", room=escalation.room, message=escalation.message)
        _push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    return escalation


@transaction.atomic
def do_resolve_escalation(moderator, escalation_id: int, note: str) -> Escalation:
    """Close an escalation with a note saying what was done."""
    check_moderator(moderator)
    if not note.strip():
        raise ProtocolError(BAD_REQUEST, "a resolution note is required")
    escalation = _escalation(escalation_id)
    if escalation.status == EscalationStatus.RESOLVED:
        raise ProtocolError(BAD_REQUEST, "already resolved")
    now = timezone.now()
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at, escalation.acknowledged_by = now, moderator
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at, escalation.resolved_by, escalation.resolution_note = now, moderator, note.strip()
    escalation.save()
    _audit(moderator, "escalation.resolve", room=escalation.room, message=escalation.message, reason=note.strip())
    _push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    return escalation


def _close_flags(moderator, message: Message) -> None:
    for flag in Flag.objects.filter(message=message, status=FlagStatus.OPEN).select_related("room"):
        flag.status, flag.reviewed_at, flag.reviewed_by = FlagStatus.REVIEWED, timezone.now(), moderator
        flag.save(update_fields=["status", "reviewed_at", "reviewed_by"])
        _push_to_moderators("flag.updated", "flag", flag_payload(flag))


@transaction.atomic
def do_hide_message(moderator, room_slug: str, seq: int, reason: str) -> Message:
    """Remove a message from the room; everyone connected is told to take it off their screen."""
    check_moderator(moderator)
    room = _room(room_slug)
    message = _message(room, seq)
    if message.state != MessageState.REMOVED:
        message.state, message.state_changed_at = MessageState.REMOVED, timezone.now()
        message.save(update_fields=["state", "state_changed_at"])
        frame = protocol.encode({"type": "message.removed", "seq": seq})
        publish_room_frame(room_group(room.pk), frame)
        _audit(moderator, "message.hide", room=room, message=message, reason=reason)
    _close_flags(moderator, message)
    return message


@transaction.atomic
def do_approve_message(moderator, room_slug: str, seq: int) -> Message:
    """Deliver a held message to the room, in its place in the sequence."""
    check_moderator(moderator)
    room = _room(room_slug)
    message = _message(room, seq)
    if message.state != MessageState.HELD:
        raise ProtocolError(BAD_REQUEST, f"message {seq} is not held")
    message.state, message.state_changed_at = MessageState.VISIBLE, timezone.now()
    message.save(update_fields=["state", "state_changed_at"])
    frame = protocol.encode(protocol.message_payload(message))
    publish_room_frame(room_group(room.pk), frame)
    _audit(moderator, "message.approve", room=room, message=message)
    _close_flags(moderator, message)
    return message


PIN_MAX_CHARS = 500


@transaction.atomic
def do_pin_announcement(user, room_slug: str, text: str) -> Room:
    """Pin an announcement above the room's conversation (empty text unpins); everyone connected sees it."""
    room = _room(room_slug)
    check_room_staff(user, room)
    text = pipeline.review(text).text if text.strip() else ""
    if len(text) > PIN_MAX_CHARS:
        raise ProtocolError(BAD_REQUEST, f"an announcement is at most {PIN_MAX_CHARS} characters")
    room.pinned_text = text
    room.save(update_fields=["pinned_text"])
    _audit(user, "room.pin", room=room, reason=text)
    frame = protocol.encode({"type": "pinned", "text": text})
    publish_room_frame(room_group(room.pk), frame)
    return room


@transaction.atomic
def do_pin_message(user, room_slug: str, seq: int) -> Room:
    """Pin one visible message of the room above its conversation (seq 0 unpins); everyone connected sees it."""
    room = _room(room_slug)
    check_room_staff(user, room)
    message = None
    if seq:
        message = _message(room, seq)
        if message.state != MessageState.VISIBLE:
            raise ProtocolError(BAD_REQUEST, f"message {seq} is not visible in the room, so it cannot be pinned")
    room.pinned_message = message
    room.save(update_fields=["pinned_message"])
    _audit(user, "message.pin" if message else "message.unpin", room=room, message=message)
    payload = protocol.message_payload(message) if message else None
    frame = protocol.encode({"type": "pinned.message", "message": payload})
    publish_room_frame(room_group(room.pk), frame)
    return room


def _to_member(membership: Membership, event: dict) -> None:
    publish_on_commit(member_group(membership.pk), event)


@transaction.atomic
def do_warn_member(moderator, room_slug: str, alias: str | None, reason: str, *, seq: int | None = None) -> Membership:
    """Send a warning with its reason to the member with this alias, or the author of message ``seq`` (their
    sockets in the room only), and audit it.

    Precondition: ``reason`` is at most REASON_MAX_CHARS (the consumer checks it). Raise ProtocolError:
    FORBIDDEN unless ``moderator`` is a moderator, BAD_REQUEST for a blank reason, NOT_FOUND for an unknown
    room, alias or message.
    """
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a warning needs a reason the member will read")
    member, message = _member(_room(room_slug), alias, seq)
    _audit(moderator, "user.warn", room=member.room, message=message, member=member, reason=reason.strip())
    frame = protocol.encode({"type": "warning", "reason": reason.strip()})
    _to_member(member, {"type": "member.frame", "frame": frame})
    return member


@transaction.atomic
def do_mute_member(
    moderator, room_slug: str, alias: str | None, minutes: int, reason: str, *, seq: int | None = None
) -> Membership:
    """Stop the member with this alias, or the author of message ``seq``, posting in a room for ``minutes``
    from now (they can still read), tell them, and audit it.

    Precondition: ``reason`` (may be empty) is at most REASON_MAX_CHARS (the consumer checks it). Raise
    ProtocolError: FORBIDDEN unless ``moderator`` is a moderator or when muting a moderator, BAD_REQUEST for
    minutes outside 1..MAX_MUTE_MINUTES, NOT_FOUND for an unknown room, alias or message.
    """
    check_moderator(moderator)
    if not (1 <= minutes <= MAX_MUTE_MINUTES):
        raise ProtocolError(BAD_REQUEST, f"minutes must be between 1 and {MAX_MUTE_MINUTES}")
    member, message = _member(_room(room_slug), alias, seq)
    if member.user.is_moderator:
        raise ProtocolError(FORBIDDEN, "moderators cannot be muted")
    member.muted_until = timezone.now() + timedelta(minutes=minutes)
    member.save(update_fields=["muted_until"])
    _audit(moderator, "user.mute", room=member.room, message=message, member=member, reason=reason, minutes=minutes)
    frame = protocol.encode({"type": "muted", "until": member.muted_until.isoformat(), "reason": reason})
    _to_member(member, {"type": "member.frame", "frame": frame})
    return member


@transaction.atomic
def do_ban_member(moderator, room_slug: str, alias: str | None, reason: str, *, seq: int | None = None) -> Membership:
    """Ban a member (by alias, or as the author of message ``seq``) from a room: their sockets there close (4403)."""
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a ban needs a reason")
    member, message = _member(_room(room_slug), alias, seq)
    if member.user.is_moderator:
        raise ProtocolError(FORBIDDEN, "moderators cannot be banned")
    member.is_banned = True
    member.save(update_fields=["is_banned"])
    # Their seats in the room's coming sessions go to the waitlist: no reminders for a room they cannot enter.
    sessions.do_cancel_upcoming_rsvps(member.user, member.room, timezone.now())
    _audit(moderator, "user.ban", room=member.room, message=message, member=member, reason=reason.strip())
    _to_member(member, {"type": "member.banned"})
    return member


@transaction.atomic
def do_set_slow_mode(user, room_slug: str, seconds: int) -> Room:
    """Set the least time between two messages of one member of a room (0 turns slow mode off); tell the room.

    Precondition: ``seconds`` is an int. Raise ProtocolError: NOT_FOUND for an unknown room, FORBIDDEN unless
    ``user`` is a moderator or one of the room's facilitators, BAD_REQUEST outside 0..MAX_SLOW_MODE_SECONDS.
    """
    room = _room(room_slug)
    check_room_staff(user, room)
    if not (0 <= seconds <= MAX_SLOW_MODE_SECONDS):
        raise ProtocolError(BAD_REQUEST, f"seconds must be between 0 and {MAX_SLOW_MODE_SECONDS}")
    room.slow_mode_seconds = seconds
    room.save(update_fields=["slow_mode_seconds"])
    _audit(user, "room.slow_mode", room=room, seconds=seconds)
    frame = protocol.encode({"type": "slow_mode", "seconds": seconds})
    publish_room_frame(room_group(room.pk), frame)
    return room


# --- Revealing identity --------------------------------------------------------------------------


def moderator_group(user_id: int) -> str:
    """Channel-layer group of one moderator's sockets: revealed identities go there and nowhere else."""
    return f"moderator.{user_id}"


def _identity(member: Membership) -> dict:
    user = member.user
    return {"username": user.username, "name": user.get_full_name(), "email": user.email}


def _reveal_context_message(request: RevealRequest) -> Message:
    """The escalated or flagged message a reveal request was made about."""
    return (request.escalation or request.flag).message


def _reveal(request: RevealRequest, approver=None) -> None:
    request.status = RevealRequest.Status.REVEALED
    request.approved_by = approver
    request.revealed_at = timezone.now()
    request.save(update_fields=["status", "approved_by", "revealed_at"])
    _audit(
        approver or request.requested_by,
        "identity.reveal",
        room=request.member.room,
        message=_reveal_context_message(request),
        member=request.member,
        reason=request.reason,
        request=request.pk,
        requested_by=request.requested_by_id,
    )
    frame = protocol.encode(
        {
            "type": "identity.revealed",
            "request": request.pk,
            "room": request.member.room.slug,
            "alias": request.member.alias,
            "identity": _identity(request.member),
        }
    )
    publish_on_commit(moderator_group(request.requested_by_id), {"type": "moderation.frame", "frame": frame})


@transaction.atomic
def do_request_reveal(moderator, reason: str, escalation_id: int | None, flag_id: int | None) -> RevealRequest:
    """Ask who wrote an escalated or flagged message.

    Revealed at once for escalations about the author's own risk at REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL or
    above; otherwise it waits for a second moderator. An ``about_other`` escalation always waits: its level is
    the risk of the person the author worried about, not the author's, so it cannot justify unmasking the
    author on one moderator's word. The identity is sent only to the requesting moderator's own sockets.
    """
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a written reason is required to reveal an identity")
    if (escalation_id is None) == (flag_id is None):
        raise ProtocolError(BAD_REQUEST, "a reveal must name exactly one escalation or flag")
    if escalation_id is not None:
        context = _escalation(escalation_id, lock=False)
        # The level that may waive the second moderator is the author's own risk, never someone else's.
        level = 0 if context.about_other else context.level
    else:
        try:
            context = Flag.objects.select_related("message__author", "room").get(pk=flag_id)
        except Flag.DoesNotExist:
            raise ProtocolError(NOT_FOUND, f"no flag {flag_id}") from None
        level = 0
    request = RevealRequest.objects.create(
        member=context.message.author,
        escalation=context if escalation_id is not None else None,
        flag=context if flag_id is not None else None,
        requested_by=moderator,
        reason=reason.strip(),
    )
    _audit(
        moderator,
        "identity.reveal_request",
        room=context.room,
        message=context.message,
        member=request.member,
        reason=request.reason,
    )
    threshold = settings.REVEAL_WITHOUT_SECOND_APPROVAL_LEVEL
    if threshold and level >= threshold:
        _reveal(request)
    else:
        frame = protocol.encode(
            {
                "type": "reveal.requested",
                "request": request.pk,
                "room": context.room.slug,
                "escalation" if escalation_id is not None else "flag": context.pk,
                # The author as the message showed them: the alias only if it was posted under the alias.
                "alias": shown_alias(context.message),
                "shown_as": context.message.author_name,
                "reason": request.reason,
            }
        )
        publish_on_commit(MODERATORS_GROUP, {"type": "moderation.frame", "frame": frame})
    return request


@transaction.atomic
def do_approve_reveal(moderator, request_id: int) -> RevealRequest:
    """A second moderator approves a pending reveal; the requester then receives the identity."""
    check_moderator(moderator)
    try:
        request = (
            RevealRequest.objects.select_for_update(of=("self",))
            .select_related("member__user", "member__room")
            .get(pk=request_id)
        )
    except RevealRequest.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no reveal request {request_id}") from None
    if request.status != RevealRequest.Status.PENDING:
        raise ProtocolError(BAD_REQUEST, "this request was already decided")
    if request.requested_by_id == moderator.pk:
        raise ProtocolError(FORBIDDEN, "a second moderator must approve your own request")
    _reveal(request, approver=moderator)
    return request


def reveals_of(user) -> list[dict]:
    """What a student may see about reveals of their identity: when, by which role, why, in which room."""
    requests = RevealRequest.objects.filter(member__user=user, status=RevealRequest.Status.REVEALED).select_related(
        "member__room", "requested_by"
    )
    return [
        {
            "when": r.revealed_at,
            "room": r.member.room.title,
            "by_role": r.requested_by.get_role_display(),
            "approved_by_second_moderator": r.approved_by_id is not None,
            "reason": r.reason,
        }
        for r in requests.order_by("-revealed_at")
    ]
