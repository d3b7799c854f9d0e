"""Domain actions for rooms: ``check_*`` validates and raises ProtocolError, ``do_*`` writes.

Every function here is synchronous and runs in a database thread; consumers call them through
``database_sync_to_async``. Events go out only after commit (``publish_on_commit``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chatserver.models import User
from chatserver.names import name_problems
from moderation import pipeline
from moderation.support import support_frame, worried_peer_frame

from . import circle, protocol, rows, sessions
from .aliases import pick_alias
from .events import publish_on_commit
from .history import visible_to
from .identity import shown_name
from .models import AnonymityPolicy, Membership, Message, MessageState, Report, Room
from .moderation_hooks import moderation
from .protocol import FORBIDDEN, MUTED, NOT_FOUND, RATE_LIMITED, ROOM_CLOSED, ProtocolError
from .replies import check_reply_target
from .sanctions import is_muted

logger = logging.getLogger(__name__)

# How many of the author's previous messages the moderation pipeline sees as context.
REVIEW_CONTEXT_MESSAGES = pipeline.RECENT_MESSAGES_CONSIDERED


class RoomNotFound(Exception):
    pass


class MemberBanned(Exception):
    pass


def get_room(slug: str) -> Room:
    """Return the active room with this slug, or raise RoomNotFound."""
    try:
        return Room.objects.get(slug=slug, is_active=True)
    except Room.DoesNotExist:
        raise RoomNotFound(slug) from None


def anonymous_by_policy(room: Room, user: User, wanted: bool) -> bool:
    """Return whether ``user`` posts anonymously in ``room`` given what they asked for."""
    if not user.may_post_anonymously or room.anonymity == AnonymityPolicy.OFF:
        return False
    if room.anonymity == AnonymityPolicy.REQUIRED:
        return True
    return wanted


def find_membership(user: User, slug: str) -> Membership | None:
    """Return the user's membership in the active room ``slug``, with its room and user attached, or None when
    there is none yet (or no such room: ``get_room`` tells which).

    One query, for the join every socket makes (rooms.rows). Raise MemberBanned when the user is banned there.
    """
    found = rows.read_one(
        (Membership, Room),
        f"{rows.table(Membership)} t0 JOIN {rows.table(Room)} t1 ON t1.id = t0.room_id",
        "t0.user_id = %s AND t1.slug = %s AND t1.is_active = %s",
        [user.pk, slug, True],
    )
    if found is None:
        return None
    membership, room = found
    if membership.is_banned:
        raise MemberBanned()
    if anonymous_by_policy(room, user, membership.is_anonymous) != membership.is_anonymous:
        return None  # the room's policy changed since the last visit: do_join_room applies it
    membership.room, membership.user = room, user
    return membership


def do_join_room(user: User, room: Room) -> Membership:
    """Return the user's membership in the room, creating it (with a fresh alias) on first join.

    Raise MemberBanned when the user is banned from the room.
    """
    membership = Membership.objects.filter(user=user, room=room).first()
    for _attempt in range(5):
        if membership is not None:
            break
        taken = set(Membership.objects.filter(room=room).values_list("alias", flat=True))
        taken.update(Membership.objects.filter(user=user).values_list("alias", flat=True))
        try:
            with transaction.atomic():
                # Students start anonymous where the room allows it: the safer default.
                membership = Membership.objects.create(
                    user=user,
                    room=room,
                    alias=pick_alias(taken),
                    is_anonymous=anonymous_by_policy(room, user, wanted=True),
                )
        except IntegrityError:
            # Another tab joined at the same moment, or the alias was taken meanwhile: look again.
            membership = Membership.objects.filter(user=user, room=room).first()
    if membership is None:
        raise RuntimeError("could not create a membership")
    if membership.is_banned:
        raise MemberBanned()
    # The room's policy may have changed since the last visit.
    expected = anonymous_by_policy(room, user, membership.is_anonymous)
    if expected != membership.is_anonymous:
        membership.is_anonymous = expected
        membership.save(update_fields=["is_anonymous"])
    return membership


def check_name_may_be_shown(membership: Membership) -> None:
    """Raise ProtocolError(FORBIDDEN) when the member's name would pass for a role badge or an alias in the room.

    Names are checked where they are set (chatserver/names.py); this stops a name set before those checks, or
    one equal to an alias an operator typed by hand, from appearing beside the room's aliases.
    """
    name = membership.user.display_name
    problems = name_problems(name)
    if not problems and Membership.objects.filter(room_id=membership.room_id, alias__iexact=name).exists():
        problems = ["it is the alias of a member of this room."]
    if problems:
        raise ProtocolError(
            FORBIDDEN,
            f"your name cannot be shown in this room: {problems[0]} "
            "Ask an operator to change it; until then you post under your alias.",
        )


def do_set_identity(membership_id: int, anonymous: bool) -> Membership:
    """Switch between alias and name for future messages. Raise ProtocolError(FORBIDDEN) if not allowed."""
    membership = Membership.objects.select_related("user", "room").get(pk=membership_id)
    if anonymous_by_policy(membership.room, membership.user, anonymous) != anonymous:
        if anonymous and not membership.user.may_post_anonymously:
            detail = "mentors, facilitators and moderators always post under their name"
        elif anonymous:
            detail = "this room does not allow anonymous posting"
        else:
            detail = "this room requires posting under your alias"
        raise ProtocolError(FORBIDDEN, detail)
    if membership.is_anonymous != anonymous:
        circle.check_may_switch_identity(membership)
        if not anonymous:
            check_name_may_be_shown(membership)
        membership.is_anonymous = anonymous
        membership.save(update_fields=["is_anonymous"])
    return membership


def check_can_send(membership: Membership, client_id: str | None = None) -> None:
    """Raise ProtocolError unless the member may post in the room right now."""
    if membership.is_banned:
        raise ProtocolError(FORBIDDEN, "you are banned from this room", client_id)
    if is_muted(membership):
        # The client shows the end time in the reader's own time zone (room.joined ``you.muted_until``).
        reason = f": {membership.mute_reason}" if membership.mute_reason else ""
        raise ProtocolError(MUTED, f"a moderator muted you in this room for now{reason}", client_id)
    room = membership.room
    if not room.is_active or not room.posting_open:
        raise ProtocolError(ROOM_CLOSED, "this room is closed for new messages", client_id)
    if room.open_during_sessions_only and not sessions.in_session(room, timezone.now()):
        upcoming = sessions.upcoming(room, timezone.now(), limit=1)
        when = f"; the next session starts {upcoming[0].starts_at.isoformat()}" if upcoming else ""
        raise ProtocolError(ROOM_CLOSED, f"this room is open during its sessions only{when}", client_id)


def check_slow_mode(membership: Membership, client_id: str | None = None) -> None:
    """Raise ProtocolError(RATE_LIMITED) when the room is in slow mode and the member posted too recently."""
    seconds = membership.room.slow_mode_seconds
    if not seconds:
        return
    last = Message.objects.filter(author=membership).order_by("-seq").values_list("created_at", flat=True).first()
    if last is not None:
        wait = seconds - (timezone.now() - last).total_seconds()
        if wait > 0:
            raise ProtocolError(
                RATE_LIMITED, f"slow mode: one message every {seconds} s; wait {wait:.0f} s", client_id
            )


@dataclass(frozen=True)
class SendResult:
    """What the sender is told. ``duplicate`` is True when client_id had been seen: nothing was created."""

    client_id: str
    status: str  # delivered | held | blocked
    seq: int | None = None
    reason: str | None = None
    duplicate: bool = False
    # Above 0 when the message shows signs of crisis: the author gets a private support frame.
    crisis_level: int = 0
    # The author sounds worried about someone else at risk: they get helper resources.
    concern_for_other: bool = False
    # What they report about that person was escalated to moderators (the card says so).
    concern_escalated: bool = False

    def support(self) -> dict | None:
        """The private support frame this result calls for, if any."""
        if self.duplicate or not (self.crisis_level > 0 or self.concern_for_other):
            return None
        return support_frame(self.crisis_level, for_other=self.concern_for_other, shared=self.concern_escalated)

    def ack_frame(self) -> dict:
        frame = {"type": "message.ack", "client_id": self.client_id, "seq": self.seq, "status": self.status}
        if self.reason:
            frame["reason"] = self.reason
        return frame


HELD_REASON = "shared with a moderator before it appears in the room"


def _result_for_existing(message: Message) -> SendResult:
    status = "held" if message.state == MessageState.HELD else "delivered"
    reason = HELD_REASON if status == "held" else None
    return SendResult(client_id=message.client_id, status=status, seq=message.seq, reason=reason, duplicate=True)


def existing_send_result(membership_id: int, client_id: str) -> SendResult | None:
    """Return the ack of a message this member already sent with ``client_id``, if any."""
    existing = Message.objects.filter(author_id=membership_id, client_id=client_id).first()
    return None if existing is None else _result_for_existing(existing)


def do_send_message(membership_id: int, client_id: str, body: str, reply_to: int | None = None) -> SendResult:
    """Store a message and broadcast it after commit. Idempotent on (author, client_id).

    Precondition: ``body`` passed protocol validation (non-empty, within the length limit).
    ``reply_to`` is the seq of a message it answers (replies.check_reply_target). Raise ProtocolError when the
    member may not post.
    """
    membership = _sender(membership_id)
    stored = _stored_message(membership_id, client_id)
    if stored is not None:
        return _result_for_existing(stored)
    check_can_send(membership, client_id)
    check_slow_mode(membership, client_id)
    circle.check_turn(membership, client_id)
    original = None if reply_to is None else check_reply_target(membership, reply_to, client_id)

    recent = _recent_bodies(membership_id, REVIEW_CONTEXT_MESSAGES)
    decision = pipeline.review(
        body,
        pipeline.ReviewContext(
            room_slug=membership.room.slug,
            author_anonymous=membership.is_anonymous,
            recent_messages=tuple(reversed(recent)),
            crisis_sensitivity=settings.CRISIS_SENSITIVITY,
        ),
        moderation().active_rules(),
    )
    # The pipeline never blocks a message with crisis signs (it escalates instead), so a blocked message
    # needs no support frame.
    if decision.action == pipeline.BLOCK:
        # A concurrent resend of this client_id may have been stored since we looked (and would now
        # count as a "repeated message"): the resend must get the original's ack, not a block.
        existing = Message.objects.filter(author=membership, client_id=client_id).first()
        if existing is not None:
            return _result_for_existing(existing)
        return SendResult(client_id=client_id, status="blocked", reason=decision.reason or "not allowed here")
    hold_level = settings.CRISIS_HOLD_LEVEL
    held_for_crisis = bool(hold_level) and decision.crisis_level >= hold_level and decision.hold_for_crisis
    # decision.hold_reason also covers an escalated message that carries personal details.
    held = decision.hold_reason is not None or held_for_crisis
    state = MessageState.HELD if held else MessageState.VISIBLE

    try:
        with transaction.atomic():
            # Counting the seq locks the room's row until commit, serialising senders in this room
            # (PostgreSQL); SQLite serialises all writers with BEGIN IMMEDIATE. Either way seq has no gap
            # and no duplicate.
            room = membership.room
            room.last_seq, worried_card_sent_at = next_seq(room.pk)
            now = timezone.now()
            # Read under the room's row lock (taken by next_seq): the once-an-hour limit holds across processes.
            worries_peers = (
                state == MessageState.VISIBLE
                and decision.crisis_level >= 1
                and _worried_card_due(worried_card_sent_at, now)
            )
            if worries_peers:
                Room.objects.filter(pk=room.pk).update(worried_card_sent_at=now)
                room.worried_card_sent_at = now
            message = Message.objects.create(
                room=room,
                seq=room.last_seq,
                author=membership,
                author_anonymous=membership.is_anonymous,
                author_name=shown_name(membership),
                author_role=membership.user.role,
                body=decision.text,
                client_id=client_id,
                state=state,
                reply_to=original,
            )
            # The outbox: an escalation or flag commits with its message, or neither does.
            moderation().record_decision(message, decision)
            if state == MessageState.VISIBLE:
                publish_on_commit(room.group_name, room_message_event(message))
            if worries_peers:
                publish_on_commit(room.group_name, worried_card_event(membership))
    except IntegrityError:
        # The same client_id raced in from another connection and won; report what it stored.
        existing = Message.objects.filter(author=membership, client_id=client_id).first()
        if existing is None:
            raise
        return _result_for_existing(existing)
    if state == MessageState.HELD:
        return SendResult(
            client_id=client_id,
            status="held",
            seq=message.seq,
            reason=decision.hold_reason or HELD_REASON,
            crisis_level=decision.crisis_level,
            concern_for_other=decision.concern_for_other,
            concern_escalated=decision.concern_escalated,
        )
    return SendResult(
        client_id=client_id,
        status="delivered",
        seq=message.seq,
        crisis_level=decision.crisis_level,
        concern_for_other=decision.concern_for_other,
        concern_escalated=decision.concern_escalated,
    )


def _worried_card_due(last_sent, now) -> bool:
    """Whether the room's members may get the worried-peer card now: none sent within the interval before ``now``.

    Precondition: ``last_sent`` was read under the room's row lock, taken by the sender's transaction.
    """
    interval = timedelta(seconds=settings.CHAT_WORRIED_CARD_INTERVAL_SECONDS)
    return last_sent is None or now - last_sent >= interval


def worried_card_event(author: Membership) -> dict:
    """The channel-layer event of the "If a message here worries you" card: every member's sockets but the
    author's show it (``except_member`` stays on the server; the frame names no one and no message)."""
    return {"type": "room.worried", "frame": protocol.encode(worried_peer_frame()), "except_member": author.pk}


