"""The room consumer: a thin adapter between WebSocket frames and rooms.services."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from chatserver.consumers import ChatConsumer, cleanup_step
from core.errors import CLOSE_CHANNEL_LAYER_LOST, CLOSE_TOO_SLOW
from core.events import bind_to_running_loop
from core.fanout import OUTBOX_CAPACITY, Outbox, fanout

from . import circle, edits, history, reactions, reads, sanctions, services
from .db_threads import run_db, run_send
from .identity import identity_payload
from .models import member_group
from .presence import presence
from .protocol import (
    BAD_REQUEST,
    CLOSE_FORBIDDEN,
    CLOSE_NO_SUCH_ROOM,
    RATE_LIMITED,
    CircleAction,
    DeleteMessage,
    EditMessage,
    FetchHistory,
    MarkRead,
    Ping,
    ProtocolError,
    ReportMessage,
    SendMessage,
    SetIdentity,
    SetReaction,
    encode,
    parse_frame,
)
from .ratelimit import message_limiter

logger = logging.getLogger(__name__)

SERVER_ERROR = "server_error"


def _join(user, slug: str):
    # A member coming back (most joins) is read in one query; a first join creates the membership.
    membership = services.find_membership(user, slug)
    if membership is not None:
        return membership
    room = services.get_room(slug)
    membership = services.do_join_room(user, room)
    # Attach the rows we already hold: the consumer must not lazy-load them from async code.
    membership.room = room
    membership.user = user
    return membership


class RoomConsumer(ChatConsumer):
    membership = None
    # Room events held while this socket's own frames are being answered (see fanout_event); None: not holding.
    _held_events: list | None = None

    async def connect(self):
        user = await self.accept_logged_in_user()
        if user is None:
            return
        try:
            membership = await run_db(_join, user, self.scope["url_route"]["kwargs"]["slug"])
        except services.RoomNotFound:
            await self.close(code=CLOSE_NO_SUCH_ROOM)
            return
        except services.MemberBanned:
            await self.close(code=CLOSE_FORBIDDEN)
            return

        after_seq, after_seq_error = self._after_seq_from_query()
        bind_to_running_loop()
        self.user = user
        self.membership = membership
        self.group = membership.room.group_name
        self.limiter = message_limiter()
        # Join the room before reading history: a message committed in between arrives twice (clients
        # drop the duplicate by seq) rather than not at all. Room events that come before room.joined is
        # sent are held and follow it.
        self._held_events = []
        self._outbox = Outbox(self.base_send, self._too_slow)
        await fanout().join(self.group, self)
        await self.channel_layer.group_add(member_group(membership.pk), self.channel_name)
        online = await presence.join(membership.room_id, user.pk, self.channel_name)
        snapshot = await run_db(history.join_snapshot, membership, after_seq, online)
        await self.send(text_data=encode(snapshot))
        if after_seq_error is not None:
            await self.send_frame(after_seq_error.frame())
        await self._release_room_events()

    def _after_seq_from_query(self) -> tuple[int | None, ProtocolError | None]:
        """Return after_seq from the URL, or an error to report after room.joined (which then has the latest)."""
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("after_seq")
        if not values:
            return None, None
        value = values[-1]
        if value.isascii() and value.isdigit() and len(value) < 19:
            return int(value), None
        return None, ProtocolError(BAD_REQUEST, "after_seq must be a non-negative integer; sent the latest history")

    async def disconnect(self, code):
        membership, self.membership = self.membership, None  # stops receive() at once; runs only once
        if membership is None:
            return
        # Each step runs whatever the others do (Redis may be away: see ChatConsumer.websocket_disconnect).
        await fanout().leave(self.group, self)
        await cleanup_step(
            self.channel_layer.group_discard(member_group(membership.pk), self.channel_name), "leave its member group"
        )
        await cleanup_step(presence.leave(membership.room_id, self.user.pk, self.channel_name), "leave presence")

    async def websocket_receive(self, message):
        """Answer the socket's frame before any room event that arrives meanwhile (the ack before the broadcast).

        Channel-layer events wait while a consumer handles a frame; room events from core.fanout are held
        the same way, so a sender still gets its message.ack before its own message, as before.
        """
        holding = self._held_events is None
        if holding:
            self._held_events = []
        try:
            await super().websocket_receive(message)
        finally:
            if holding:
                await self._release_room_events()

    async def _release_room_events(self) -> None:
        """Send the held room events in order, behind any frames still queued for this socket, then stop holding."""
        held, self._held_events = self._held_events, None
        for event in held or ():
            self.fanout_event(event)

    async def receive(self, text_data=None, bytes_data=None):
        if self.membership is None:
            return  # closing: ignore anything that raced in
        client_id = frame = None
        try:
            frame = parse_frame(text_data)  # binary frames (text_data None) are refused there
            if isinstance(frame, SendMessage):
                client_id = frame.client_id
                await self.send_message(frame)
            elif isinstance(frame, SetIdentity):
                membership = await database_sync_to_async(services.do_set_identity)(
                    self.membership.pk, frame.anonymous
                )
                await self.send_frame({"type": "identity", **identity_payload(membership)})
            elif isinstance(frame, FetchHistory):
                await self.fetch_history(frame)
            elif isinstance(frame, ReportMessage):
                await database_sync_to_async(services.do_report_message)(self.membership.pk, frame.seq, frame.reason)
                await self.send_frame({"type": "report.ack", "seq": frame.seq})
            elif isinstance(frame, Ping):
                await self.send_frame({"type": "pong"})
            elif isinstance(frame, CircleAction):
                await database_sync_to_async(circle.do_circle)(self.membership.pk, frame.action, frame.alias)
            elif isinstance(frame, (EditMessage, DeleteMessage, SetReaction)):
                await self.change_message(frame)
            elif isinstance(frame, MarkRead):
                await database_sync_to_async(reads.do_mark_read)(self.membership.pk, frame.seq)
        except ProtocolError as error:
            error_frame = error.frame()
            if isinstance(frame, (EditMessage, DeleteMessage, SetReaction)):
                error_frame["seq"] = frame.seq  # which message the refusal is about
            await self.send_frame(error_frame)
        except Exception:
            # Never let one frame take the connection down. Nothing was acknowledged, so a client that
            # retries with the same client_id loses nothing and creates nothing twice.
            logger.exception("unexpected error handling a frame in room %s", self.membership.room_id)
            error = {"type": "error", "code": SERVER_ERROR, "detail": "the server could not handle this; retry"}
            if client_id is not None:
                error["client_id"] = client_id
            await self.send_frame(error)

    async def send_message(self, frame: SendMessage) -> None:
        token = await self.limiter.hit(self.user.pk)
        if token is None:
            # A resend of a stored message (after a reconnect) is not a new message: answer it anyway.
            existing = await database_sync_to_async(services.existing_send_result)(self.membership.pk, frame.client_id)
            if existing is not None:
                await self.send_frame(existing.ack_frame())
                return
            raise ProtocolError(
                RATE_LIMITED,
                f"slow down: at most {self.limiter.limit} messages in {self.limiter.seconds:g} seconds",
                frame.client_id,
            )
        try:
            # In our database threads, one send per room at a time (rooms/db_threads.py).
            result = await run_send(
                self.membership.room_id,
                services.do_send_message,
                self.membership.pk,
                frame.client_id,
                frame.body,
                frame.reply_to,
            )
        except ProtocolError:
            await self.limiter.refund(self.user.pk, token)
            raise
        if result.duplicate:
            await self.limiter.refund(self.user.pk, token)
        await self.send_frame(result.ack_frame())
        support = result.support()
        if support is not None:
            # Only to this socket: nobody else learns that this student was shown crisis resources.
            await self.send_frame(support)

    async def change_message(self, frame: EditMessage | DeleteMessage | SetReaction) -> None:
        """Edit or delete one's own message, or set a reaction; each answered to this socket."""
        if isinstance(frame, EditMessage):
            # An edit puts new words in the room: it counts against the same limit as a send.
            token = await self.limiter.hit(self.user.pk)
            if token is None:
                raise ProtocolError(
                    RATE_LIMITED,
                    f"slow down: at most {self.limiter.limit} messages in {self.limiter.seconds:g} seconds",
                )
            try:
                result = await database_sync_to_async(edits.do_edit_message)(self.membership.pk, frame.seq, frame.body)
            except ProtocolError:
                await self.limiter.refund(self.user.pk, token)
                raise
            await self.send_frame(result.ack_frame())
            support = result.support()
            if support is not None:
                await self.send_frame(support)  # to this socket only, as after a send
        elif isinstance(frame, DeleteMessage):
            await database_sync_to_async(edits.do_delete_message)(self.membership.pk, frame.seq)
            await self.send_frame({"type": "message.delete.ack", "seq": frame.seq})
        else:
            state, changed = await database_sync_to_async(reactions.do_set_reaction)(
                self.membership.pk, frame.seq, frame.reaction, frame.on
            )
            if not changed:  # nothing published: answer this socket with what stands
                await self.send_frame(state.frame(for_member=True))

    async def fetch_history(self, frame: FetchHistory) -> None:
        if frame.before_seq is not None:
            messages, has_more = await run_db(
                history.messages_before, self.membership.room_id, self.membership, frame.before_seq, frame.limit
            )
        else:
            messages, has_more = await run_db(
                history.messages_after, self.membership.room_id, self.membership, frame.after_seq, frame.limit
            )
        await self.send_frame({"type": "history", "messages": messages, "has_more": has_more})

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=encode(frame))

    def _too_slow(self) -> None:
        """This client let OUTBOX_CAPACITY room frames wait unread: close it (4413) rather than drop frames it would
        never know it missed; it reconnects and catches up by ``after_seq``."""
        logger.warning("closing a room socket that stopped reading (%d frames waiting)", OUTBOX_CAPACITY)
        asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW))

    def fanout_lost(self) -> None:
        """This process's fan-out lost Redis: room frames may have been missed. Close (4503), so the client
        reconnects and catches up by ``after_seq`` instead of waiting for frames that will never come."""
        asyncio.get_running_loop().create_task(self.close(code=CLOSE_CHANNEL_LAYER_LOST))

    def fanout_event(self, event: dict) -> None:
        """A room event from core.fanout: held while connecting or answering a frame, else sent at once.

        Every room event (``room.message``, ``room.presence``, ``room.frame``, ``room.worried``) carries its frame
        ready to send: it goes to the socket's Outbox without the dispatch and send wrappers a channel-layer event
        goes through, and without making the fan-out wait if this socket is slow to read.
        """
        if self._held_events is not None:
            self._held_events.append(event)
            return
        if self.membership is None:
            return  # closing
        if event.get("except_member") == self.membership.pk:
            return  # the worried-peer card (room.worried): everyone in the room but the author
        self._outbox.put({"type": "websocket.send", "text": event["frame"]})

    # Member events (channel layer) carry a frame serialised once. Room events never reach a handler: they all
    # go through core.fanout to fanout_event. After disconnect() (membership None) events are dropped.
    async def member_frame(self, event):
        """A frame for this member only (a moderator's warning, a mute)."""
        if self.membership is not None:
            await self.send(text_data=event["frame"])

    async def member_banned(self, event):
        # Why, and how to appeal, before the refusal: the page keeps the composer closed and says so.
        await self.send_frame(sanctions.banned_frame(event.get("reason", "")))
        await self.send_frame({"type": "error", "code": "forbidden", "detail": "you have been banned from this room"})
        await self.close(code=CLOSE_FORBIDDEN)
