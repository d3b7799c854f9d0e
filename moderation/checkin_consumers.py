"""The check-in sockets: /ws/checkins/<id>/ (one private conversation) and /ws/notices/ (a user's notices, one
socket in every open tab). Thin adapters over moderation.checkins; docs/protocol.md, "Check-ins"."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from chatserver.consumers import ChatConsumer
from chatserver.models import User
from core.events import bind_to_running_loop
from rooms.protocol import (
    BAD_REQUEST,
    CLIENT_ID_MAX_CHARS,
    CLOSE_FORBIDDEN,
    CLOSE_NO_SUCH_ROOM,
    FORBIDDEN,
    RATE_LIMITED,
    FetchHistory,
    Ping,
    ProtocolError,
    SendMessage,
    decode_object,
    encode,
    int_field,
    parse_frame,
    typed_field,
)
from rooms.ratelimit import message_limiter

from . import checkins
from .models import CheckInMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SayOk:
    """The student's "I'm OK, thanks": a canned message, idempotent on its client_id like any other."""

    client_id: str


@dataclass(frozen=True)
class MarkRead:
    seq: int


def parse_checkin_frame(text: str | None):
    """Return the typed frame for one check-in socket message, or raise ProtocolError (total, like rooms')."""
    kind, data = decode_object(text)
    if kind in ("message.send", "history.fetch", "ping"):
        return parse_frame(text)
    if kind == "checkin.ok":
        client_id = typed_field(data, "client_id", str)
        if not (1 <= len(client_id) <= CLIENT_ID_MAX_CHARS) or not client_id.isprintable():
            raise ProtocolError(BAD_REQUEST, f"client_id must be 1-{CLIENT_ID_MAX_CHARS} printable characters")
        return SayOk(client_id)
    if kind == "checkin.read":
        return MarkRead(int_field(data, "seq", required=True, minimum=0))
    raise ProtocolError(BAD_REQUEST, "unknown frame type")


def _after_seq(scope) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after_seq")
    if values and values[-1].isascii() and values[-1].isdigit() and len(values[-1]) < 19:
        return int(values[-1])
    return None


