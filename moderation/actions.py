"""Moderator actions as frames: the same JSON object on /ws/moderation/ and POST /api/moderation/action/.

Parsing is strict, as in ``rooms.protocol``: a frame becomes one of the frozen dataclasses below or a
ProtocolError with a code, and ``run`` calls the ``do_*`` action it names. The HTTP room tools
(``moderation.api.room_tool``) parse with ``parse_room_tool`` and run the same actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rooms.protocol import BAD_REQUEST, ProtocolError, int_field, typed_field

from . import cases, checkins, member_actions, queue_actions, reveals, room_tools

REASON_MAX_CHARS = 2000


def _text(data: dict, name: str, *, required: bool = True) -> str:
    value = typed_field(data, name, str, required=required) or ""
    if len(value) > REASON_MAX_CHARS:
        raise ProtocolError(BAD_REQUEST, f"'{name}' is longer than {REASON_MAX_CHARS} characters")
    return value


@dataclass(frozen=True)
class AcknowledgeEscalation:
    kind: ClassVar[str] = "escalation.ack"
    id: int


@dataclass(frozen=True)
class ResolveEscalation:
    kind: ClassVar[str] = "escalation.resolve"
    id: int
    note: str


@dataclass(frozen=True)
class HandOverEscalation:
    kind: ClassVar[str] = "escalation.hand_over"
    id: int
    to: str  # the colleague's username
    note: str


@dataclass(frozen=True)
class DismissFlag:
    """Close a flag with no action on the message ("no action needed")."""

    kind: ClassVar[str] = "flag.dismiss"
    id: int
    reason: str


@dataclass(frozen=True)
class RequestReveal:
    kind: ClassVar[str] = "identity.reveal"
    reason: str
    escalation: int | None
    flag: int | None


@dataclass(frozen=True)
class ApproveReveal:
    kind: ClassVar[str] = "identity.reveal.approve"
    request: int


@dataclass(frozen=True)
class OpenCheckIn:
    """Open a private check-in with the author of an escalated or flagged message (exactly one is set)."""

    kind: ClassVar[str] = "checkin.open"
    escalation: int | None
    flag: int | None


@dataclass(frozen=True)
class InviteToCheckIn:
    kind: ClassVar[str] = "checkin.invite"
    checkin: int
    mentor: str


@dataclass(frozen=True)
class ResolveCheckIn:
    kind: ClassVar[str] = "checkin.resolve"
    id: int
    note: str


@dataclass(frozen=True)
class HideMessage:
    kind: ClassVar[str] = "message.hide"
    room: str
    seq: int
    reason: str


@dataclass(frozen=True)
class ApproveMessage:
    kind: ClassVar[str] = "message.approve"
    room: str
    seq: int


@dataclass(frozen=True)
class PinAnnouncement:
    kind: ClassVar[str] = "room.pin"
    room: str
    text: str


@dataclass(frozen=True)
class PinMessage:
    """Pin message ``seq`` of the room; seq 0 unpins."""

    kind: ClassVar[str] = "message.pin"
    room: str
    seq: int


@dataclass(frozen=True)
class SetSlowMode:
    kind: ClassVar[str] = "room.slow_mode"
    room: str
    seconds: int
    reason: str = ""


@dataclass(frozen=True)
class MemberAction:
    """Warn, mute or ban a member named by ``alias``, or as the author of message ``seq`` (exactly one is set
    when the action runs; the service says so otherwise)."""

    kind: str
    room: str
    alias: str | None
    seq: int | None
    reason: str
    minutes: int | None = None  # user.mute only


RoomTool = PinAnnouncement | PinMessage | SetSlowMode
ModeratorAction = (
    AcknowledgeEscalation
    | ResolveEscalation
    | HandOverEscalation
    | DismissFlag
    | RequestReveal
    | ApproveReveal
    | OpenCheckIn
    | InviteToCheckIn
    | ResolveCheckIn
    | HideMessage
    | ApproveMessage
    | RoomTool
    | MemberAction
)
ROOM_TOOLS = ("room.slow_mode", "room.pin", "message.pin")
MEMBER_ACTIONS = ("user.warn", "user.mute", "user.ban")


def _parse_room_tool(kind: str, data: dict, room: str) -> RoomTool:
    if kind == "room.pin":
        return PinAnnouncement(room, typed_field(data, "text", str))
    if kind == "message.pin":
        return PinMessage(room, int_field(data, "seq", required=True, minimum=0))
    return SetSlowMode(
        room, int_field(data, "seconds", required=True, minimum=0), _text(data, "reason", required=False)
    )


def parse_room_tool(kind, data: dict, room: str) -> RoomTool:
    """Parse the body of an HTTP room tool for ``room`` (named by the URL). Raise ProtocolError BAD_REQUEST."""
    if kind not in ROOM_TOOLS:
        raise ProtocolError(
            BAD_REQUEST,
            "send {'type': 'room.slow_mode', 'seconds'}, {'type': 'room.pin', 'text'} "
            "or {'type': 'message.pin', 'seq'}",
        )
    return _parse_room_tool(kind, data, room)


def parse_action(kind: str, data: dict) -> ModeratorAction:
    """Parse one moderator frame of type ``kind``. Raise ProtocolError BAD_REQUEST on bad input."""
    if kind == "escalation.ack":
        return AcknowledgeEscalation(int_field(data, "id", required=True))
    if kind == "escalation.resolve":
        return ResolveEscalation(int_field(data, "id", required=True), _text(data, "note"))
    if kind == "escalation.hand_over":
        return HandOverEscalation(int_field(data, "id", required=True), _text(data, "to"), _text(data, "note"))
    if kind == "flag.dismiss":
        return DismissFlag(int_field(data, "id", required=True), _text(data, "reason", required=False))
    if kind == "identity.reveal":
        return RequestReveal(
            _text(data, "reason"),
            int_field(data, "escalation", required=False),
            int_field(data, "flag", required=False),
        )
    if kind == "identity.reveal.approve":
        return ApproveReveal(int_field(data, "request", required=True))
    if kind == "checkin.open":
        escalation, flag = int_field(data, "escalation", required=False), int_field(data, "flag", required=False)
        if (escalation is None) == (flag is None):
            raise ProtocolError(BAD_REQUEST, "name exactly one of 'escalation' and 'flag'")
        return OpenCheckIn(escalation, flag)
    if kind == "checkin.invite":
        return InviteToCheckIn(int_field(data, "checkin", required=True), _text(data, "mentor"))
    if kind == "checkin.resolve":
        return ResolveCheckIn(int_field(data, "id", required=True), _text(data, "note"))
    room = _text(data, "room")
    if kind == "message.hide":
        return HideMessage(room, int_field(data, "seq", required=True), _text(data, "reason", required=False))
    if kind == "message.approve":
        return ApproveMessage(room, int_field(data, "seq", required=True))
    if kind in ROOM_TOOLS:
        return _parse_room_tool(kind, data, room)
    if kind not in MEMBER_ACTIONS:
        raise ProtocolError(BAD_REQUEST, "unknown frame type")
    # The member: by alias, or as the author of a message (how a message posted under a name is acted on).
    seq = int_field(data, "seq", required=False)
    alias = _text(data, "alias", required=seq is None) or None
    if kind == "user.mute":
        minutes = int_field(data, "minutes", required=True)
        return MemberAction(kind, room, alias, seq, _text(data, "reason", required=False), minutes)
    return MemberAction(kind, room, alias, seq, _text(data, "reason"))


def run(user, action: ModeratorAction) -> dict:
    """Run one parsed action as ``user``; return the ``action.done`` frame answering it.

    Each action authorises ``user`` itself (ProtocolError FORBIDDEN).
    """
    done = {"type": "action.done", "action": action.kind}
    match action:
        case AcknowledgeEscalation(id=escalation_id):
            return {**done, "id": queue_actions.do_acknowledge_escalation(user, escalation_id).pk}
        case ResolveEscalation(id=escalation_id, note=note):
            return {**done, "id": queue_actions.do_resolve_escalation(user, escalation_id, note).pk}
        case HandOverEscalation(id=escalation_id, to=to, note=note):
            escalation = cases.do_hand_over_escalation(user, escalation_id, to, note)
            return {**done, "id": escalation.pk, "to": to}
        case DismissFlag(id=flag_id, reason=reason):
            return {**done, "id": cases.do_dismiss_flag(user, flag_id, reason).pk}
        case RequestReveal(reason=reason, escalation=escalation_id, flag=flag_id):
            request = reveals.do_request_reveal(user, reason, escalation_id, flag_id)
            return {**done, "request": request.pk, "status": request.status}
        case ApproveReveal(request=request_id):
            request = reveals.do_approve_reveal(user, request_id)
            return {**done, "request": request.pk, "status": request.status}
        case OpenCheckIn(escalation=escalation_id, flag=flag_id):
            if escalation_id is not None:
                checkin, created = checkins.do_open_from_escalation(user, escalation_id)
            else:
                checkin, created = checkins.do_open_from_flag(user, flag_id)
            return {**done, "checkin": checkin.pk, "created": created, "url": f"/checkins/{checkin.pk}/"}
        case InviteToCheckIn(checkin=checkin_id, mentor=mentor):
            checkins.do_invite_mentor(user, checkin_id, mentor)
            return {**done, "checkin": checkin_id, "mentor": mentor}
        case ResolveCheckIn(id=checkin_id, note=note):
            return {**done, "checkin": checkins.do_resolve_checkin(user, checkin_id, note).pk}
        case HideMessage(room=room, seq=seq, reason=reason):
            queue_actions.do_hide_message(user, room, seq, reason)
            return {**done, "room": room, "seq": seq}
        case ApproveMessage(room=room, seq=seq):
            queue_actions.do_approve_message(user, room, seq)
            return {**done, "room": room, "seq": seq}
        case PinAnnouncement(room=room, text=text):
            room_tools.do_pin_announcement(user, room, text)
            return {**done, "room": room}
        case PinMessage(room=room, seq=seq):
            room_tools.do_pin_message(user, room, seq)
            return {**done, "room": room, "seq": seq}
        case SetSlowMode(room=room, seconds=seconds, reason=reason):
            room_tools.do_set_slow_mode(user, room, seconds, reason)
            return {**done, "room": room, "seconds": seconds}
        case MemberAction(kind=kind, room=room, alias=alias, seq=seq, reason=reason):
            if kind == "user.warn":
                member_actions.do_warn_member(user, room, alias, reason, seq=seq)
            elif kind == "user.mute":
                member_actions.do_mute_member(user, room, alias, action.minutes, reason, seq=seq)
            else:
                member_actions.do_ban_member(user, room, alias, reason, seq=seq)
            target = {"alias": alias} if seq is None else {"seq": seq}
            return {**done, "room": room, **target}
    raise AssertionError(f"unhandled action {action!r}")


def perform(user, kind: str, data: dict) -> dict:
    """Parse and run one moderator action; return the frame answering it. Raise ProtocolError on bad input."""
    return run(user, parse_action(kind, data))
