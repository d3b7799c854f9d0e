"""Private check-ins: a conversation between one student and staff, opened by a moderator from an escalation or a
flag, or asked for by the student ("Talk to a moderator privately").

Who may read one (``check_access``): its student; every moderator; a mentor a moderator invited, who must be
assigned to the check-in's room. Nobody else, ever. Staff write under their name and role; the student is shown as
``CheckIn.student_shown_as`` (how the room showed them where they were seen), never with their name beside an alias.

Same guarantees as rooms: each message is stored before anyone hears of it, gets the next ``seq`` of its check-in
under a row lock, and a resend with the same ``client_id`` creates nothing. Messages go through
``moderation.pipeline.review``; a crisis message is never held from the staff already there: it is delivered and
marks the check-in urgent.

The escalation a check-in came from follows the outreach: acknowledged when the check-in opens, contacted when
staff first write, replied when the student first answers, resolved with the check-in. Every step is audited.
Audit entries about what the student did carry no actor: the audit log names actors by username, and that beside
the alias would unmask them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chatserver.models import Role, User
from core.events import publish_on_commit
from rooms import protocol
from rooms.identity import shown_name
from rooms.models import Membership, Room
from rooms.protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, ROOM_CLOSED, ProtocolError

from . import pipeline, queue_actions, rule_store
from .models import (
    CheckIn,
    CheckInMessage,
    CheckInStaff,
    CheckInStatus,
    Escalation,
    EscalationStatus,
    Flag,
    RevealRequest,
)
from .outbox import escalation_timer
from .payloads import escalation_payload, push_to_moderators
from .support import support_frame
from .targets import audit, check_moderator, get_escalation

# How a student who asked from outside a room (no alias to be seen under) is shown to staff.
ANONYMOUS_STUDENT = "Anonymous student"
STUDENT = "student"
STAFF = "staff"
NOTE_MAX_CHARS = 2000


def checkin_group(checkin_id: int) -> str:
    """Channel-layer group of every socket open on one check-in."""
    return f"checkin.{checkin_id}"


def notice_group(user_id: int) -> str:
    """Channel-layer group of one user's notice sockets (/ws/notices/: one in every open tab).

    Not ``chatserver.access.user_group``: room sockets are in that group too, and have no handler for these events.
    """
    return f"notices.{user_id}"


def _notify_user(user_id: int, frame: dict) -> None:
    publish_on_commit(notice_group(user_id), {"type": "notice.frame", "frame": protocol.encode(frame)})


def _publish_to_checkin(checkin: CheckIn, frame: dict) -> None:
    publish_on_commit(checkin_group(checkin.pk), {"type": "checkin.frame", "frame": protocol.encode(frame)})


# Access --------------------------------------------------------------------------------------------------------


def get_checkin(checkin_id: int, *, lock: bool = False) -> CheckIn:
    query = CheckIn.objects.select_related("room", "student", "opened_by", "escalation")
    if lock:
        query = query.select_for_update(of=("self",))
    try:
        return query.get(pk=checkin_id)
    except CheckIn.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no check-in {checkin_id}") from None


def access_of(user, checkin: CheckIn) -> str | None:
    """Return STUDENT or STAFF for a user who may read ``checkin``, else None."""
    if not (user.is_authenticated and user.is_active):
        return None
    if checkin.student_id == user.pk:
        return STUDENT
    if user.is_moderator:
        return STAFF
    if user.role == Role.MENTOR and checkin.room_id is not None:
        invited = CheckInStaff.objects.filter(checkin=checkin, user=user).exists()
        if invited and checkin.room.facilitators.filter(pk=user.pk).exists():
            return STAFF
    return None


def check_access(user, checkin: CheckIn) -> str:
    """Return STUDENT or STAFF; raise ProtocolError(FORBIDDEN) for anyone else (another student, an uninvited
    mentor, a facilitator)."""
    side = access_of(user, checkin)
    if side is None:
        raise ProtocolError(FORBIDDEN, "this check-in is private")
    return side


# Payloads ------------------------------------------------------------------------------------------------------


def _room_payload(room: Room | None) -> dict | None:
    return {"slug": room.slug, "title": room.title} if room is not None else None


def message_payload(message: CheckInMessage, *, for_user_id: int | None = None) -> dict:
    """The protocol object of a check-in message; ``client_id`` only for its author."""
    return {
        "type": "message",
        "seq": message.seq,
        "client_id": message.client_id if message.author_id == for_user_id else None,
        "author": {"name": message.author_name, "role": message.author_role, "student": message.from_student},
        "kind": message.kind,
        "body": message.body,
        "sent_at": message.created_at.isoformat(),
        # Emptied by retention: the text is gone, the place in the conversation stays.
        "deleted": message.deleted_at is not None,
    }


def _staff_of(checkin: CheckIn) -> list[dict]:
    """Staff in the check-in, as the student sees them: whoever opened it, invited mentors, anyone who wrote."""
    people = {}
    if checkin.opened_by is not None:
        people[checkin.opened_by.pk] = checkin.opened_by
    for invite in CheckInStaff.objects.filter(checkin=checkin).select_related("user"):
        people[invite.user.pk] = invite.user
    writers = CheckInMessage.objects.filter(checkin=checkin, from_student=False).values_list("author_id", flat=True)
    for user in User.objects.filter(pk__in=set(writers) - set(people)):
        people[user.pk] = user
    return [{"name": u.display_name, "role": u.role} for u in sorted(people.values(), key=lambda u: u.display_name)]


def checkin_payload(checkin: CheckIn) -> dict:
    """What staff receive about a check-in in the queue: no message text, and the student only as shown."""
    return {
        "id": checkin.pk,
        "kind": checkin.origin,
        "status": checkin.status,
        "urgent": checkin.urgent,
        "crisis_level": checkin.crisis_level,
        "student": {"name": checkin.student_shown_as, "anonymous": checkin.student_anonymous},
        "room": _room_payload(checkin.room),
        "escalation": checkin.escalation_id,
        "flag": checkin.flag_id,
        "opened_by": (
            {"name": checkin.opened_by.display_name, "role": checkin.opened_by.role} if checkin.opened_by else None
        ),
        "awaiting": checkin.awaiting or None,
        "last_seq": checkin.last_seq,
        "created_at": checkin.created_at.isoformat(),
        "resolved_at": checkin.resolved_at.isoformat() if checkin.resolved_at else None,
        "url": f"/checkins/{checkin.pk}/",
    }


def unread_count(checkin: CheckIn) -> int:
    return CheckInMessage.objects.filter(checkin=checkin, from_student=False, seq__gt=checkin.student_read_seq).count()


def student_summary(checkin: CheckIn, unread: int | None = None) -> dict:
    """What the student's own tabs receive about one of their check-ins."""
    return {
        "id": checkin.pk,
        "status": checkin.status,
        "asked_by_you": checkin.origin == CheckIn.Origin.REQUEST,
        "room": _room_payload(checkin.room),
        "unread": unread_count(checkin) if unread is None else unread,
        "created_at": checkin.created_at.isoformat(),
        "url": f"/checkins/{checkin.pk}/",
    }