class CheckInConsumer(ChatConsumer):
    checkin_id: int | None = None

    async def connect(self):
        user = await self.accept_logged_in_user()
        if user is None:
            return
        checkin_id = int(self.scope["url_route"]["kwargs"]["checkin_id"])
        # Check access before joining the group: nothing of a check-in reaches a socket that may not read it.
        try:
            await database_sync_to_async(self._check)(user, checkin_id)
        except ProtocolError as error:
            await self.close(code=CLOSE_FORBIDDEN if error.code == FORBIDDEN else CLOSE_NO_SUCH_ROOM)
            return
        bind_to_running_loop()
        self.user = user
        self.limiter = message_limiter()
        await self.channel_layer.group_add(checkins.checkin_group(checkin_id), self.channel_name)
        self.checkin_id = checkin_id
        # Joined first, then read: a message committed in between arrives twice (dropped by seq), never not at all.
        snapshot = await database_sync_to_async(checkins.join_snapshot)(user, checkin_id, _after_seq(self.scope))
        await self.send(text_data=encode(snapshot))

    @staticmethod
    def _check(user, checkin_id: int) -> None:
        checkins.check_access(user, checkins.get_checkin(checkin_id))

    async def disconnect(self, code):
        checkin_id, self.checkin_id = self.checkin_id, None  # stops receive() at once; runs only once
        if checkin_id is not None:
            await self.channel_layer.group_discard(checkins.checkin_group(checkin_id), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if self.checkin_id is None:
            return
        client_id = None
        try:
            frame = parse_checkin_frame(text_data)
            if isinstance(frame, SendMessage | SayOk):
                client_id = frame.client_id
                await self.send_message(frame)
            elif isinstance(frame, FetchHistory):
                await self.fetch_history(frame)
            elif isinstance(frame, MarkRead):
                unread = await database_sync_to_async(checkins.do_mark_read)(self.user, self.checkin_id, frame.seq)
                await self.send(
                    text_data=encode({"type": "checkin.read", "checkin": self.checkin_id, "unread": unread})
                )
            elif isinstance(frame, Ping):
                await self.send(text_data=encode({"type": "pong"}))
            else:
                raise ProtocolError(BAD_REQUEST, "unknown frame type")
        except ProtocolError as error:
            await self.send(text_data=encode(error.frame()))
        except Exception:
            logger.exception("unexpected error handling a frame in check-in %s", self.checkin_id)
            error = {"type": "error", "code": "server_error", "detail": "the server could not handle this; retry"}
            if client_id is not None:
                error["client_id"] = client_id
            await self.send(text_data=encode(error))

    async def send_message(self, frame) -> None:
        kind = CheckInMessage.Kind.OK if isinstance(frame, SayOk) else CheckInMessage.Kind.TEXT
        body = getattr(frame, "body", checkins.OK_REPLY)
        token = await self.limiter.hit(self.user.pk)
        if token is None:
            existing = await database_sync_to_async(checkins.existing_send_result)(
                self.checkin_id, self.user, frame.client_id
            )
            if existing is not None:
                await self.send(text_data=encode(existing.ack_frame()))
                return
            raise ProtocolError(
                RATE_LIMITED,
                f"slow down: at most {self.limiter.limit} messages in {self.limiter.seconds:g} seconds",
                frame.client_id,
            )
        try:
            result = await database_sync_to_async(self._send_as_current_user)(frame.client_id, body, kind)
        except ProtocolError:
            await self.limiter.refund(self.user.pk, token)
            raise
        if result.duplicate:
            await self.limiter.refund(self.user.pk, token)
        await self.send(text_data=encode(result.ack_frame()))
        support = result.support()
        if support is not None:
            await self.send(text_data=encode(support))

    def _send_as_current_user(self, client_id: str, body: str, kind: str):
        """``do_send`` with the account read afresh: what staff may do follows the account, not the socket's
        snapshot (a role changed by a path that sent no event, say)."""
        user = User.objects.filter(pk=self.user.pk, is_active=True).first()
        if user is None:
            raise ProtocolError(FORBIDDEN, "this account can no longer write here", client_id)
        return checkins.do_send(user, self.checkin_id, client_id, body, kind)

    async def fetch_history(self, frame: FetchHistory) -> None:
        def page():
            checkin = checkins.get_checkin(self.checkin_id)
            checkins.check_access(self.user, checkin)
            if frame.before_seq is not None:
                return checkins.messages_before(checkin, frame.before_seq, frame.limit, self.user.pk)
            return checkins.messages_after(checkin, frame.after_seq, frame.limit, self.user.pk)

        messages, has_more = await database_sync_to_async(page)()
        await self.send(text_data=encode({"type": "history", "messages": messages, "has_more": has_more}))

    async def checkin_frame(self, event):
        """A pre-serialised frame for everyone in the check-in (a message, the staff list, resolved)."""
        if self.checkin_id is not None:
            await self.send(text_data=event["frame"])


class NoticeConsumer(ChatConsumer):
    """A user's notices in every open tab: check-ins opened for them, new messages and the unread count."""

    joined = False

    async def connect(self):
        user = await self.accept_logged_in_user()
        if user is None:
            return
        bind_to_running_loop()
        self.user = user
        await self.channel_layer.group_add(checkins.notice_group(user.pk), self.channel_name)
        self.joined = True
        mine = await database_sync_to_async(checkins.checkins_of_student)(user)
        await self.send(text_data=encode({"type": "notices.snapshot", "checkins": mine}))

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(checkins.notice_group(self.user.pk), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        try:
            kind, _data = decode_object(text_data)
            if kind != "ping":
                raise ProtocolError(BAD_REQUEST, "unknown frame type")
            reply = {"type": "pong"}
        except ProtocolError as error:
            reply = error.frame()
        await self.send(text_data=encode(reply))

    async def notice_frame(self, event):
        if self.joined:
            await self.send(text_data=event["frame"])
