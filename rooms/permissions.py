"""Who may run a room: the permission checks rooms and the moderation app share."""

from __future__ import annotations

from core.errors import FORBIDDEN, ApiError

from .models import Room


def check_room_staff(user, room: Room) -> None:
    """Raise ApiError(FORBIDDEN) unless ``user`` is a moderator or one of the room's facilitators."""
    if user.is_authenticated and (user.is_moderator or room.facilitators.filter(pk=user.pk).exists()):
        return
    raise ApiError(FORBIDDEN, "moderators and this room's facilitators only")