def _push_checkin(checkin: CheckIn, frame_type: str = "checkin.updated") -> None:
    push_to_moderators(frame_type, "checkin", checkin_payload(checkin))


# Opening -------------------------------------------------------------------------------------------------------


def _revealed(member: Membership) -> bool:
    return RevealRequest.objects.filter(member=member, status=RevealRequest.Status.REVEALED).exists()


def _shown_for_message(message) -> tuple[str, bool]:
    """How staff see the author of a room message in a check-in: as the message showed them, or by name once a
    reveal of that member was approved (never both)."""
    member = message.author
    if message.author_anonymous and _revealed(member):
        return member.user.display_name, False
    return message.author_name, message.author_anonymous


def _announce_opened(checkin: CheckIn) -> None:
    _push_checkin(checkin, "checkin.new")
    _notify_user(checkin.student_id, {"type": "checkin.opened", "checkin": student_summary(checkin, unread=0)})


def _acknowledge(escalation: Escalation, moderator) -> None:
    """Opening a check-in from an open escalation acknowledges it: someone is on it."""
    if escalation.status == EscalationStatus.OPEN:
        queue_actions.do_acknowledge_escalation(moderator, escalation.pk)


@transaction.atomic
def do_open_from_escalation(moderator, escalation_id: int) -> tuple[CheckIn, bool]:
    """Open a check-in with the author of an escalated message; return it and whether it is new.

    An escalation has at most one open check-in: opening again returns it.
    """
    check_moderator(moderator)
    escalation = get_escalation(escalation_id)
    existing = escalation.checkins.filter(status=CheckInStatus.OPEN).first()
    if existing is not None:
        return get_checkin(existing.pk), False
    message = escalation.message
    shown_as, anonymous = _shown_for_message(message)
    checkin = CheckIn.objects.create(
        student_id=message.author.user_id,
        origin=CheckIn.Origin.ESCALATION,
        room=escalation.room,
        escalation=escalation,
        student_shown_as=shown_as,
        student_anonymous=anonymous,
        opened_by=moderator,
    )
    _acknowledge(escalation, moderator)
    audit(moderator, "checkin.open", room=escalation.room, message=message, checkin=checkin.pk, origin="escalation")
    checkin = get_checkin(checkin.pk)
    _announce_opened(checkin)
    return checkin, True


