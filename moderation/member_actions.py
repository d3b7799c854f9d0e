"""Moderator actions on a room's members: warn, mute, ban. The member is named by alias, or as the author of
a message (how a message posted under a name is acted on)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.events import publish_on_commit
from rooms import protocol, rsvps
from rooms.models import Membership, member_group
from rooms.protocol import BAD_REQUEST, FORBIDDEN, ProtocolError

from .targets import audit, check_moderator, get_member, get_room

MAX_MUTE_MINUTES = 60 * 24 * 30


def _to_member(membership: Membership, event: dict) -> None:
    publish_on_commit(member_group(membership.pk), event)


@transaction.atomic
def do_warn_member(moderator, room_slug: str, alias: str | None, reason: str, *, seq: int | None = None) -> Membership:
    """Send a warning with its reason to the member with this alias, or the author of message ``seq`` (their
    sockets in the room only), and audit it.

    Precondition: ``reason`` is at most REASON_MAX_CHARS (moderation.actions checks it). Raise ProtocolError:
    FORBIDDEN unless ``moderator`` is a moderator, BAD_REQUEST for a blank reason, NOT_FOUND for an unknown
    room, alias or message.
    """
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a warning needs a reason the member will read")
    member, message = get_member(get_room(room_slug), alias, seq)
    audit(moderator, "user.warn", room=member.room, message=message, member=member, reason=reason.strip())
    frame = protocol.encode({"type": "warning", "reason": reason.strip()})
    _to_member(member, {"type": "member.frame", "frame": frame})
    return member


@transaction.atomic
def do_mute_member(
    moderator, room_slug: str, alias: str | None, minutes: int, reason: str, *, seq: int | None = None
) -> Membership:
    """Stop the member with this alias, or the author of message ``seq``, posting in a room for ``minutes``
    from now (they can still read), tell them, and audit it.

    Precondition: ``reason`` (may be empty) is at most REASON_MAX_CHARS (moderation.actions checks it). Raise
    ProtocolError: FORBIDDEN unless ``moderator`` is a moderator or when muting a moderator, BAD_REQUEST for
    minutes outside 1..MAX_MUTE_MINUTES, NOT_FOUND for an unknown room, alias or message.
    """
    check_moderator(moderator)
    if not (1 <= minutes <= MAX_MUTE_MINUTES):
        raise ProtocolError(BAD_REQUEST, f"minutes must be between 1 and {MAX_MUTE_MINUTES}")
    member, message = get_member(get_room(room_slug), alias, seq)
    if member.user.is_moderator:
        raise ProtocolError(FORBIDDEN, "moderators cannot be muted")
    member.muted_until = timezone.now() + timedelta(minutes=minutes)
    member.mute_reason = reason.strip()
    member.save(update_fields=["muted_until", "mute_reason"])
    audit(
        moderator,
        "user.mute",
        room=member.room,
        message=message,
        member=member,
        reason=reason.strip(),
        minutes=minutes,
    )
    frame = protocol.encode({"type": "muted", "until": member.muted_until.isoformat(), "reason": reason.strip()})
    _to_member(member, {"type": "member.frame", "frame": frame})
    return member


@transaction.atomic
def do_ban_member(moderator, room_slug: str, alias: str | None, reason: str, *, seq: int | None = None) -> Membership:
    """Ban a member (by alias, or as the author of message ``seq``) from a room: their sockets there close (4403)."""
    check_moderator(moderator)
    if not reason.strip():
        raise ProtocolError(BAD_REQUEST, "a ban needs a reason")
    member, message = get_member(get_room(room_slug), alias, seq)
    if member.user.is_moderator:
        raise ProtocolError(FORBIDDEN, "moderators cannot be banned")
    member.is_banned = True
    member.ban_reason = reason.strip()
    member.save(update_fields=["is_banned", "ban_reason"])
    # Their seats in the room's coming sessions go to the waitlist: no reminders for a room they cannot enter.
    rsvps.do_cancel_upcoming_rsvps(member.user, member.room, timezone.now())
    audit(moderator, "user.ban", room=member.room, message=message, member=member, reason=reason.strip())
    _to_member(member, {"type": "member.banned", "reason": member.ban_reason})
    return member
