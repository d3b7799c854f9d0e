"""What a muted or banned member is told: the reason, the end of a mute, and where to appeal a ban.

The end time goes out as an ISO 8601 instant; each client shows it in the reader's own time zone.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .models import Membership


def is_muted(membership: Membership) -> bool:
    return membership.muted_until is not None and membership.muted_until > timezone.now()


def mute_payload(membership: Membership) -> dict:
    """The ``muted_until`` and ``mute_reason`` of room.joined's ``you``: both None unless muted now."""
    if not is_muted(membership):
        return {"muted_until": None, "mute_reason": None}
    return {"muted_until": membership.muted_until.isoformat(), "mute_reason": membership.mute_reason}


def banned_frame(reason: str) -> dict:
    """The ``banned`` frame: why, and where to appeal (settings.MODERATION_APPEAL_CONTACT, "" when unset)."""
    return {"type": "banned", "reason": reason, "appeal": settings.MODERATION_APPEAL_CONTACT}
