"""A student's data rights: everything we hold about them as JSON (export), and deleting their account.

The export is a list of named sections. Rooms builds the ones about rooms (account, memberships and aliases,
messages, RSVPs, reports); the moderation app, which sits above rooms, adds its own (reveals, moderation
actions, check-ins) with ``register_export_section`` in its ``AppConfig.ready()``, as it does for
``rooms.moderation_hooks``. Deletion works the same way: ``register_eraser`` lets an upper layer remove or
unlink what it holds, inside the deletion's transaction, before the account row goes.

What a deleted account leaves (docs/decisions.md, "Data rights"):
- its memberships stay, detached (``Membership.user`` None): each message keeps its author and seq, so
  histories stay gapless and moderation records stay whole, but no row links an alias to the person or to
  their aliases in other rooms;
- its messages become tombstones: body and client_id cleared (with the earlier bodies kept as MessageRevisions),
  ``deleted_at`` set, a message posted under the
  name shown as DELETED_AUTHOR_NAME; ``state_changed_at`` moves so reconnecting clients are told;
- RSVPs, the calendar token, sessions and failed log-in records go with the account row;
- reports the person made stay (moderators' records) but point at a detached membership only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chatserver.access import end_open_sockets
from chatserver.models import Role, User

from . import circle, protocol
from .events import publish_room_frame
from .models import CalendarToken, Membership, Message, MessageRevision, RaisedHand, Reaction, Report, Room, Rsvp
from .protocol import BAD_REQUEST, FORBIDDEN, ProtocolError

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "medpeer-personal-data"
EXPORT_VERSION = 1

# How a message posted under the name of a since deleted account is shown (messages posted under an alias
# keep the alias: once its membership is detached, it names no one).
DELETED_AUTHOR_NAME = "Deleted account"

# What a person must tick to delete their account (the page and the HTTP API ask the same).
DELETION_CONFIRMATION = "delete my account"

ExportSection = Callable[[User], Any]
Eraser = Callable[[User, datetime], None]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _account(user: User) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "safety_notice_accepted_at": _iso(user.safety_notice_accepted_at),
        # The feed's address is itself a secret: an export file that leaks must not open the calendar.
        "personal_calendar_feed": CalendarToken.objects.filter(user=user).exists(),
    }


def _memberships(user: User) -> list[dict]:
    memberships = Membership.objects.filter(user=user).select_related("room").order_by("room__title")
    return [
        {
            "room": {"slug": m.room.slug, "title": m.room.title},
            "alias": m.alias,
            "posting_as": "alias" if m.is_anonymous else "name",
            "joined_at": _iso(m.joined_at),
            "muted_until": _iso(m.muted_until),
            "banned": m.is_banned,
        }
        for m in memberships
    ]


def _messages(user: User) -> list[dict]:
    """The person's own messages, each as the room showed it (alias or name) and where it stands."""
    messages = Message.objects.filter(author__user=user).select_related("room").order_by("room__title", "seq")
    return [
        {
            "room": {"slug": m.room.slug, "title": m.room.title},
            "seq": m.seq,
            "sent_at": _iso(m.created_at),
            "shown_as": m.author_name,
            "anonymous": m.author_anonymous,
            "body": m.body,
            "state": m.state,
            "edited_at": _iso(m.edited_at),
            "deleted_at": _iso(m.deleted_at),
        }
        for m in messages.iterator(chunk_size=500)
    ]


def _message_revisions(user: User) -> list[dict]:
    """The words the person's edits replaced and their deletions took from the room (kept for moderators)."""
    revisions = (
        MessageRevision.objects.filter(message__author__user=user)
        .select_related("message__room")
        .order_by("message__room__title", "message__seq", "replaced_at", "id")
    )
    return [
        {
            "room": {"slug": r.message.room.slug, "title": r.message.room.title},
            "seq": r.message.seq,
            "kind": r.kind,
            "body": r.body,
            "replaced_at": _iso(r.replaced_at),
        }
        for r in revisions
    ]


def _reactions(user: User) -> list[dict]:
    """The person's own reactions: which message (room and seq) and which reaction; never who wrote the message."""
    reactions = Reaction.objects.filter(member__user=user).select_related("message__room").order_by("created_at")
    return [
        {
            "room": {"slug": r.message.room.slug, "title": r.message.room.title},
            "seq": r.message.seq,
            "reaction": r.kind,
            "reacted_at": _iso(r.created_at),
        }
        for r in reactions
    ]


def _rsvps(user: User) -> list[dict]:
    rsvps = Rsvp.objects.filter(user=user).select_related("occurrence__series__room").order_by("occurrence__starts_at")
    return [
        {
            "session": r.occurrence.series.title,
            "room": {"slug": r.occurrence.series.room.slug, "title": r.occurrence.series.room.title},
            "starts_at": _iso(r.occurrence.starts_at),
            "ends_at": _iso(r.occurrence.ends_at),
            "cancelled": r.occurrence.cancelled,
            "status": r.status,
            "signed_up_at": _iso(r.created_at),
        }
        for r in rsvps
    ]


def _reports(user: User) -> list[dict]:
    """Reports the person made: which message (room and seq) and their reason; never who wrote the message."""
    reports = Report.objects.filter(reporter__user=user).select_related("message__room").order_by("created_at")
    return [
        {
            "room": {"slug": r.message.room.slug, "title": r.message.room.title},
            "seq": r.message.seq,
            "reason": r.reason,
            "reported_at": _iso(r.created_at),
        }
        for r in reports
    ]