@transaction.atomic
def do_open_from_flag(moderator, flag_id: int) -> tuple[CheckIn, bool]:
    """Open a check-in with the author of a flagged message; return it and whether it is new.

    A flag has at most one open check-in: the flag's row is locked, as an escalation's is, so a second
    moderator opening it at the same moment waits and gets the first one back.
    """
    check_moderator(moderator)
    try:
        flag = (
            Flag.objects.select_related("message__author__user", "room")
            .select_for_update(of=("self",))
            .get(pk=flag_id)
        )
    except Flag.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no flag {flag_id}") from None
    existing = flag.checkins.filter(status=CheckInStatus.OPEN).first()
    if existing is not None:
        return get_checkin(existing.pk), False
    shown_as, anonymous = _shown_for_message(flag.message)
    checkin = CheckIn.objects.create(
        student_id=flag.message.author.user_id,
        origin=CheckIn.Origin.FLAG,
        room=flag.room,
        flag=flag,
        student_shown_as=shown_as,
        student_anonymous=anonymous,
        opened_by=moderator,
    )
    audit(moderator, "checkin.open", room=flag.room, message=flag.message, checkin=checkin.pk, origin="flag")
    checkin = get_checkin(checkin.pk)
    _announce_opened(checkin)
    return checkin, True


@transaction.atomic
def do_request_checkin(user, room_slug: str | None = None) -> tuple[CheckIn, bool]:
    """The student asks to talk to a moderator privately; return the check-in and whether it is new.

    Asked from a room, staff see them as that room shows them now (their alias there, or their name); asked from
    anywhere else, a student is shown as ANONYMOUS_STUDENT. A student has at most one open request: asking again
    returns it.
    """
    if not user.is_authenticated:
        raise ProtocolError(FORBIDDEN, "log in first")
    if user.is_moderator:
        raise ProtocolError(FORBIDDEN, "moderators are the ones students talk to")
    # Lock the account's row: two tabs asking at once must land on one request.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = CheckIn.objects.filter(student=user, origin=CheckIn.Origin.REQUEST, status=CheckInStatus.OPEN).first()
    if existing is not None:
        return get_checkin(existing.pk), False
    room = None
    membership = None
    if room_slug:
        room = Room.objects.filter(slug=room_slug, is_active=True).first()
        if room is None:
            raise ProtocolError(NOT_FOUND, f"no room {room_slug!r}")
        membership = Membership.objects.filter(user=user, room=room).select_related("user").first()
    if membership is not None:
        shown_as, anonymous = shown_name(membership), membership.is_anonymous
    elif user.may_post_anonymously:
        shown_as, anonymous = ANONYMOUS_STUDENT, True
    else:
        shown_as, anonymous = user.display_name, False
    checkin = CheckIn.objects.create(
        student=user,
        origin=CheckIn.Origin.REQUEST,
        room=room,
        student_shown_as=shown_as,
        student_anonymous=anonymous,
        awaiting=STAFF,
    )
    audit(None, "checkin.request", room=room, checkin=checkin.pk, by="student")
    checkin = get_checkin(checkin.pk)
    _announce_opened(checkin)
    return checkin, True


