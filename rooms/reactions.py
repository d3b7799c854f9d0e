"""Supportive reactions (protocol.REACTIONS): set and cleared by members, shown as counts.

Who reacted is never shown, to anyone: in a room where members post under aliases, a list of reactors would
tie an alias to its reactions across messages (and a named reactor beside anonymous ones would stand out).
Members see counts, and which reactions are their own (docs/decisions.md, "Edits, reactions, replies and
notifications").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import protocol, rows
from .events import publish_on_commit, publish_room_frame
from .models import Membership, Message, MessageState, Reaction, member_group, room_group
from .protocol import MESSAGE_DELETED, MESSAGE_HELD, NOT_FOUND, ProtocolError


@dataclass(frozen=True)
class ReactionState:
    """A message's reaction counts by kind, and the kinds that are the viewer's own."""

    seq: int
    counts: dict[str, int]
    mine: list[str]

    def frame(self, *, for_member: bool) -> dict:
        """The ``reactions`` frame: counts for the room; with ``mine`` for the member who reacted."""
        frame = {"type": "reactions", "seq": self.seq, "counts": self.counts}
        if for_member:
            frame["mine"] = self.mine
        return frame


def reactions_by_message(message_ids: list[int], viewer: Membership | None) -> tuple[dict, dict]:
    """Return ``(counts, mine)``: for each message id, its reaction counts by kind and the viewer's own kinds.

    One query whatever the number of messages (none for an empty list). Kinds come out in protocol.REACTIONS
    order, so counts serialise the same for everyone.
    """
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, list[str]] = defaultdict(list)
    if not message_ids:
        return counts, mine
    viewer_id = viewer.pk if viewer is not None else None
    # SQL written once: every join reads the reactions of its history, and building this aggregate with the ORM
    # cost more CPU than the query (docs/benchmarks.md, handshakes/s). A viewer id of None matches no member.
    table = rows.table(Reaction)
    placeholders = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT message_id, kind, COUNT(*), SUM(CASE WHEN member_id = %s THEN 1 ELSE 0 END) FROM {table} "
            f"WHERE message_id IN ({placeholders}) GROUP BY message_id, kind",
            [viewer_id, *message_ids],
        )
        found = cursor.fetchall()
    order = {kind: index for index, kind in enumerate(protocol.REACTIONS)}
    for message_id, kind, total, own in sorted(found, key=lambda row: order.get(row[1], len(order))):
        counts[message_id][kind] = total
        if own:
            mine[message_id].append(kind)
    return counts, mine


def check_may_react(membership: Membership, message: Message | None, seq: int) -> Message:
    """Return the message if the member may react to it: visible to them, not deleted, not held."""
    if message is None or (message.state != MessageState.VISIBLE and message.author_id != membership.pk):
        raise ProtocolError(NOT_FOUND, f"no message {seq} in this room")
    if message.state == MessageState.REMOVED:
        raise ProtocolError(NOT_FOUND, f"no message {seq} in this room")
    if message.deleted_at is not None:
        raise ProtocolError(MESSAGE_DELETED, "that message was deleted")
    if message.state == MessageState.HELD:
        raise ProtocolError(MESSAGE_HELD, "that message is waiting for a moderator")
    return message


def do_set_reaction(membership_id: int, seq: int, kind: str, on: bool) -> tuple[ReactionState, bool]:
    """Add (``on``) or take back the member's reaction of ``kind`` to message ``seq``; return its state and
    whether anything changed. Idempotent: setting what is already set changes nothing and publishes nothing.

    After a change the room gets the new counts and the member's sockets their own reactions too (after
    commit); the message's ``state_changed_at`` moves so a reconnecting client is told (history.changes_before).
    Precondition: ``kind`` is one of protocol.REACTIONS.
    """
    membership = Membership.objects.get(pk=membership_id)
    with transaction.atomic():
        # The lock orders concurrent reactions to one message: each publishes the counts it committed.
        message = Message.objects.select_for_update().filter(room_id=membership.room_id, seq=seq).first()
        message = check_may_react(membership, message, seq)
        if on:
            try:
                with transaction.atomic():  # a savepoint: the unique constraint says whether it was already set
                    Reaction.objects.create(message=message, member=membership, kind=kind)
                changed = True
            except IntegrityError:
                changed = False
        else:
            changed = Reaction.objects.filter(message=message, member=membership, kind=kind).delete()[0] > 0
        counts, mine = reactions_by_message([message.pk], membership)
        state = ReactionState(seq=seq, counts=counts[message.pk], mine=mine[message.pk])
        if changed:
            message.state_changed_at = timezone.now()
            message.save(update_fields=["state_changed_at"])
            publish_room_frame(room_group(message.room_id), protocol.encode(state.frame(for_member=False)))
            publish_on_commit(
                member_group(membership.pk),
                {"type": "member.frame", "frame": protocol.encode(state.frame(for_member=True))},
            )
    return state, changed
