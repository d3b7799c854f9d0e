"""The moderation app's part of a student's data rights (rooms.personal_data): what it adds to their export,
and what it unlinks when they delete their account. Registered in ``ModerationConfig.ready()``."""

from __future__ import annotations

from datetime import datetime

from rooms import personal_data
from rooms.models import Message

from .checkins import checkins_for_export
from .models import AuditEntry, Flag, FlagStatus
from .reveals import reveals_of

# Moderators' actions on a member that the member was told about when they happened.
MEMBER_ACTIONS = ("user.warn", "user.mute", "user.ban")


def _reveals(user) -> list[dict]:
    """Every reveal of the person's identity: when, in which room, by which role, why (as on the Privacy page)."""
    return [{**reveal, "when": reveal["when"].isoformat()} for reveal in reveals_of(user)]


def _moderation_actions(user) -> list[dict]:
    """Warnings, mutes and bans of the person: what, where, when and the reason given; never by whom."""
    entries = (
        AuditEntry.objects.filter(member__user=user, action__in=MEMBER_ACTIONS)
        .select_related("room")
        .order_by("created_at")
    )
    return [
        {
            "action": entry.action.removeprefix("user."),
            "room": {"slug": entry.room.slug, "title": entry.room.title} if entry.room else None,
            "when": entry.created_at.isoformat(),
            "reason": entry.reason,
            **({"minutes": entry.data["minutes"]} if "minutes" in entry.data else {}),
        }
        for entry in entries
    ]


def erase(user, now: datetime) -> None:
    """Unlink the person from moderation records before their account row is deleted.

    - Audit entries they are the actor of keep what happened but no longer who (``actor`` None): the log is
      append-only for moderators, but it must not keep a deleted person.
    - Open flags on their messages are closed: the text is about to be emptied, nothing is left to review,
      and there is no one left to warn or ban.
    - Escalations on their messages stay as they are, open ones too: a moderator may already know who it was
      (an earlier reveal) and act outside the platform, so the worker keeps alerting until someone
      acknowledges. The text and the identity are gone; a reveal is refused (moderation.reveals).
    """
    AuditEntry.objects.filter(actor=user).update(actor=None)
    Flag.objects.filter(message__in=Message.objects.filter(author__user=user), status=FlagStatus.OPEN).update(
        status=FlagStatus.REVIEWED, reviewed_at=now
    )


def register() -> None:
    personal_data.register_export_section("reveals", _reveals)
    personal_data.register_export_section("moderation_actions", _moderation_actions)
    # Check-ins are deleted with the account (CheckIn.student cascades): no eraser needed.
    personal_data.register_export_section("checkins", checkins_for_export)
    personal_data.register_eraser("moderation", erase)