@transaction.atomic
def do_invite_mentor(moderator, checkin_id: int, username: str) -> CheckInStaff:
    """Invite a mentor assigned to the check-in's room. Inviting twice changes nothing."""
    check_moderator(moderator)
    checkin = get_checkin(checkin_id, lock=True)
    mentor = User.objects.filter(username=username, is_active=True).first()
    if mentor is None:
        raise ProtocolError(NOT_FOUND, f"no user {username!r}")
    if mentor.role != Role.MENTOR:
        raise ProtocolError(FORBIDDEN, "only mentors can be invited into a check-in")
    if checkin.room is None or not checkin.room.facilitators.filter(pk=mentor.pk).exists():
        raise ProtocolError(FORBIDDEN, "only a mentor assigned to the check-in's room can be invited")
    invite, created = CheckInStaff.objects.get_or_create(
        checkin=checkin, user=mentor, defaults={"invited_by": moderator}
    )
    if created:
        audit(moderator, "checkin.invite", room=checkin.room, checkin=checkin.pk, mentor=mentor.username)
        _publish_to_checkin(checkin, {"type": "checkin.staff", "staff": _staff_of(checkin)})
        _notify_user(mentor.pk, {"type": "checkin.invited", "checkin": checkin.pk, "url": f"/checkins/{checkin.pk}/"})
    return invite


@transaction.atomic
def do_resolve_checkin(moderator, checkin_id: int, note: str) -> CheckIn:
    """Close a check-in with a note (required); the escalation it came from is resolved with the same note."""
    check_moderator(moderator)
    note = note.strip()
    if not note:
        raise ProtocolError(BAD_REQUEST, "a resolution note is required")
    checkin = get_checkin(checkin_id, lock=True)
    if checkin.status == CheckInStatus.RESOLVED:
        raise ProtocolError(BAD_REQUEST, "already resolved")
    checkin.status = CheckInStatus.RESOLVED
    checkin.resolved_at, checkin.resolved_by, checkin.resolution_note = timezone.now(), moderator, note
    checkin.reply_due_at = None
    checkin.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "reply_due_at"])
    audit(moderator, "checkin.resolve", room=checkin.room, reason=note, checkin=checkin.pk)
    if checkin.escalation is not None and checkin.escalation.status != EscalationStatus.RESOLVED:
        queue_actions.do_resolve_escalation(moderator, checkin.escalation_id, note)
    _publish_to_checkin(checkin, {"type": "checkin.resolved", "at": checkin.resolved_at.isoformat()})
    _notify_user(checkin.student_id, {"type": "checkin.updated", "checkin": student_summary(checkin)})
    _push_checkin(checkin)
    return checkin


# Messages ------------------------------------------------------------------------------------------------------

# The canned answer behind "I'm OK, thanks".
OK_REPLY = "I'm OK, thanks."


@dataclass(frozen=True)
class CheckInSendResult:
    client_id: str
    status: str  # delivered | blocked
    seq: int | None = None
    reason: str | None = None
    duplicate: bool = False
    crisis_level: int = 0  # the student's message showed signs of crisis: they get the support frame

    def ack_frame(self) -> dict:
        frame = {"type": "message.ack", "client_id": self.client_id, "seq": self.seq, "status": self.status}
        if self.reason:
            frame["reason"] = self.reason
        return frame

    def support(self) -> dict | None:
        if self.duplicate or self.crisis_level <= 0:
            return None
        return support_frame(self.crisis_level)


def existing_send_result(checkin_id: int, user, client_id: str) -> CheckInSendResult | None:
    stored = CheckInMessage.objects.filter(checkin_id=checkin_id, author=user, client_id=client_id).first()
    if stored is None:
        return None
    return CheckInSendResult(client_id=client_id, status="delivered", seq=stored.seq, duplicate=True)


def _review(checkin: CheckIn, user, side: str, body: str) -> pipeline.Decision:
    recent = CheckInMessage.objects.filter(checkin=checkin, author=user).order_by("-seq")
    recent_bodies = tuple(reversed(list(recent.values_list("body", flat=True)[: pipeline.RECENT_MESSAGES_CONSIDERED])))
    context = pipeline.ReviewContext(
        room_slug=checkin.room.slug if checkin.room else "",
        # Everyone reading a check-in is staff or the student themselves: personal details are not held here.
        author_anonymous=False,
        recent_messages=recent_bodies,
        crisis_sensitivity=settings.CRISIS_SENSITIVITY,
    )
    return pipeline.review(body, context, rule_store.active_rules())