# In the export's order. Rooms' own sections first; upper layers add theirs with register_export_section.
_sections: dict[str, ExportSection] = {
    "account": _account,
    "memberships": _memberships,
    "messages": _messages,
    "message_revisions": _message_revisions,
    "reactions": _reactions,
    "rsvps": _rsvps,
    "reports": _reports,
}
_erasers: dict[str, Eraser] = {}


def register_export_section(name: str, build: ExportSection) -> None:
    """Add (or replace) the export section ``name``: ``build(user)`` returns JSON-ready data about ``user`` only.

    Precondition: what ``build`` returns names no other person (no reporter, moderator or fellow member).
    """
    _sections[name] = build


def register_eraser(name: str, erase: Eraser) -> None:
    """Add (or replace) ``erase(user, now)``, run inside ``do_delete_account``'s transaction while the account
    and its memberships are still linked: it must remove, or unlink from ``user``, what its app holds."""
    _erasers[name] = erase


def export_sections() -> tuple[str, ...]:
    return tuple(_sections)


def export_personal_data(user: User, now: datetime | None = None) -> dict:
    """Return everything we hold about ``user`` as one JSON-ready object: a header, then one key per section."""
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(now or timezone.now()),
    }
    for name, build in _sections.items():
        data[name] = build(user)
    return data


def check_may_delete_account(request, password: str, confirmation: str) -> None:
    """Raise ProtocolError unless ``request.user`` is a student who re-entered their password and typed the
    confirmation.

    The password goes through ``authenticate``, so wrong guesses count towards the log-in lockout
    (django-axes) like any other: a borrowed session cannot try passwords here. Staff accounts (moderators,
    facilitators, mentors) are accountable by name in the audit log and their sessions: an operator
    deactivates them instead.
    """
    user = request.user
    if user.role != Role.STUDENT:
        raise ProtocolError(FORBIDDEN, "staff accounts are closed by an operator, who keeps the audit trail")
    if confirmation.strip().lower() != DELETION_CONFIRMATION:
        raise ProtocolError(BAD_REQUEST, f"type “{DELETION_CONFIRMATION}” to confirm")
    if authenticate(request, username=user.username, password=password) is None:
        raise ProtocolError(FORBIDDEN, "that is not your password (or too many wrong tries: wait and try again)")


def _tombstone_messages(user: User, now: datetime) -> int:
    """Empty the person's messages into tombstones; return how many there were."""
    mine = Message.objects.filter(author__user=user)
    # A message posted under the name would still name them: it shows DELETED_AUTHOR_NAME instead.
    mine.filter(author_anonymous=False).update(author_name=DELETED_AUTHOR_NAME)
    # Unpin: a pin would keep an empty message above the conversation.
    Room.objects.filter(pinned_message__in=mine).update(pinned_message=None)
    # The words their edits replaced and their deletions took away were kept for moderators: they go too.
    MessageRevision.objects.filter(message__in=mine).delete()
    # state_changed_at: a client reconnecting with after_seq is sent the tombstone among the changes it missed.
    return mine.update(body="", client_id=None, deleted_at=now, state_changed_at=now)


def _leave_circles(memberships) -> None:
    """Lower the person's hands and end their turn: a hand or turn raised under the name would keep showing it."""
    rooms = list(
        Room.objects.filter(Q(raised_hands__member__in=memberships) | Q(circle_speaker__in=memberships)).distinct()
    )
    RaisedHand.objects.filter(member__in=memberships).delete()
    Room.objects.filter(circle_speaker__in=memberships).update(circle_speaker=None, circle_speaker_shown_as="")
    for room in Room.objects.filter(pk__in=[room.pk for room in rooms]):
        publish_room_frame(room.group_name, protocol.encode(circle.circle_state(room)))


def _forget_sign_in_records(user: User) -> None:
    """Delete the account's sessions (every browser is signed out) and its failed log-in records."""
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        from django.contrib.sessions.models import Session

        # The user id is inside each session's encoded data: read the live ones (a rare action, so a scan).
        user_id = str(user.pk)
        stale = [
            s.pk
            for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000)
            if str(s.get_decoded().get("_auth_user_id")) == user_id
        ]
        Session.objects.filter(pk__in=stale).delete()
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()


@transaction.atomic
def do_delete_account(user: User, now: datetime | None = None) -> int:
    """Delete ``user``'s account and everything that identifies them; return how many messages became tombstones.

    Precondition: ``check_may_delete_account`` passed. Their open sockets close after commit (4408) and can
    never reconnect (the account is gone).
    """
    now = now or timezone.now()
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    memberships = Membership.objects.filter(user=user)
    # Upper layers first, while the account still links to its memberships and messages.
    for erase in _erasers.values():
        erase(user, now)
    tombstones = _tombstone_messages(user, now)
    _leave_circles(memberships)
    # Posting "as name" would show a deleted person's name: a detached membership only ever shows its alias.
    memberships.update(user=None, is_anonymous=True, muted_until=None)
    _forget_sign_in_records(user)
    end_open_sockets(user.pk, "account_deleted")
    user.delete()  # RSVPs and the calendar token go with it (on_delete CASCADE)
    logger.info("an account was deleted at its owner's request (%d messages emptied)", tombstones)
    return tombstones