# The three reads every send makes before moderation, in SQL written once: building them with the ORM cost more
# CPU than the rest of the send's Python (py-spy, docs/benchmarks.md), and they are simple lookups by index.
def _sender(membership_id: int) -> Membership:
    """Return the membership with its user and room attached. Raise Membership.DoesNotExist when there is none."""
    found = rows.read_one(
        (Membership, User, Room),
        f"{rows.table(Membership)} t0 JOIN {rows.table(User)} t1 ON t1.id = t0.user_id "
        f"JOIN {rows.table(Room)} t2 ON t2.id = t0.room_id",
        "t0.id = %s",
        [membership_id],
    )
    if found is None:
        raise Membership.DoesNotExist(f"no membership {membership_id}")
    membership, membership.user, membership.room = found
    return membership


def _stored_message(membership_id: int, client_id: str) -> Message | None:
    """Return the message this member already stored with ``client_id`` (its seq and state only), if any."""
    table = rows.table(Message)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, state FROM {table} WHERE author_id = %s AND client_id = %s", [membership_id, client_id]
        )
        row = cursor.fetchone()
    return None if row is None else Message(seq=row[0], state=row[1], client_id=client_id)


def _recent_bodies(membership_id: int, count: int) -> list[str]:
    """Return the bodies of the member's last ``count`` messages, newest first."""
    table = rows.table(Message)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT body FROM {table} WHERE author_id = %s ORDER BY seq DESC LIMIT %s", [membership_id, count]
        )
        return [body for (body,) in cursor.fetchall()]


