"""What every moderator action starts from: the moderator check, the audit log, and the objects acted on
(each lookup raises ProtocolError NOT_FOUND for an unknown one)."""

from __future__ import annotations

from rooms.models import Membership, Message, Room
from rooms.protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, ProtocolError

from .models import AuditEntry, Escalation


def check_moderator(user) -> None:
    if not (user.is_authenticated and user.is_moderator):
        raise ProtocolError(FORBIDDEN, "moderators only")


def audit(actor, action: str, *, room=None, message=None, member=None, reason: str = "", **data) -> None:
    AuditEntry.objects.create(
        actor=actor, action=action, room=room, message=message, member=member, reason=reason, data=data
    )


def get_escalation(escalation_id: int, *, lock: bool = True) -> Escalation:
    query = Escalation.objects.select_related("message__author", "room", "owner")
    if lock:
        query = query.select_for_update(of=("self",))
    try:
        return query.get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no escalation {escalation_id}") from None


def get_room(slug: str) -> Room:
    try:
        return Room.objects.get(slug=slug)
    except Room.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no room {slug!r}") from None


def get_message(room: Room, seq: int) -> Message:
    try:
        return Message.objects.select_related("author").get(room=room, seq=seq)
    except Message.DoesNotExist:
        raise ProtocolError(NOT_FOUND, f"no message {seq} in {room.slug}") from None


def get_member(room: Room, alias: str | None, seq: int | None = None) -> tuple[Membership, Message | None]:
    """Return the member an action is about, named by their alias or as the author of message ``seq`` in the room,
    with that message (None when named by alias).

    Naming the author by a message is how moderators act on a message posted under a name: nothing hands them
    the alias of its author.
    """
    if (alias is None) == (seq is None):
        raise ProtocolError(BAD_REQUEST, "name the member by exactly one of 'alias' and 'seq'")
    if seq is not None:
        message = get_message(room, seq)
        member = Membership.objects.select_related("user", "room").get(pk=message.author_id)
    else:
        try:
            member, message = Membership.objects.select_related("user", "room").get(room=room, alias=alias), None
        except Membership.DoesNotExist:
            raise ProtocolError(NOT_FOUND, f"no member {alias!r} in {room.slug}") from None
    check_account_exists(member)
    return member, message


def check_account_exists(member: Membership) -> None:
    """Raise ProtocolError(NOT_FOUND) for a member whose account was deleted: there is no one left to act on."""
    if member.user_id is None:
        raise ProtocolError(NOT_FOUND, "this member deleted their account")
