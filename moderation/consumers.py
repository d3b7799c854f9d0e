"""The moderator consumer (/ws/moderation/): the live queue and the actions taken on it."""

from __future__ import annotations

import logging
import time

from channels.db import database_sync_to_async

from chatserver.consumers import ChatConsumer
from chatserver.models import User
from core.events import bind_to_running_loop
from rooms.protocol import CLOSE_FORBIDDEN, ProtocolError, decode_object, encode

from . import payloads, reveals
from .actions import perform

logger = logging.getLogger(__name__)


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
