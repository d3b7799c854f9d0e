"""What a member reads: history pages, the changes a reconnecting client missed, and the ``room.joined`` snapshot.

Read only: nothing here writes. A viewer sees visible messages and their own held ones (marked held).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from . import circle, protocol, rows
from .identity import identity_payload
from .models import Membership, Message, MessageState, Room
from .reactions import reactions_by_message
from .sanctions import mute_payload


def visible_to(room_id: int, viewer: Membership | None):
    """Messages a viewer may see: visible ones, plus the viewer's own held ones (marked held)."""
    # The quote of a reply is read with the message (no query per reply).
    messages = Message.objects.filter(room_id=room_id).select_related("reply_to")
    if viewer is None:
        return messages.filter(state=MessageState.VISIBLE)
    return messages.filter(Q(state=MessageState.VISIBLE) | Q(state=MessageState.HELD, author=viewer))


class MessageRow:
    """A stored message as history serialises it: the fields protocol.message_payload and reply_quote read.

    History reads its messages in SQL written once (``_message_rows``) into these, not into Message models:
    building 50 models and their quoted messages with the ORM was most of a join's CPU, and a process's joins
    per second were bound by it (docs/benchmarks.md, handshakes/s).
    """

    __slots__ = (
        "author_anonymous",
        "author_id",
        "author_name",
        "author_role",
        "body",
        "client_id",
        "created_at",
        "deleted_at",
        "edited_at",
        "pk",
        "reply_to",
        "reply_to_id",
        "seq",
        "state",
    )

    def __init__(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


# The columns read for a message (m) and for the message it replies to (r), in MessageRow's terms.
_MESSAGE_COLUMNS = (
    "id",
    "seq",
    "author_id",
    "author_anonymous",
    "author_name",
    "author_role",
    "body",
    "client_id",
    "created_at",
    "state",
    "deleted_at",
    "edited_at",
    "reply_to_id",
)
_QUOTE_COLUMNS = ("id", "seq", "author_anonymous", "author_name", "author_role", "body", "state", "deleted_at")
# SQLite gives these as text and integers; the ORM's converters make them datetimes and booleans.
_TYPED_COLUMNS = frozenset({"created_at", "deleted_at", "edited_at", "author_anonymous"})

# Which messages a history read returns (the query's WHERE, after the room), by what the caller asks for. The
# viewer's held messages are theirs to see (as in visible_to); a viewer id of None matches no author.
_VISIBLE_TO_VIEWER = "(m.state = %s OR (m.state = %s AND m.author_id = %s))"
_CONDITIONS = {
    "before": (f"{_VISIBLE_TO_VIEWER} AND m.seq < %s", "m.seq DESC"),
    "after": (f"{_VISIBLE_TO_VIEWER} AND m.seq > %s", "m.seq"),
    # Changed since a time, whoever may see them now (the caller sends message.removed for the others).
    "changed": ("m.seq <= %s AND m.state_changed_at >= %s", "m.seq"),
    "one": ("m.id = %s", "m.seq"),
}


def _message_rows(room_id: int, which: str, params: list, limit: int) -> list[MessageRow]:
    """Read up to ``limit`` messages of a room with the messages they reply to, in one query (``_CONDITIONS``)."""
    condition, order = _CONDITIONS[which]
    table = rows.table(Message)
    columns = ", ".join([*(f"m.{c}" for c in _MESSAGE_COLUMNS), *(f"r.{c}" for c in _QUOTE_COLUMNS)])
    sql = (
        f"SELECT {columns} FROM {table} m LEFT JOIN {table} r ON r.id = m.reply_to_id "
        f"WHERE m.room_id = %s AND {condition} ORDER BY {order} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [room_id, *params, limit])
        raw_rows = cursor.fetchall()
    if not raw_rows:
        return []
    width = len(_MESSAGE_COLUMNS)
    result = []
    for raw in raw_rows:
        fields = _converted(dict(zip(_MESSAGE_COLUMNS, raw[:width], strict=True)))
        quote = _converted(dict(zip(_QUOTE_COLUMNS, raw[width:], strict=True)))
        reply_to = None if quote["pk"] is None else MessageRow(**quote)
        result.append(MessageRow(**fields, reply_to=reply_to))
    return result


def _converted(fields: dict) -> dict:
    """The raw values of a row's typed columns converted as the ORM would (rows.value_of), ``id`` as ``pk``."""
    for column in _TYPED_COLUMNS.intersection(fields):
        if fields[column] is not None:
            fields[column] = rows.value_of(Message, column, fields[column])
    fields["pk"] = fields.pop("id")
    return fields


def _payloads(messages, viewer: Membership | None, reactions: tuple[dict, dict] | None = None) -> list[dict]:
    """Serialise messages for one viewer: reactions counted and the viewer's own marked, in one query (none when
    ``reactions`` already holds them: reactions_by_message for these messages)."""
    viewer_id = viewer.pk if viewer is not None else None
    if reactions is None:
        reactions = reactions_by_message([m.pk for m in messages if m.deleted_at is None], viewer)
    counts, mine = reactions
    return [
        protocol.message_payload(
            m,
            include_client_id=(m.author_id == viewer_id),
            reactions=counts.get(m.pk),
            my_reactions=mine.get(m.pk, []) if viewer is not None else None,
        )
        for m in messages
    ]


def messages_before(room_id: int, viewer: Membership | None, before_seq: int, limit: int) -> tuple[list[dict], bool]:
    """Return up to ``limit`` messages with seq < before_seq, oldest first, and whether older ones exist."""
    viewer_id = viewer.pk if viewer is not None else None
    messages = _message_rows(
        room_id, "before", [MessageState.VISIBLE, MessageState.HELD, viewer_id, before_seq], limit + 1
    )
    has_more = len(messages) > limit
    messages = messages[:limit]
    messages.reverse()
    return _payloads(messages, viewer), has_more


def messages_after(room_id: int, viewer: Membership | None, after_seq: int, limit: int) -> tuple[list[dict], bool]:
    """Return up to ``limit`` messages with seq > after_seq, oldest first, and whether newer ones exist."""
    messages, has_more = _rows_after(room_id, viewer, after_seq, limit)
    return _payloads(messages, viewer), has_more


def _rows_after(room_id: int, viewer: Membership | None, after_seq: int, limit: int) -> tuple[list[MessageRow], bool]:
    viewer_id = viewer.pk if viewer is not None else None
    messages = _message_rows(
        room_id, "after", [MessageState.VISIBLE, MessageState.HELD, viewer_id, after_seq], limit + 1
    )
    return messages[:limit], len(messages) > limit


def changes_before(room_id: int, viewer: Membership, up_to_seq: int) -> list[dict]:
    """Return recent changes to messages with seq <= up_to_seq, as frames to apply in order.

    A reconnecting client already had those messages; a hide, an approval, an edit, a deletion or a reaction
    while it was away would otherwise never reach it. A message object replaces the one shown with its seq
    (or is inserted in its place). Applying a change twice is harmless, so the window is generous.
    """
    return _change_frames(_changed_rows(room_id, viewer, up_to_seq), viewer)


def _changed_rows(room_id: int, viewer: Membership, up_to_seq: int) -> list[MessageRow | dict]:
    """The changed messages the viewer may see, and ``message.removed`` frames for the others, in seq order."""
    since = timezone.now() - timedelta(seconds=settings.CHAT_CHANGES_WINDOW_SECONDS)
    changed = _message_rows(room_id, "changed", [up_to_seq, since], settings.CHAT_REPLAY_LIMIT)
    return [
        message
        if message.state == MessageState.VISIBLE or message.author_id == viewer.pk
        else {"type": "message.removed", "seq": message.seq}
        for message in changed
    ]


def _change_frames(rows: list[MessageRow | dict], viewer: Membership, reactions=None) -> list[dict]:
    shown = [row for row in rows if isinstance(row, MessageRow)]
    payloads = iter(_payloads(shown, viewer, reactions))
    return [next(payloads) if isinstance(row, MessageRow) else row for row in rows]


def pinned_message_payload(room: Room) -> dict | None:
    """The room's pinned message as a protocol message object, or None (none pinned, or no longer visible)."""
    if room.pinned_message_id is None:
        return None
    found = _message_rows(room.pk, "one", [room.pinned_message_id], 1)
    message = found[0] if found else None
    if message is None or message.state != MessageState.VISIBLE or message.deleted_at is not None:
        return None
    return protocol.message_payload(message)


def join_snapshot(membership: Membership, after_seq: int | None, online: int) -> dict:
    """Return the ``room.joined`` frame for a member who just connected.

    Precondition: ``membership.user`` is loaded. The room is read fresh (its ``last_seq`` after the caller
    joined the room's group, so no message falls between history and live frames); its pinned message, when it
    has one, in one more query.
    """
    (room,) = rows.read_one((Room,), f"{rows.table(Room)} t0", "t0.id = %s", [membership.room_id])
    membership.room = room
    frame = {
        "type": "room.joined",
        "protocol": protocol.PROTOCOL_VERSION,
        "room": {
            "slug": room.slug,
            "title": room.title,
            "anonymity": room.anonymity,
            "posting_open": room.posting_open,
            "slow_mode_seconds": room.slow_mode_seconds,
            "pinned": room.pinned_text,
            "pinned_message": pinned_message_payload(room),
            "edit_window_seconds": settings.CHAT_EDIT_WINDOW_SECONDS,
        },
        "you": {**identity_payload(membership), "role": membership.user.role, **mute_payload(membership)},
        "circle": circle.circle_state(room),
        "last_seq": room.last_seq,
        "online": online,
    }
    if after_seq is None:
        # has_more here means older messages exist (scroll back with history.fetch before_seq).
        frame["history"], frame["has_more"] = messages_before(
            room.pk, membership, room.last_seq + 1, settings.CHAT_HISTORY_ON_JOIN
        )
    else:
        # has_more here means the replay was capped: page on with history.fetch after_seq.
        missed, frame["has_more"] = _rows_after(room.pk, membership, after_seq, settings.CHAT_REPLAY_LIMIT)
        changed = _changed_rows(room.pk, membership, after_seq)
        # The reactions of both, in one query.
        both = [m.pk for m in [*missed, *changed] if isinstance(m, MessageRow) and m.deleted_at is None]
        reactions = reactions_by_message(both, membership)
        frame["history"] = _payloads(missed, membership, reactions)
        frame["capped"] = frame["has_more"]
        frame["changes"] = _change_frames(changed, membership, reactions)
    return frame