def next_seq(room_id: int) -> tuple[int, datetime | None]:
    """Count the room's next seq and return it with when the room's members last got the worried-peer card, in one
    round trip; the room's row stays locked until commit.

    Precondition: inside a transaction. One UPDATE ... RETURNING instead of SELECT ... FOR UPDATE and an UPDATE:
    a send is a few round trips, and this one is inside the room's lock, where it delays the room's next sender.
    """
    table = rows.table(Room)
    column = connection.ops.quote_name(Room._meta.get_field("last_seq").column)
    worried = connection.ops.quote_name(Room._meta.get_field("worried_card_sent_at").column)
    key = connection.ops.quote_name(Room._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}, {worried}", [room_id]
        )
        seq, worried_card_sent_at = cursor.fetchone()
    # Raw SQL gives SQLite's timestamps as text: convert as the ORM would.
    return seq, rows.value_of(Room, "worried_card_sent_at", worried_card_sent_at)


def room_message_event(message: Message) -> dict:
    """The channel-layer event for a new visible message: serialised once, sent to every member as is."""
    return {"type": "room.message", "frame": protocol.encode(protocol.message_payload(message))}


def do_report_message(membership_id: int, seq: int, reason: str) -> Report:
    """Store a member's report of a message they can see, and put the message in the moderators' queue.

    Reporting the same message again changes nothing. Reports from CHAT_REPORTS_TO_HIDE different members
    whose accounts are at least CHAT_REPORT_MIN_ACCOUNT_AGE_HOURS old hide the message from the room until a
    moderator approves or removes it; newer accounts' reports reach the moderators only.
    """
    membership = Membership.objects.get(pk=membership_id)
    message = visible_to(membership.room_id, membership).filter(seq=seq).first()
    if message is None:
        raise ProtocolError(NOT_FOUND, f"no message {seq} in this room")
    if message.author_id == membership.pk:
        raise ProtocolError(FORBIDDEN, "you cannot report your own message")
    with transaction.atomic():
        # Lock the message: concurrent reports must count each other before deciding to hide it.
        message = Message.objects.select_for_update().get(pk=message.pk)
        report, created = Report.objects.get_or_create(
            message=message, reporter=membership, defaults={"reason": reason}
        )
        if created:
            established_before = timezone.now() - timedelta(hours=settings.CHAT_REPORT_MIN_ACCOUNT_AGE_HOURS)
            moderation().record_report(message, settings.CHAT_REPORTS_TO_HIDE, established_before)
    return report
