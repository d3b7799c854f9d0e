"""Sharing-circle mode: hands go up, the facilitator gives the turn, only the speaker posts.

The state lives in the database (Room.circle_active, Room.circle_speaker, RaisedHand), so every server
process agrees on it; each change is pushed to the room as one ``circle`` frame. Members appear by the
name they post under (their alias when anonymous).
"""

from __future__ import annotations

from django.db import transaction

from moderation.services import check_room_staff

from . import protocol
from .events import publish_on_commit
from .models import Membership, RaisedHand, Room, room_group
from .protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, NOT_YOUR_TURN, ProtocolError


def _shown(member: Membership) -> str:
    return member.alias if member.is_anonymous else member.user.display_name


def circle_state(room: Room) -> dict:
    speaker = room.circle_speaker
    hands = RaisedHand.objects.filter(room=room).select_related("member__user")
    return {
        "type": "circle",
        "active": room.circle_active,
        "speaker": _shown(speaker) if speaker is not None else None,
        "hands": [_shown(hand.member) for hand in hands] if room.circle_active else [],
    }


def _push(room: Room) -> None:
    frame = protocol.encode(circle_state(room))
    publish_on_commit(room_group(room.pk), {"type": "room.frame", "frame": frame})


def _locked_room(member: Membership) -> Room:
    # Lock only the room row: PostgreSQL refuses FOR UPDATE on the nullable side of the speaker join.
    return Room.objects.select_for_update(of=("self",)).select_related("circle_speaker__user").get(pk=member.room_id)


def check_turn(member: Membership, client_id: str | None = None) -> None:
    """Raise ProtocolError(NOT_YOUR_TURN) when a circle's turn belongs to someone else (staff may always post)."""
    room = member.room
    if not room.circle_active or room.circle_speaker_id in (None, member.pk):
        return
    if member.user.is_moderator or room.facilitators.filter(pk=member.user_id).exists():
        return
    speaker = Membership.objects.select_related("user").get(pk=room.circle_speaker_id)
    raise ProtocolError(NOT_YOUR_TURN, f"{_shown(speaker)} has the turn in the sharing circle", client_id)


@transaction.atomic
def do_circle(member_id: int, action: str, alias: str | None = None) -> None:
    """Apply one sharing-circle action by a member; see docs/protocol.md for who may do what."""
    member = Membership.objects.select_related("user").get(pk=member_id)
    room = _locked_room(member)
    member.room = room
    if action in ("circle.start", "circle.stop", "turn.give"):
        check_room_staff(member.user, room)
    elif not room.circle_active:
        raise ProtocolError(BAD_REQUEST, "the sharing circle is not running")
    if action == "circle.start":
        room.circle_active, room.circle_speaker = True, None
    elif action == "circle.stop":
        room.circle_active, room.circle_speaker = False, None
        RaisedHand.objects.filter(room=room).delete()
    elif action == "hand.raise":
        RaisedHand.objects.get_or_create(room=room, member=member)
    elif action == "hand.lower":
        RaisedHand.objects.filter(room=room, member=member).delete()
    elif action == "turn.give":
        if not room.circle_active:
            raise ProtocolError(BAD_REQUEST, "start the sharing circle first")
        speaker = next(
            (
                h.member
                for h in RaisedHand.objects.filter(room=room).select_related("member__user")
                if _shown(h.member) == alias
            ),
            None,
        )
        if speaker is None:
            raise ProtocolError(NOT_FOUND, f"nobody called {alias!r} has a hand raised")
        room.circle_speaker = speaker
        RaisedHand.objects.filter(room=room, member=speaker).delete()
    elif action == "turn.pass":
        if room.circle_speaker_id != member.pk:
            raise ProtocolError(FORBIDDEN, "only the speaker can pass the turn")
        room.circle_speaker = None
    room.save(update_fields=["circle_active", "circle_speaker"])
    _push(room)
