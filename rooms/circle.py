"""Sharing-circle mode: hands go up, the facilitator gives the turn, only the speaker posts.

The state lives in the database (Room.circle_active, Room.circle_speaker, RaisedHand), so every server
process agrees on it; each change is pushed to the room as one ``circle`` frame. Members appear by the
name they raised their hand under (their alias when anonymous), stored with the hand and then with the turn:
switching between alias and name never relabels a hand or a turn, and is refused while the member waits for
or holds the turn, since what they post during it is visibly theirs.
"""

from __future__ import annotations

from django.db import transaction

from . import protocol
from .events import publish_room_frame
from .identity import shown_name
from .models import Membership, RaisedHand, Room, room_group
from .permissions import check_room_staff
from .protocol import BAD_REQUEST, FORBIDDEN, NOT_FOUND, NOT_YOUR_TURN, ProtocolError


def circle_state(room: Room) -> dict:
    """Return the ``circle`` frame: everyone as they appeared when they raised their hand."""
    hands = RaisedHand.objects.filter(room=room).values_list("shown_as", flat=True)
    return {
        "type": "circle",
        "active": room.circle_active,
        "speaker": room.circle_speaker_shown_as if room.circle_speaker_id is not None else None,
        "hands": list(hands) if room.circle_active else [],
    }


def _push(room: Room) -> None:
    frame = protocol.encode(circle_state(room))
    publish_room_frame(room_group(room.pk), frame)


def _locked_room(member: Membership) -> Room:
    # Lock only the room row: PostgreSQL refuses FOR UPDATE on the nullable side of the speaker join.
    return Room.objects.select_for_update(of=("self",)).get(pk=member.room_id)


def check_turn(member: Membership, client_id: str | None = None) -> None:
    """Raise ProtocolError(NOT_YOUR_TURN) when a circle's turn belongs to someone else (staff may always post)."""
    room = member.room
    if not room.circle_active or room.circle_speaker_id in (None, member.pk):
        return
    if member.user.is_moderator or room.facilitators.filter(pk=member.user_id).exists():
        return
    raise ProtocolError(NOT_YOUR_TURN, f"{room.circle_speaker_shown_as} has the turn in the sharing circle", client_id)


def check_may_switch_identity(member: Membership) -> None:
    """Raise ProtocolError(FORBIDDEN) while the member waits for or holds the turn in a running circle.

    Everyone sees who has the turn and only the speaker posts: a message under the other identity during the
    turn would tie the alias to the name. Precondition: ``member.room`` is loaded.
    """
    room = member.room
    if not room.circle_active:
        return
    if room.circle_speaker_id == member.pk:
        raise ProtocolError(FORBIDDEN, "you have the turn in the sharing circle: pass it before switching identity")
    if RaisedHand.objects.filter(room=room, member=member).exists():
        raise ProtocolError(FORBIDDEN, "your hand is up in the sharing circle: lower it before switching identity")


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
        room.circle_active, room.circle_speaker, room.circle_speaker_shown_as = True, None, ""
    elif action == "circle.stop":
        room.circle_active, room.circle_speaker, room.circle_speaker_shown_as = False, None, ""
        RaisedHand.objects.filter(room=room).delete()
    elif action == "hand.raise":
        RaisedHand.objects.get_or_create(room=room, member=member, defaults={"shown_as": shown_name(member)})
    elif action == "hand.lower":
        RaisedHand.objects.filter(room=room, member=member).delete()
    elif action == "turn.give":
        if not room.circle_active:
            raise ProtocolError(BAD_REQUEST, "start the sharing circle first")
        hand = RaisedHand.objects.filter(room=room, shown_as=alias).select_related("member").first()
        if hand is None:
            raise ProtocolError(NOT_FOUND, f"nobody called {alias!r} has a hand raised")
        # The turn keeps the name the hand went up under.
        room.circle_speaker, room.circle_speaker_shown_as = hand.member, hand.shown_as
        hand.delete()
    elif action == "turn.pass":
        if room.circle_speaker_id != member.pk:
            raise ProtocolError(FORBIDDEN, "only the speaker can pass the turn")
        room.circle_speaker, room.circle_speaker_shown_as = None, ""
    room.save(update_fields=["circle_active", "circle_speaker", "circle_speaker_shown_as"])
    _push(room)
