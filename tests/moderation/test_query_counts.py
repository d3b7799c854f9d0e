"""Pinned query counts of the moderators' queue: a query per escalation, flag or report fails here.

See tests/rooms/test_query_counts.py for how pins are kept.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from moderation import payloads
from moderation.models import Escalation, Flag, FlagSource
from rooms import edits, services
from rooms.models import Message, MessageState, Report

pytestmark = pytest.mark.django_db

ITEMS = 6
# Escalations, flags, the reports of the flagged messages, the context of every item in one query, and the earlier
# bodies of the edited ones.
QUEUE_QUERIES = 5
LOGIN_QUERIES = 2  # the session and the user, for a signed-in request


@pytest.fixture
def queue(make_user, make_room):
    """ITEMS escalations and ITEMS flags (half of them from reports) spread over two rooms, each message with
    earlier messages around it: some visible, some held or removed; in the first room each replies to its first
    message, and the items there were edited (moderators see what the edits replaced)."""
    rooms = [make_room(slug="burnout"), make_room(slug="grief")]
    members = {room.pk: [services.do_join_room(make_user(), room) for _ in range(3)] for room in rooms}
    targets = []
    for number in range(2 * ITEMS + 8):
        room = rooms[number % 2]
        author = members[room.pk][number % 3]
        reply_to = 1 if number % 2 == 0 and number >= 2 else None
        result = services.do_send_message(author.pk, f"c{number}", f"ordinary message number {number}", reply_to)
        message = Message.objects.get(room=room, seq=result.seq)
        if number >= 8 and reply_to:
            assert edits.do_edit_message(author.pk, message.seq, f"edited message number {number}").status == "edited"
        if number % 5 == 1:
            Message.objects.filter(pk=message.pk).update(state=MessageState.HELD)
        elif number % 7 == 3:
            Message.objects.filter(pk=message.pk).update(state=MessageState.REMOVED)
        if number >= 8:
            targets.append(message)
    for index, message in enumerate(targets):
        if index < ITEMS:
            Escalation.objects.create(
                message=message,
                room_id=message.room_id,
                level=1 + index % 3,
                next_action_at=timezone.now() + timedelta(minutes=5),
            )
        else:
            source = FlagSource.REPORT if index % 2 else FlagSource.RULE
            Flag.objects.create(message=message, room_id=message.room_id, source=source, rules=["test"])
            if source == FlagSource.REPORT:
                for reporter in members[message.room_id][:2]:
                    if reporter.pk != message.author_id:
                        Report.objects.create(message=message, reporter=reporter, reason=f"reason {reporter.pk}")
    return targets


def test_queue_snapshot_query_count_is_pinned(queue, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUEUE_QUERIES):
        snapshot = payloads.queue_snapshot()
    assert len(snapshot["escalations"]) == ITEMS and len(snapshot["flags"]) == ITEMS
    assert all(item["context"] for item in snapshot["escalations"] + snapshot["flags"])
    assert any(flag["reports"] for flag in snapshot["flags"])
    items = snapshot["escalations"] + snapshot["flags"]
    edited = [item["message"] for item in items if "revisions" in item["message"]]
    assert len(edited) == ITEMS and all(m["revisions"][0]["kind"] == "edited" for m in edited)
    quotes = [m.get("reply_to") for item in items for m in (item["message"], *item["context"])]
    assert sum(quote is not None for quote in quotes) > ITEMS


def test_queue_over_http_query_count_is_pinned(queue, make_user, django_assert_max_num_queries):
    client = Client()
    client.force_login(make_user(role="moderator"))
    with django_assert_max_num_queries(LOGIN_QUERIES + QUEUE_QUERIES):
        snapshot = client.get("/api/moderation/queue/").json()
    assert len(snapshot["escalations"]) == ITEMS and len(snapshot["flags"]) == ITEMS


def test_the_snapshot_gives_each_item_the_same_context_as_alone(queue):
    """Loading every item's context in one query changes nothing: each is what message_context reads alone."""
    snapshot = payloads.queue_snapshot()
    by_seq = {(item["room"]["slug"], item["message"]["seq"]): item for item in snapshot["escalations"]}
    by_seq.update({(item["room"]["slug"], item["message"]["seq"]): item for item in snapshot["flags"]})
    assert len(by_seq) == 2 * ITEMS
    for message in queue:
        alone = payloads.message_context(Message.objects.get(pk=message.pk))
        assert by_seq[(message.room.slug, message.seq)]["context"] == alone
        assert 1 <= len(alone) <= payloads.CONTEXT_BEFORE
        assert all("state" not in m for m in alone), "only visible messages are context"
    assert any(len(item["context"]) == payloads.CONTEXT_BEFORE for item in by_seq.values())


def test_context_is_read_in_batches_that_overlap_correctly(queue, monkeypatch, django_assert_num_queries):
    """More messages than one batch: one query per batch, and windows shared between batches count once."""
    monkeypatch.setattr(payloads, "CONTEXT_PREFETCH_BATCH", 5)
    messages = [Message.objects.get(pk=m.pk) for m in queue]
    with django_assert_num_queries(3):
        payloads.prefetch_message_context(messages)
    for message in messages:
        alone = payloads.message_context(Message.objects.get(pk=message.pk))
        assert payloads.message_context(message) == alone


def test_context_of_the_first_messages_of_a_room(make_user, make_room, django_assert_num_queries):
    """Fewer earlier messages than CONTEXT_BEFORE (none at all for the first) is still right in one query."""
    room = make_room()
    member = services.do_join_room(make_user(), room)
    for number in range(3):
        services.do_send_message(member.pk, f"c{number}", f"early message {number}")
    messages = list(Message.objects.filter(room=room).order_by("seq"))
    with django_assert_num_queries(1):
        payloads.prefetch_message_context(messages)
        contexts = [payloads.message_context(m) for m in messages]
    assert [[m["seq"] for m in context] for context in contexts] == [[], [1], [1, 2]]
    with django_assert_num_queries(0):
        payloads.prefetch_message_context([])
