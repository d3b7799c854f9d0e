"""Read markers: how far a member has read in a room, and the unread counts the directory shows."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Least

from .models import Membership, MessageState, Room


def do_mark_read(membership_id: int, seq: int) -> None:
    """Raise the member's read marker to ``seq`` (never lower it, never past the room's last seq). One query.

    Cheap on purpose: browsers send ``read`` as the member scrolls to the newest message. A marker past the
    room's last seq would hide the next messages' unread count, so it is capped there.
    """
    Membership.objects.filter(pk=membership_id, last_read_seq__lt=seq).update(
        last_read_seq=Least(seq, Subquery(Room.objects.filter(pk=OuterRef("room_id")).values("last_seq")[:1]))
    )


def unread_counts(user, room_ids: list[int]) -> dict[int, int]:
    """Return, for each room of ``room_ids`` the user has joined, the visible messages by others they have not
    read (above their read marker). One query."""
    if not room_ids:
        return {}
    unread_filter = (
        Q(room__messages__seq__gt=F("last_read_seq"))
        & Q(room__messages__state=MessageState.VISIBLE)
        & Q(room__messages__deleted_at__isnull=True)
        & ~Q(room__messages__author_id=F("pk"))
    )
    rows = (
        Membership.objects.filter(user=user, room_id__in=room_ids)
        .annotate(unread=Count("room__messages", filter=unread_filter))
        .values_list("room_id", "unread")
    )
    return dict(rows)
