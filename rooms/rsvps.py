"""Sign-ups for group sessions (going, or waitlisted in order; a freed seat goes to the first person waiting)
and what happened in a session, in numbers only. Scheduling is rooms/sessions.py."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from chatserver.models import User

from .models import Membership, Message, Room, Rsvp, SessionOccurrence
from .moderation_hooks import moderation
from .protocol import FORBIDDEN, ProtocolError
from .sessions import RsvpError


@transaction.atomic
def do_rsvp(user: User, occurrence_id: int) -> Rsvp:
    """Sign up: going while seats are left, else on the waitlist (in order). Signing up twice changes nothing.

    Raise ProtocolError(FORBIDDEN) for a member banned from the session's room, RsvpError for a cancelled session.
    """
    occurrence = SessionOccurrence.objects.select_for_update().select_related("series").get(pk=occurrence_id)
    if Membership.objects.filter(user=user, room_id=occurrence.series.room_id, is_banned=True).exists():
        raise ProtocolError(FORBIDDEN, "you are banned from this room, so you cannot join its sessions")
    if occurrence.cancelled:
        raise RsvpError("occurrence", "this session was cancelled")
    existing = Rsvp.objects.filter(occurrence=occurrence, user=user).first()
    if existing is not None:
        return existing
    going = occurrence.rsvps.filter(status=Rsvp.Status.GOING).count()
    status = Rsvp.Status.GOING if going < occurrence.series.capacity else Rsvp.Status.WAITLISTED
    return Rsvp.objects.create(occurrence=occurrence, user=user, status=status)


def do_cancel_upcoming_rsvps(user: User, room: Room, now: datetime) -> int:
    """Cancel ``user``'s sign-ups for the room's sessions that have not started (a ban); return how many."""
    ids = list(
        Rsvp.objects.filter(user=user, occurrence__series__room=room, occurrence__starts_at__gt=now).values_list(
            "occurrence_id", flat=True
        )
    )
    for occurrence_id in ids:
        do_cancel_rsvp(user, occurrence_id)  # a freed seat goes to the first person waiting
    return len(ids)


@transaction.atomic
def do_cancel_rsvp(user: User, occurrence_id: int) -> Rsvp | None:
    """Cancel a sign-up; a freed seat goes to the first person on the waitlist. Return who was promoted."""
    occurrence = SessionOccurrence.objects.select_for_update().get(pk=occurrence_id)
    rsvp = Rsvp.objects.filter(occurrence=occurrence, user=user).first()
    if rsvp is None:
        return None
    freed = rsvp.status == Rsvp.Status.GOING
    rsvp.delete()
    if not freed:
        return None
    promoted = occurrence.rsvps.filter(status=Rsvp.Status.WAITLISTED).order_by("created_at", "id").first()
    if promoted is not None:
        promoted.status = Rsvp.Status.GOING
        promoted.save(update_fields=["status"])
    return promoted


def summary(occurrence: SessionOccurrence) -> dict:
    """What happened in a session, in numbers only: never a transcript."""
    during = Message.objects.filter(
        room=occurrence.series.room, created_at__gte=occurrence.starts_at, created_at__lt=occurrence.ends_at
    )
    return {
        "session": occurrence.pk,
        "title": occurrence.series.title,
        "starts_at": occurrence.starts_at.isoformat(),
        "ends_at": occurrence.ends_at.isoformat(),
        "signed_up": occurrence.rsvps.filter(status=Rsvp.Status.GOING).count(),
        "took_part": during.values("author").distinct().count(),
        "messages": during.count(),
        **moderation().counts_for(during),  # "flags", "escalations"
    }
