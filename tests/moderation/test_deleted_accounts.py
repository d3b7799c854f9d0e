"""What moderation keeps when a student deletes their account: an open escalation stays open and alerted (without
text or identity), nobody can be revealed, warned or banned behind the detached alias, and open flags on the
emptied messages close."""

from datetime import timedelta

import pytest

from moderation import worker
from moderation.member_actions import do_ban_member, do_warn_member
from moderation.models import AuditEntry, Escalation, EscalationStatus, Flag, FlagStatus, NotificationAttempt
from moderation.payloads import queue_snapshot
from moderation.reveals import do_approve_reveal, do_request_reveal
from rooms import services
from rooms.personal_data import do_delete_account
from rooms.protocol import NOT_FOUND, ProtocolError

pytestmark = pytest.mark.django_db

PLAN = "I have a plan and I'm going to do it this weekend"


@pytest.fixture
def deleted(make_user, make_room):
    """Ana posted a level 3 crisis (escalated, open) and a message Ben reported (flag open); a moderator asked to
    see who wrote the reported one (pending a second moderator); then Ana deleted her account."""
    room = make_room(slug="grief")
    ana = make_user(first_name="Anastasia", last_name="Kovalenko")
    ana_member = services.do_join_room(ana, room)
    ben_member = services.do_join_room(make_user(), room)
    services.do_send_message(ana_member.pk, "a1", "I disagree with every one of you")
    services.do_send_message(ana_member.pk, "a2", PLAN)
    services.do_report_message(ben_member.pk, 1, "insulting")
    moderator, second = make_user(role="moderator"), make_user(role="moderator")
    pending = do_request_reveal(moderator, "repeated insults", None, Flag.objects.get().pk)
    # Check-ins (another branch) audit the student's own steps: an entry with the student as actor must not
    # stop the deletion.
    AuditEntry.objects.create(actor=ana, action="checkin.reply", room=room)
    do_delete_account(ana)
    return {"moderator": moderator, "second": second, "alias": ana_member.alias, "pending": pending}


def test_an_open_escalation_stays_open_and_the_worker_keeps_alerting(deleted):
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.OPEN
    assert escalation.message.body == "" and escalation.message.deleted_at is not None

    assert worker.tick(escalation.created_at + timedelta(seconds=121)) == 1
    assert list(NotificationAttempt.objects.values_list("channel", "ok")) == [("moderators", True)]
    [item] = queue_snapshot()["escalations"]
    assert (item["level"], item["alias"], item["message"]["body"]) == (3, deleted["alias"], "")


def test_nobody_can_be_revealed_warned_or_banned_behind_the_detached_alias(deleted):
    moderator = deleted["moderator"]
    with pytest.raises(ProtocolError) as refused:
        do_request_reveal(moderator, "we must reach them", Escalation.objects.get().pk, None)
    assert refused.value.code == NOT_FOUND and "deleted their account" in refused.value.detail
    with pytest.raises(ProtocolError) as refused:
        do_approve_reveal(deleted["second"], deleted["pending"].pk)
    assert refused.value.code == NOT_FOUND
    with pytest.raises(ProtocolError) as refused:
        do_warn_member(moderator, "grief", deleted["alias"], "be kind")
    assert refused.value.code == NOT_FOUND
    with pytest.raises(ProtocolError) as refused:
        do_ban_member(moderator, "grief", None, "abuse", seq=1)
    assert refused.value.code == NOT_FOUND


def test_open_flags_on_her_emptied_messages_close_and_her_audit_steps_keep_no_actor(deleted):
    flag = Flag.objects.get()
    assert flag.status == FlagStatus.REVIEWED and flag.reviewed_at is not None and flag.reviewed_by is None
    assert queue_snapshot()["flags"] == []
    assert AuditEntry.objects.get(action="checkin.reply").actor is None
