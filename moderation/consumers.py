"""The moderator consumer (/ws/moderation/): the live queue and the actions taken on it."""

from __future__ import annotations

import logging
import time

from channels.db import database_sync_to_async

from chatserver.consumers import ChatConsumer
from chatserver.models import User
from core.events import bind_to_running_loop
from rooms.protocol import (
    BAD_REQUEST,
    CLOSE_FORBIDDEN,
    ProtocolError,
    decode_object,
    encode,
    int_field,
    typed_field,
)

from . import member_actions, payloads, queue_actions, reveals, room_tools

logger = logging.getLogger(__name__)
REASON_MAX_CHARS = 2000


def _text(data: dict, name: str, *, required: bool = True) -> str:
    value = typed_field(data, name, str, required=required) or ""
    if len(value) > REASON_MAX_CHARS:
        raise ProtocolError(BAD_REQUEST, f"'{name}' is longer than {REASON_MAX_CHARS} characters")
    return value


def perform(user, kind: str, data: dict) -> dict:
    """Run one moderator action; return the frame answering it. Raise ProtocolError on bad input."""
    if kind == "escalation.ack":
        escalation = queue_actions.do_acknowledge_escalation(user, int_field(data, "id", required=True))
        return {"type": "action.done", "action": kind, "id": escalation.pk}
    if kind == "escalation.resolve":
        escalation = queue_actions.do_resolve_escalation(
            user, int_field(data, "id", required=True), _text(data, "note")
        )
        return {"type": "action.done", "action": kind, "id": escalation.pk}
    if kind == "identity.reveal":
        request = reveals.do_request_reveal(
            user,
            _text(data, "reason"),
            int_field(data, "escalation", required=False),
            int_field(data, "flag", required=False),
        )
        return {"type": "action.done", "action": kind, "request": request.pk, "status": request.status}
    if kind == "identity.reveal.approve":
        request = reveals.do_approve_reveal(user, int_field(data, "request", required=True))
        return {"type": "action.done", "action": kind, "request": request.pk, "status": request.status}
    room = _text(data, "room")
    if kind == "message.hide":
        seq = int_field(data, "seq", required=True)
        queue_actions.do_hide_message(user, room, seq, _text(data, "reason", required=False))
        return {"type": "action.done", "action": kind, "room": room, "seq": seq}
    if kind == "message.approve":
        seq = int_field(data, "seq", required=True)
        queue_actions.do_approve_message(user, room, seq)
        return {"type": "action.done", "action": kind, "room": room, "seq": seq}
    if kind == "room.pin":
        text = typed_field(data, "text", str)
        room_tools.do_pin_announcement(user, room, text)
        return {"type": "action.done", "action": kind, "room": room}
    if kind == "message.pin":
        seq = int_field(data, "seq", required=True, minimum=0)
        room_tools.do_pin_message(user, room, seq)
        return {"type": "action.done", "action": kind, "room": room, "seq": seq}
    if kind == "room.slow_mode":
        seconds = int_field(data, "seconds", required=True, minimum=0)
        room_tools.do_set_slow_mode(user, room, seconds)
        return {"type": "action.done", "action": kind, "room": room, "seconds": seconds}
    if kind not in ("user.warn", "user.mute", "user.ban"):
        raise ProtocolError(BAD_REQUEST, "unknown frame type")
    # The member: by alias, or as the author of a message (how a message posted under a name is acted on).
    seq = int_field(data, "seq", required=False)
    alias = _text(data, "alias", required=seq is None) or None
    if kind == "user.warn":
        member_actions.do_warn_member(user, room, alias, _text(data, "reason"), seq=seq)
    elif kind == "user.mute":
        minutes = int_field(data, "minutes", required=True)
        member_actions.do_mute_member(user, room, alias, minutes, _text(data, "reason", required=False), seq=seq)
    else:
        member_actions.do_ban_member(user, room, alias, _text(data, "reason"), seq=seq)
    target = {"alias": alias} if seq is None else {"seq": seq}
    return {"type": "action.done", "action": kind, "room": room, **target}


class AccessRevoked(Exception):
    """The account behind a moderator socket is no longer an active moderator."""


def current_moderator(user_id: int) -> User:
    """Return the account as it is now; raise AccessRevoked unless it is still an active moderator."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.is_moderator:
        raise AccessRevoked
    return user


def perform_as_current_moderator(user_id: int, kind: str, data: dict) -> dict:
    """``perform`` with the account read afresh: powers follow the account, not the socket's snapshot."""
    return perform(current_moderator(user_id), kind, data)


# Live queue pushes re-check the account at most this often; actions re-check on every frame, and a change
# of account closes the socket at once through chatserver.access. This bounds what a lost event can leak.
PUSH_RECHECK_SECONDS = 5.0


class ModeratorConsumer(ChatConsumer):
    joined = False
    checked_at = 0.0

    async def connect(self):
        user = await self.accept_logged_in_user()
        if user is None:
            return
        if not user.is_moderator:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        bind_to_running_loop()
        self.user = user
        # Join first, then read the queue: anything raised in between arrives twice, never not at all.
        await self.channel_layer.group_add(payloads.MODERATORS_GROUP, self.channel_name)
        await self.channel_layer.group_add(reveals.moderator_group(user.pk), self.channel_name)
        self.joined = True
        self.checked_at = time.monotonic()
        snapshot = await database_sync_to_async(payloads.queue_snapshot)()
        await self.send(text_data=encode(snapshot))

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(payloads.MODERATORS_GROUP, self.channel_name)
            await self.channel_layer.group_discard(reveals.moderator_group(self.user.pk), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        try:
            kind, data = decode_object(text_data)
            if kind == "ping":
                reply = {"type": "pong"}
            else:
                reply = await database_sync_to_async(perform_as_current_moderator)(self.user.pk, kind, data)
                self.checked_at = time.monotonic()
        except AccessRevoked:
            await self._revoke()
            return
        except ProtocolError as error:
            reply = error.frame()
        except Exception:
            logger.exception("unexpected error handling a moderator frame")
            reply = {"type": "error", "code": "server_error", "detail": "the server could not handle this; retry"}
        await self.send(text_data=encode(reply))

    async def moderation_frame(self, event):
        if not self.joined:
            return
        if time.monotonic() - self.checked_at > PUSH_RECHECK_SECONDS:
            try:
                await database_sync_to_async(current_moderator)(self.user.pk)
            except AccessRevoked:
                await self._revoke()
                return
            self.checked_at = time.monotonic()
        await self.send(text_data=event["frame"])

    async def _revoke(self):
        """Stop at once: nothing more is sent on this socket, and it closes as forbidden."""
        await self.disconnect(CLOSE_FORBIDDEN)
        await self.close(code=CLOSE_FORBIDDEN)
