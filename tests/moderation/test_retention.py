"""Retention: the worker empties messages older than MESSAGE_RETENTION_DAYS into tombstones, except what an open
escalation or flag still needs (the message and the context moderators read with it). Driven by tick(now)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation import retention, worker
from moderation.models import Escalation
from moderation.payloads import CONTEXT_BEFORE
from moderation.queue_actions import do_resolve_escalation
from rooms import history, services
from rooms.models import Message, Room
from tests.chatserver.test_settings import GOOD_KEY, start

pytestmark = pytest.mark.django_db

PLAN = "I have a plan and I'm going to do it this weekend"
DAYS = 30


@pytest.fixture
def old_room(make_user, make_room, settings):
    """Grief: seqs 1-9 and 11-12 ordinary, 10 a level 3 crisis (held, escalated); all 40 days old; 13 new."""
    settings.MESSAGE_RETENTION_DAYS = DAYS
    author = services.do_join_room(make_user(), make_room(slug="grief"))
    for seq in range(1, 13):
        services.do_send_message(author.pk, f"c{seq}", PLAN if seq == 10 else f"old message number {seq}")
    Message.objects.update(created_at=timezone.now() - timedelta(days=40))
    services.do_send_message(author.pk, "c13", "a message from today")
    return author


def bodies(room_slug="grief") -> dict[int, str]:
    return dict(Message.objects.filter(room__slug=room_slug).order_by("seq").values_list("seq", "body"))


def test_old_messages_are_emptied_except_an_open_escalation_and_its_context(old_room):
    now = timezone.now()
    worker.tick(now)

    after = bodies()
    kept = {seq for seq, body in after.items() if body}
    # Seq 10 is escalated and open; moderators read the CONTEXT_BEFORE visible messages before it (5-9).
    assert kept == {10, *range(10 - CONTEXT_BEFORE, 10), 13}
    assert after[10] == PLAN and after[13] == "a message from today"
    purged = Message.objects.filter(room__slug="grief", seq__in=[1, 2, 3, 4, 11, 12])
    assert all(m.deleted_at == now and m.client_id is None for m in purged)


def test_once_the_escalation_is_resolved_the_next_pass_purges_it_and_its_context(old_room, make_user):
    worker.tick(timezone.now())
    do_resolve_escalation(make_user(role="moderator"), Escalation.objects.get().pk, "spoke with them; safe")
    worker.tick(timezone.now())
    assert {seq for seq, body in bodies().items() if body} == {13}
    assert Escalation.objects.get().message.seq == 10, "the resolved escalation keeps its (empty) message"


def test_an_open_flag_spares_its_message_and_context_too(old_room, make_user):
    reporter = services.do_join_room(make_user(), Room.objects.get(slug="grief"))
    services.do_report_message(reporter.pk, 12, "this is unkind")
    do_resolve_escalation(make_user(role="moderator"), Escalation.objects.get().pk, "handled")

    worker.tick(timezone.now())

    # 12's context: the five visible messages before it (10 is held, so 6-9 and 11).
    assert {seq for seq, body in bodies().items() if body} == {6, 7, 8, 9, 11, 12, 13}


def test_history_stays_gapless_for_clients_and_a_purged_pin_is_unpinned(old_room):
    room = Room.objects.get(slug="grief")
    room.pinned_message = Message.objects.get(room=room, seq=1)
    room.save()

    worker.tick(timezone.now())

    page, _has_more = history.messages_after(room.pk, None, 0, 100)
    # Every visible seq is still there (10 is held, so not shown to a visitor): tombstones fill the old ones.
    assert [m["seq"] for m in page] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]
    assert [m["body"] for m in page[:4]] == ["", "", "", ""]
    room.refresh_from_db()
    assert room.pinned_message is None


def test_retention_is_off_by_default(old_room, settings):
    settings.MESSAGE_RETENTION_DAYS = 0
    worker.tick(timezone.now() + timedelta(days=3650))
    assert all(bodies().values())


def test_a_pass_with_nothing_to_purge_costs_a_fixed_number_of_queries(
    old_room, make_user, django_assert_max_num_queries
):
    """It runs on every worker tick (every few seconds): the open escalation's spared messages cost a fixed five
    queries however many open items there are; nothing past retention, one."""
    room = Room.objects.get(slug="grief")
    for number in range(3):
        reporter = services.do_join_room(make_user(), room)
        services.do_report_message(reporter.pk, 2 + number, "unkind")
    retention.purge_expired_messages(timezone.now())
    with django_assert_max_num_queries(5):
        assert retention.purge_expired_messages(timezone.now()) == 0
    Message.objects.update(created_at=timezone.now())
    with django_assert_max_num_queries(1):
        assert retention.purge_expired_messages(timezone.now()) == 0


def test_a_negative_retention_stops_start_up_naming_the_setting():
    assert start(SECRET_KEY=GOOD_KEY, MESSAGE_RETENTION_DAYS="180").returncode == 0
    result = start(SECRET_KEY=GOOD_KEY, MESSAGE_RETENTION_DAYS="-1")
    assert result.returncode != 0 and "MESSAGE_RETENTION_DAYS" in result.stderr


def test_the_words_edits_and_deletions_kept_for_moderators_expire_with_their_messages(old_room):
    from rooms import edits
    from rooms.models import MessageRevision

    edited = services.do_send_message(old_room.pk, "e", "words I later changed").seq
    deleted = services.do_send_message(old_room.pk, "d", "words I later took back").seq
    assert edits.do_edit_message(old_room.pk, edited, "changed words").status == "edited"
    edits.do_delete_message(old_room.pk, deleted)
    # An earlier edit of a message moderators still read beside the open escalation (seq 10's context).
    MessageRevision.objects.create(message=Message.objects.get(seq=7), kind="edited", body="spared words")
    Message.objects.filter(seq__in=[edited, deleted]).update(created_at=timezone.now() - timedelta(days=40))

    worker.tick(timezone.now())

    left = set(MessageRevision.objects.values_list("message__seq", "body"))
    assert left == {(7, "spared words")}
    assert bodies()[edited] == "" and bodies()[deleted] == ""