def _record_outreach(checkin: CheckIn, side: str, user, kind: str, crisis_level: int, now) -> list[str]:
    """Move the check-in and its escalation along the outreach; return the CheckIn fields changed.

    Precondition: inside the message's transaction, holding the check-in's row lock.
    """
    changed = ["last_seq", "awaiting", "reply_due_at", "staff_due_at"]
    escalation = checkin.escalation
    if side == STAFF:
        checkin.awaiting, checkin.staff_due_at = STUDENT, None
        if checkin.reply_due_at is None:
            checkin.reply_due_at = now + timedelta(seconds=settings.CHECKIN_REPLY_REMINDER_SECONDS)
        first_from_staff = not checkin.messages.filter(from_student=False, seq__lt=checkin.last_seq).exists()
        if escalation is not None and escalation.status in (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED):
            if escalation.acknowledged_at is None:
                escalation.acknowledged_at, escalation.acknowledged_by = now, user
            escalation.status, escalation.contacted_at = EscalationStatus.CONTACTED, now
            escalation.save(update_fields=["status", "contacted_at", "acknowledged_at", "acknowledged_by"])
            audit(user, "escalation.contacted", room=checkin.room, message=escalation.message, checkin=checkin.pk)
            push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
        elif first_from_staff:
            audit(user, "checkin.contacted", room=checkin.room, checkin=checkin.pk)
        return changed
    checkin.awaiting, checkin.reply_due_at = STAFF, None
    checkin.student_read_seq = checkin.last_seq  # they answered: everything before their answer was on screen
    changed.append("student_read_seq")
    if escalation is not None and escalation.status == EscalationStatus.CONTACTED:
        escalation.status, escalation.replied_at = EscalationStatus.REPLIED, now
        escalation.save(update_fields=["status", "replied_at"])
        # No actor: the audit log names actors by username, which beside the alias would unmask the student.
        audit(None, "escalation.replied", room=checkin.room, message=escalation.message, checkin=checkin.pk)
        push_to_moderators("escalation.updated", "escalation", escalation_payload(escalation))
    if kind == CheckInMessage.Kind.OK:
        audit(None, "checkin.ok", room=checkin.room, reason=OK_REPLY, checkin=checkin.pk, by="student")
    if crisis_level > 0:
        checkin.urgent = True
        checkin.crisis_level = max(checkin.crisis_level, crisis_level)
        if checkin.staff_due_at is None:
            checkin.staff_due_at = now + escalation_timer(crisis_level)
        changed += ["urgent", "crisis_level"]
        audit(None, "checkin.crisis", room=checkin.room, checkin=checkin.pk, level=crisis_level, by="student")
    return changed


def do_send(user, checkin_id: int, client_id: str, body: str, kind: str = CheckInMessage.Kind.TEXT):
    """Store a message in a check-in and deliver it after commit. Idempotent on (check-in, author, client_id).

    Precondition: ``body`` passed protocol validation. Raise ProtocolError: FORBIDDEN for anyone without access
    (or staff sending "I'm OK"), ROOM_CLOSED once the check-in is resolved.
    """
    checkin = get_checkin(checkin_id)
    try:
        side = check_access(user, checkin)
    except ProtocolError as error:
        raise ProtocolError(error.code, error.detail, client_id) from None
    existing = existing_send_result(checkin.pk, user, client_id)
    if existing is not None:
        return existing
    if kind == CheckInMessage.Kind.OK:
        if side != STUDENT:
            raise ProtocolError(FORBIDDEN, "only the student can say they are OK", client_id)
        body = OK_REPLY
    if checkin.status != CheckInStatus.OPEN:
        raise ProtocolError(
            ROOM_CLOSED, "this check-in was resolved; ask for a new one from the help panel", client_id
        )
    decision = _review(checkin, user, side, body)
    # Staff asking about safety ("are you thinking of ending your life?") is not a crisis of theirs.
    crisis_level = decision.crisis_level if side == STUDENT else 0
    # Only the person themselves and staff read a check-in: nothing is held from them, and a crisis message is
    # delivered to the staff already there. Blocked (spam, repeated text) only without signs of crisis.
    if decision.action == pipeline.BLOCK and crisis_level == 0:
        return CheckInSendResult(client_id=client_id, status="blocked", reason=decision.reason or "not allowed here")
    now = timezone.now()
    try:
        with transaction.atomic():
            checkin = get_checkin(checkin.pk, lock=True)
            if checkin.status != CheckInStatus.OPEN:
                raise ProtocolError(ROOM_CLOSED, "this check-in was resolved", client_id)
            checkin.last_seq += 1
            message = CheckInMessage.objects.create(
                checkin=checkin,
                seq=checkin.last_seq,
                author=user,
                from_student=side == STUDENT,
                author_name=checkin.student_shown_as if side == STUDENT else user.display_name,
                author_role=user.role,
                kind=kind,
                body=decision.text or body,
                client_id=client_id,
                crisis_level=crisis_level,
            )
            changed = _record_outreach(checkin, side, user, kind, crisis_level, now)
            checkin.save(update_fields=changed)
            _publish_to_checkin(checkin, message_payload(message))
            if side == STAFF:
                _notify_user(
                    checkin.student_id,
                    {
                        "type": "checkin.message",
                        "checkin": checkin.pk,
                        "seq": message.seq,
                        "unread": unread_count(checkin),
                    },
                )
            _push_checkin(checkin)
    except IntegrityError:
        existing = existing_send_result(checkin.pk, user, client_id)
        if existing is None:
            raise
        return existing
    return CheckInSendResult(client_id=client_id, status="delivered", seq=message.seq, crisis_level=crisis_level)


