"""WebSocket protocol v1: frame schemas, error codes and serialisation. See docs/protocol.md.

Parsing is strict and total: any input produces either a typed ``ClientFrame`` or a ``ProtocolError``
with a code, never an exception of another kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# Error codes and close codes live in the bottom layer (core.errors); re-exported here for every caller.
from core.errors import (  # noqa: F401  (re-exported: rooms.protocol has always named them)
    BAD_REQUEST,
    CLOSE_ACCESS_CHANGED,
    CLOSE_FORBIDDEN,
    CLOSE_NO_SUCH_ROOM,
    CLOSE_NOT_LOGGED_IN,
    CLOSE_TOO_MANY_SOCKETS,
    EDIT_WINDOW_CLOSED,
    ERROR_CODES,
    FORBIDDEN,
    MESSAGE_DELETED,
    MESSAGE_HELD,
    MUTED,
    NOT_FOUND,
    NOT_LOGGED_IN,
    NOT_YOUR_TURN,
    RATE_LIMITED,
    ROOM_CLOSED,
    STATUS_FOR_CODE,
    TOO_LONG,
    ApiError,
    http_status,
)
from core.frames import encode  # noqa: F401  (re-exported)

PROTOCOL_VERSION = 1

CIRCLE_ACTIONS = ("circle.start", "circle.stop", "hand.raise", "hand.lower", "turn.give", "turn.pass")

CLIENT_ID_MAX_CHARS = 64
# Lists and objects inside one another in a frame or an HTTP JSON body; real ones use 2 at most.
MAX_JSON_DEPTH = 8


# An error a client caused; sent back as an ``error`` frame, the connection stays open. Over HTTP, the
# answer's status comes from the code (core.errors.STATUS_FOR_CODE).
ProtocolError = ApiError


# The supportive reactions, by the name the protocol uses, with what the browser shows. A small fixed set on
# purpose: support, not judgement (no thumbs down, no laughter that could read as mockery).
REACTIONS = {"heart": "❤️", "hug": "🤗", "pray": "🙏", "strong": "💪", "me_too": "me too"}

# How much of a replied-to message its quote carries.
REPLY_SNIPPET_CHARS = 140


@dataclass(frozen=True)
class SendMessage:
    client_id: str
    body: str
    # The seq of the message this one replies to, if any.
    reply_to: int | None = None


@dataclass(frozen=True)
class EditMessage:
    seq: int
    body: str


@dataclass(frozen=True)
class DeleteMessage:
    seq: int


@dataclass(frozen=True)
class SetReaction:
    seq: int
    reaction: str
    on: bool


@dataclass(frozen=True)
class MarkRead:
    seq: int


@dataclass(frozen=True)
class SetIdentity:
    anonymous: bool


@dataclass(frozen=True)
class FetchHistory:
    before_seq: int | None
    after_seq: int | None
    limit: int


@dataclass(frozen=True)
class ReportMessage:
    seq: int
    reason: str


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class CircleAction:
    action: str
    alias: str | None = None


ClientFrame = (
    SendMessage
    | SetIdentity
    | FetchHistory
    | ReportMessage
    | Ping
    | CircleAction
    | EditMessage
    | DeleteMessage
    | SetReaction
    | MarkRead
)


def typed_field(data: dict, name: str, kind: type | tuple[type, ...], *, required: bool = True, client_id=None):
    """Return ``data[name]`` if it has type ``kind``, None if optional and absent; else raise ProtocolError."""
    if name not in data or data[name] is None:
        if required:
            raise ProtocolError(BAD_REQUEST, f"missing field '{name}'", client_id)
        return None
    value = data[name]
    # bool is an int in Python; a JSON true is never a valid seq or limit.
    if isinstance(value, bool) and kind is not bool:
        raise ProtocolError(BAD_REQUEST, f"field '{name}' has the wrong type", client_id)
    if not isinstance(value, kind):
        raise ProtocolError(BAD_REQUEST, f"field '{name}' has the wrong type", client_id)
    return value


def int_field(data: dict, name: str, *, required: bool, minimum: int = 1) -> int | None:
    """Return the integer ``data[name]`` within [minimum, 2**62]; raise ProtocolError(BAD_REQUEST) otherwise."""
    value = typed_field(data, name, int, required=required)
    if value is not None and not (minimum <= value <= 2**62):
        raise ProtocolError(BAD_REQUEST, f"field '{name}' is out of range")
    return value


def _depth_over(value: Any, limit: int) -> bool:
    """Return whether ``value`` nests lists and objects more than ``limit`` deep (iteratively: no recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def decode_json_object(raw: str | bytes, what: str = "frame") -> dict:
    """Return the one JSON object in ``raw`` (a WebSocket frame or an HTTP body), or raise ProtocolError.

    ``too_long`` over CHAT_MAX_FRAME_BYTES; ``bad_request`` for anything that is not JSON (or not UTF-8),
    not an object, or nested more than MAX_JSON_DEPTH deep. ``what`` names the input in the detail.
    """
    if len(raw) > settings.CHAT_MAX_FRAME_BYTES:
        raise ProtocolError(TOO_LONG, f"{what} larger than {settings.CHAT_MAX_FRAME_BYTES} bytes")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ProtocolError(BAD_REQUEST, f"{what} is nested too deeply") from None
    except ValueError:  # includes bytes that are not UTF-8
        raise ProtocolError(BAD_REQUEST, f"{what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError(BAD_REQUEST, f"{what} must be a JSON object")
    if _depth_over(data, MAX_JSON_DEPTH):
        raise ProtocolError(BAD_REQUEST, f"{what} is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
    return data


def decode_object(text: str | None) -> tuple[str, dict]:
    """Return (type, object) for one JSON text frame, or raise ProtocolError."""
    if text is None:
        raise ProtocolError(BAD_REQUEST, "binary frames are not supported; send JSON text")
    data = decode_json_object(text)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(BAD_REQUEST, "missing field 'type'")
    return kind, data


def _echoable_client_id(data: dict) -> str | None:
    """Return the frame's client_id if it can be echoed back on an error (so clients can match the error)."""
    raw = data.get("client_id")
    return raw if isinstance(raw, str) and len(raw) <= CLIENT_ID_MAX_CHARS else None


def client_id_of(text: str | None) -> str | None:
    """Return the client_id of a ``message.send`` frame, to echo on an error about it; None for anything else."""
    try:
        kind, data = decode_object(text)
    except ProtocolError:
        return None
    return _echoable_client_id(data) if kind == "message.send" else None


def _message_body(data: dict, client_id: str | None) -> str:
    """Return the frame's ``body``: a non-empty string within CHAT_MAX_MESSAGE_CHARS, or raise ProtocolError."""
    body = typed_field(data, "body", str, client_id=client_id)
    if len(body) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ProtocolError(TOO_LONG, f"message longer than {settings.CHAT_MAX_MESSAGE_CHARS} characters", client_id)
    if not body.strip():
        raise ProtocolError(BAD_REQUEST, "message is empty", client_id)
    return body


def parse_frame(text: str | None) -> ClientFrame:
    """Return the typed frame for one WebSocket message, or raise ProtocolError.

    ``text`` is the message's text; None (a binary message, which has none) is ``bad_request``.
    """
    kind, data = decode_object(text)

    if kind == "message.send":
        client_id = typed_field(data, "client_id", str, client_id=_echoable_client_id(data))
        if not (1 <= len(client_id) <= CLIENT_ID_MAX_CHARS) or not client_id.isprintable():
            raise ProtocolError(BAD_REQUEST, f"client_id must be 1-{CLIENT_ID_MAX_CHARS} printable characters")
        body = _message_body(data, client_id)
        reply_to = typed_field(data, "reply_to", int, required=False, client_id=client_id)
        if reply_to is not None and not (1 <= reply_to <= 2**62):
            raise ProtocolError(BAD_REQUEST, "field 'reply_to' is out of range", client_id)
        return SendMessage(client_id=client_id, body=body, reply_to=reply_to)
    if kind == "message.edit":
        seq = int_field(data, "seq", required=True)
        return EditMessage(seq=seq, body=_message_body(data, None))
    if kind == "message.delete":
        return DeleteMessage(seq=int_field(data, "seq", required=True))
    if kind == "reaction.set":
        seq = int_field(data, "seq", required=True)
        reaction = typed_field(data, "reaction", str)
        if reaction not in REACTIONS:
            raise ProtocolError(BAD_REQUEST, f"reaction must be one of {', '.join(REACTIONS)}")
        return SetReaction(seq=seq, reaction=reaction, on=typed_field(data, "on", bool))
    if kind == "read":
        return MarkRead(seq=int_field(data, "seq", required=True, minimum=0))
    if kind == "identity.set":
        return SetIdentity(anonymous=typed_field(data, "anonymous", bool))
    if kind == "history.fetch":
        before_seq = int_field(data, "before_seq", required=False)
        after_seq = int_field(data, "after_seq", required=False, minimum=0)
        if (before_seq is None) == (after_seq is None):
            raise ProtocolError(BAD_REQUEST, "give exactly one of 'before_seq' and 'after_seq'")
        limit = int_field(data, "limit", required=False)
        if limit is None:
            limit = settings.CHAT_HISTORY_ON_JOIN
        if limit > settings.CHAT_HISTORY_PAGE_MAX:
            raise ProtocolError(BAD_REQUEST, f"limit must be at most {settings.CHAT_HISTORY_PAGE_MAX}")
        return FetchHistory(before_seq=before_seq, after_seq=after_seq, limit=limit)
    if kind == "message.report":
        seq = int_field(data, "seq", required=True)
        reason = typed_field(data, "reason", str)
        if not reason.strip():
            raise ProtocolError(BAD_REQUEST, "reason is empty")
        if len(reason) > settings.CHAT_REPORT_REASON_MAX_CHARS:
            raise ProtocolError(TOO_LONG, f"reason longer than {settings.CHAT_REPORT_REASON_MAX_CHARS} characters")
        return ReportMessage(seq=seq, reason=reason.strip())
    if kind == "ping":
        return Ping()
    if kind in CIRCLE_ACTIONS:
        alias = typed_field(data, "alias", str) if kind == "turn.give" else None
        return CircleAction(action=kind, alias=alias)
    raise ProtocolError(BAD_REQUEST, "unknown frame type")


def message_payload(
    message,
    *,
    include_client_id: bool = False,
    reactions: dict[str, int] | None = None,
    my_reactions: list[str] | None = None,
) -> dict[str, Any]:
    """Return the protocol object for a stored Message.

    Precondition: the fields used are the author snapshot on the Message itself (and on the message it replies
    to), never the Membership or User, so nothing about an anonymous author can leak from here. ``client_id``
    and ``mine`` go only to the author (a client could pick client_ids that link its named and anonymous
    messages). ``reactions`` are counts by kind; ``my_reactions`` the viewer's own, for a payload built for one
    viewer (history), None in a broadcast. A reply's quote reads ``message.reply_to``: select it with the
    message where many are serialised.
    """
    deleted = message.deleted_at is not None
    payload = {
        "type": "message",
        "seq": message.seq,
        "client_id": message.client_id if include_client_id else None,
        "author": {
            "name": message.author_name,
            "anonymous": message.author_anonymous,
            "role": message.author_role,
        },
        # A tombstone keeps its seq (history stays gapless) and loses its words.
        "body": "" if deleted else message.body,
        "sent_at": message.created_at.isoformat(),
    }
    if message.state != "visible":
        payload["state"] = message.state
    if include_client_id:
        payload["mine"] = True
    if deleted:
        payload["deleted"] = True
        return payload
    if message.edited_at is not None:
        payload["edited_at"] = message.edited_at.isoformat()
    if message.reply_to_id is not None:
        payload["reply_to"] = reply_quote(message.reply_to)
    if reactions:
        payload["reactions"] = reactions
    if my_reactions is not None:
        payload["my_reactions"] = my_reactions
    return payload


def reply_quote(original) -> dict[str, Any]:
    """Return how a reply shows the message it answers: its seq, author and the start of its words as the room
    shows them now, or only ``unavailable`` once it is deleted, held or removed."""
    if original.deleted_at is not None or original.state != "visible":
        return {"seq": original.seq, "unavailable": True}
    snippet = " ".join(original.body.split())
    if len(snippet) > REPLY_SNIPPET_CHARS:
        snippet = snippet[: REPLY_SNIPPET_CHARS - 1].rstrip() + "…"
    return {
        "seq": original.seq,
        "author": {"name": original.author_name, "anonymous": original.author_anonymous, "role": original.author_role},
        "snippet": snippet,
    }