def do_mark_read(user, checkin_id: int, seq: int) -> int:
    """The student has seen up to ``seq``; return their unread count. Staff reading changes nothing."""
    checkin = get_checkin(checkin_id)
    if check_access(user, checkin) != STUDENT:
        return 0
    with transaction.atomic():
        checkin = get_checkin(checkin_id, lock=True)
        seen = min(seq, checkin.last_seq)
        if seen > checkin.student_read_seq:
            checkin.student_read_seq = seen
            checkin.save(update_fields=["student_read_seq"])
            unread = unread_count(checkin)
            _notify_user(user.pk, {"type": "checkin.read", "checkin": checkin.pk, "unread": unread})
            return unread
    return unread_count(checkin)


# Reading -------------------------------------------------------------------------------------------------------


def _page(query, limit: int, newest: bool, for_user_id: int) -> tuple[list[dict], bool]:
    rows = list(query.order_by("-seq" if newest else "seq")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if newest:
        rows.reverse()
    return [message_payload(m, for_user_id=for_user_id) for m in rows], has_more


def messages_after(checkin: CheckIn, after_seq: int, limit: int, for_user_id: int) -> tuple[list[dict], bool]:
    return _page(checkin.messages.filter(seq__gt=after_seq), limit, False, for_user_id)


def messages_before(checkin: CheckIn, before_seq: int, limit: int, for_user_id: int) -> tuple[list[dict], bool]:
    return _page(checkin.messages.filter(seq__lt=before_seq), limit, True, for_user_id)


def join_snapshot(user, checkin_id: int, after_seq: int | None) -> dict:
    """The ``checkin.joined`` frame: the check-in, who you are in it, and its history (all of it after
    ``after_seq``, in pages, or the latest page). Raise ProtocolError FORBIDDEN / NOT_FOUND."""
    checkin = get_checkin(checkin_id)
    side = check_access(user, checkin)
    limit = settings.CHAT_HISTORY_ON_JOIN
    if after_seq is None:
        history, has_more = _page(checkin.messages.all(), limit, True, user.pk)
    else:
        history, has_more = messages_after(checkin, after_seq, limit, user.pk)
    info = {
        "id": checkin.pk,
        "status": checkin.status,
        "room": _room_payload(checkin.room),
        "student": {"name": checkin.student_shown_as, "anonymous": checkin.student_anonymous},
        "staff": _staff_of(checkin),
        "asked_by_student": checkin.origin == CheckIn.Origin.REQUEST,
        "resolved_at": checkin.resolved_at.isoformat() if checkin.resolved_at else None,
        "last_seq": checkin.last_seq,
    }
    if side == STAFF:
        info.update(urgent=checkin.urgent, crisis_level=checkin.crisis_level, escalation=checkin.escalation_id)
    you = {"side": side, "name": checkin.student_shown_as if side == STUDENT else user.display_name}
    return {"type": "checkin.joined", "checkin": info, "you": you, "history": history, "has_more": has_more}


def open_queue() -> list[dict]:
    """Open check-ins for the moderators' queue: urgent first, then the oldest."""
    checkins = CheckIn.objects.filter(status=CheckInStatus.OPEN).select_related("room", "opened_by")
    return [checkin_payload(c) for c in checkins.order_by("-urgent", "-crisis_level", "created_at")]


def checkins_of_student(user) -> list[dict]:
    """The student's own check-ins, newest first, each with its unread count (one query for the counts)."""
    checkins = list(CheckIn.objects.filter(student=user).select_related("room").order_by("-created_at"))
    unread = dict.fromkeys((c.pk for c in checkins), 0)
    staff_messages = CheckInMessage.objects.filter(checkin__student=user, from_student=False).values_list(
        "checkin_id", "seq"
    )
    read = {c.pk: c.student_read_seq for c in checkins}
    for checkin_id, seq in staff_messages:
        if seq > read[checkin_id]:
            unread[checkin_id] += 1
    return [student_summary(c, unread=unread[c.pk]) for c in checkins]


def checkins_concerning(user) -> list[dict]:
    """What the student's Privacy page lists: each check-in about them, how staff saw them, and what happened."""
    rows = []
    checkins = CheckIn.objects.filter(student=user).select_related("room", "opened_by", "escalation")
    for checkin in checkins.order_by("-created_at"):
        escalation = checkin.escalation
        rows.append(
            {
                "id": checkin.pk,
                "opened_at": checkin.created_at,
                "why": dict(CheckIn.Origin.choices)[checkin.origin],
                "opened_by_role": checkin.opened_by.get_role_display() if checkin.opened_by else None,
                "room": checkin.room.title if checkin.room else None,
                "shown_as": checkin.student_shown_as,
                "anonymous": checkin.student_anonymous,
                "status": checkin.get_status_display(),
                "outreach": escalation.get_status_display() if escalation else None,
                "resolved_at": checkin.resolved_at,
                "resolution_note": checkin.resolution_note,
                "url": f"/checkins/{checkin.pk}/",
            }
        )
    return rows


def checkins_for_export(user) -> list[dict]:
    """A student's check-ins for their data export: every message, staff by role only (the export names no one else).

    For moderation.data-rights (the export): JSON-serialisable, newest check-in first.
    """
    exported = []
    checkins = CheckIn.objects.filter(student=user).select_related("room").prefetch_related("messages")
    for checkin in checkins.order_by("-created_at"):
        exported.append(
            {
                "id": checkin.pk,
                "opened_at": checkin.created_at.isoformat(),
                "why": checkin.origin,
                "room": checkin.room.title if checkin.room else None,
                "you_were_shown_as": checkin.student_shown_as,
                "status": checkin.status,
                "resolved_at": checkin.resolved_at.isoformat() if checkin.resolved_at else None,
                "messages": [
                    {
                        "seq": m.seq,
                        # Staff by role only: the export names no one else (rooms.personal_data).
                        "from": "you" if m.from_student else "staff",
                        "role": m.author_role,
                        "kind": m.kind,
                        "body": m.body,
                        "sent_at": m.created_at.isoformat(),
                    }
                    for m in sorted(checkin.messages.all(), key=lambda m: m.seq)
                ],
            }
        )
    return exported


def checkin_messages_older_than(cutoff):
    """Check-in messages the message retention rules may empty: not yet emptied, older than ``cutoff``, in check-ins
    resolved before ``cutoff``. Open check-ins are kept whole: staff still need them, as moderation keeps the
    messages of unresolved escalations."""
    return CheckInMessage.objects.filter(
        Q(created_at__lt=cutoff, deleted_at__isnull=True)
        & Q(checkin__status=CheckInStatus.RESOLVED, checkin__resolved_at__lt=cutoff)
    )


def purge_checkin_messages(cutoff, now) -> int:
    """Empty every check-in message past retention (``checkin_messages_older_than(cutoff)``) into a tombstone (its
    row, seq and client_id stay, so a late resend is still answered and creates nothing; its text goes); return
    how many. For the retention job: call it with the cutoff room messages are purged at, so check-ins follow the
    same rules."""
    return checkin_messages_older_than(cutoff).update(body="", deleted_at=now)
