"""Private check-ins, the service: who may see one, durable ordered idempotent messages, the outreach an escalation
goes through (each step audited), the worker's outreach timers, and what the student's export gets."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from moderation import checkins, worker
from moderation.actions import perform
from moderation.checkins import STAFF, STUDENT
from moderation.models import (
    AuditEntry,
    CheckIn,
    CheckInMessage,
    Escalation,
    EscalationStatus,
    Flag,
    NotificationAttempt,
)
from rooms import services
from rooms.protocol import ApiError

pytestmark = pytest.mark.django_db

PLAN = "I have a plan and I'm going to do it this weekend"


@pytest.fixture
def scene(make_user, make_room):
    room = make_room(slug="burnout", title="Burnout & exhaustion")
    student = make_user(username="priya.raman", first_name="Priya", last_name="Raman")
    member = services.do_join_room(student, room)
    services.do_send_message(member.pk, "c1", PLAN)
    return {
        "room": room,
        "student": student,
        "member": member,
        "escalation": Escalation.objects.get(),
        "moderator": make_user(role="moderator", username="mod_lee", first_name="Jun", last_name="Lee"),
    }


def open_checkin(scene) -> CheckIn:
    checkin, created = checkins.do_open_from_escalation(scene["moderator"], scene["escalation"].pk)
    assert created
    return checkin


def actions_logged() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_a_moderator_opens_a_check_in_from_an_escalation_and_sees_the_student_by_alias(scene):
    checkin = open_checkin(scene)
    assert checkin.student == scene["student"] and checkin.room == scene["room"]
    assert checkin.student_shown_as == scene["member"].alias and checkin.student_anonymous
    payload = checkins.checkin_payload(checkin)
    assert payload["student"] == {"name": scene["member"].alias, "anonymous": True}
    assert "Priya" not in str(payload) and "priya" not in str(payload)
    # Opening it acknowledged the escalation: someone is on it.
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == scene["moderator"]
    assert actions_logged() == ["escalation.ack", "checkin.open"]
    # Opening again hands back the same check-in.
    again, created = checkins.do_open_from_escalation(scene["moderator"], scene["escalation"].pk)
    assert again.pk == checkin.pk and not created and CheckIn.objects.count() == 1


def test_a_student_who_posted_under_their_name_is_shown_by_name_and_after_a_reveal_too(scene, make_user):
    services.do_set_identity(scene["member"].pk, anonymous=False)
    services.do_send_message(scene["member"].pk, "c2", "I want to die")
    named = Escalation.objects.get(message__seq=2)
    checkin, _ = checkins.do_open_from_escalation(scene["moderator"], named.pk)
    assert (checkin.student_shown_as, checkin.student_anonymous) == ("Priya Raman", False)

    # A level-3 reveal about the anonymous message: a check-in from it shows the name, never with the alias.
    perform(scene["moderator"], "identity.reveal", {"escalation": scene["escalation"].pk, "reason": "plan, tonight"})
    revealed, _ = checkins.do_open_from_escalation(scene["moderator"], scene["escalation"].pk)
    assert (revealed.student_shown_as, revealed.student_anonymous) == ("Priya Raman", False)


def test_nobody_but_the_student_moderators_and_invited_mentors_of_the_room_can_see_a_check_in(scene, make_user):
    checkin = open_checkin(scene)
    other_student = make_user()
    facilitator = make_user(role="facilitator")
    scene["room"].facilitators.add(facilitator)
    mentor = make_user(role="mentor", username="dr_chen")
    scene["room"].facilitators.add(mentor)
    elsewhere_mentor = make_user(role="mentor", username="dr_far")
    assert checkins.access_of(scene["student"], checkin) == STUDENT
    assert checkins.access_of(make_user(role="moderator"), checkin) == STAFF
    for outsider in (other_student, facilitator, mentor, elsewhere_mentor):
        assert checkins.access_of(outsider, checkin) is None
        with pytest.raises(ApiError) as refused:
            checkins.do_send(outsider, checkin.pk, "x1", "hello")
        assert refused.value.code == "forbidden"

    # Only a mentor assigned to the room can be invited, and only by a moderator.
    with pytest.raises(ApiError) as refused:
        checkins.do_invite_mentor(scene["moderator"], checkin.pk, "dr_far")
    assert refused.value.code == "forbidden"
    with pytest.raises(ApiError) as refused:
        checkins.do_invite_mentor(mentor, checkin.pk, "dr_chen")
    assert refused.value.code == "forbidden"
    with pytest.raises(ApiError):
        checkins.do_invite_mentor(scene["moderator"], checkin.pk, facilitator.username)
    checkins.do_invite_mentor(scene["moderator"], checkin.pk, "dr_chen")
    assert checkins.access_of(mentor, checkin) == STAFF
    assert checkins.access_of(facilitator, checkin) is None and checkins.access_of(other_student, checkin) is None
    # Unassigned from the room, the mentor no longer sees it.
    scene["room"].facilitators.remove(mentor)
    assert checkins.access_of(mentor, checkin) is None


def test_messages_are_numbered_in_order_and_a_resend_creates_nothing(scene):
    checkin = open_checkin(scene)
    first = checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm Jun, a moderator. How are you doing?")
    second = checkins.do_send(scene["student"], checkin.pk, "s1", "not great honestly")
    resend = checkins.do_send(scene["student"], checkin.pk, "s1", "not great honestly")
    assert (first.seq, second.seq) == (1, 2) and first.status == second.status == "delivered"
    assert resend.duplicate and resend.seq == 2 and CheckInMessage.objects.count() == 2
    # The same client_id from another author is another message.
    other = checkins.do_send(scene["moderator"], checkin.pk, "s1", "Thank you for telling me.")
    assert other.seq == 3
    checkin.refresh_from_db()
    messages, has_more = checkins.messages_after(checkin, 1, 50, scene["student"].pk)
    assert [m["seq"] for m in messages] == [2, 3] and not has_more
    assert messages[0]["client_id"] == "s1" and messages[1]["client_id"] is None, "client_id only to its author"
    assert messages[0]["author"] == {"name": scene["member"].alias, "role": "student", "student": True}
    assert messages[1]["author"] == {"name": "Jun Lee", "role": "moderator", "student": False}


def test_the_escalation_follows_the_outreach_and_every_step_is_audited(scene):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm Jun from the moderation team.")
    assert Escalation.objects.get().status == EscalationStatus.CONTACTED
    checkins.do_send(scene["student"], checkin.pk, "s1", "thanks for reaching out")
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.REPLIED and escalation.contacted_at <= escalation.replied_at
    perform(scene["moderator"], "checkin.resolve", {"id": checkin.pk, "note": "Talked; referred to counselling"})
    escalation.refresh_from_db()
    checkin.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and checkin.status == "resolved"
    assert escalation.resolution_note == "Talked; referred to counselling"
    assert actions_logged() == [
        "escalation.ack",
        "checkin.open",
        "escalation.contacted",
        "escalation.replied",
        "checkin.resolve",
        "escalation.resolve",
    ]
    # What the student did is logged without an actor: a username beside the alias would unmask them.
    assert AuditEntry.objects.get(action="escalation.replied").actor is None
    # A resolved check-in stays readable and takes no more messages.
    with pytest.raises(ApiError) as refused:
        checkins.do_send(scene["student"], checkin.pk, "s2", "one more thing")
    assert refused.value.code == "room_closed"


def test_im_ok_is_a_canned_reply_from_the_student_only(scene):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Checking in: how are you?")
    with pytest.raises(ApiError) as refused:
        checkins.do_send(scene["moderator"], checkin.pk, "m2", "ignored", kind="ok")
    assert refused.value.code == "forbidden"
    result = checkins.do_send(scene["student"], checkin.pk, "ok1", "ignored", kind="ok")
    message = CheckInMessage.objects.get(seq=result.seq)
    assert message.kind == "ok" and message.body == "I'm OK, thanks."
    assert Escalation.objects.get().status == EscalationStatus.REPLIED
    assert AuditEntry.objects.get(action="checkin.ok").actor is None


def test_a_crisis_message_in_a_check_in_reaches_staff_and_marks_it_urgent(scene):
    checkin = open_checkin(scene)
    result = checkins.do_send(scene["student"], checkin.pk, "s1", PLAN)
    assert result.status == "delivered" and result.crisis_level == 3
    assert result.support()["level"] == 3
    checkin.refresh_from_db()
    assert checkin.urgent and checkin.crisis_level == 3
    assert CheckInMessage.objects.get(seq=result.seq).body == PLAN
    assert checkins.open_queue()[0]["urgent"] is True
    assert AuditEntry.objects.filter(action="checkin.crisis").exists()
    # Staff asking about safety is not a crisis of theirs.
    staff = checkins.do_send(scene["moderator"], checkin.pk, "m1", "Are you thinking of killing yourself tonight?")
    assert staff.status == "delivered" and staff.crisis_level == 0 and staff.support() is None


def test_a_student_asks_for_a_check_in_from_a_room_or_anywhere(scene, make_user):
    checkin, created = checkins.do_request_checkin(scene["student"], "burnout")
    assert created and checkin.origin == "checkin_request" and checkin.opened_by is None
    assert checkin.student_shown_as == scene["member"].alias
    again, created = checkins.do_request_checkin(scene["student"], None)
    assert again.pk == checkin.pk and not created, "one open request at a time"
    assert checkins.open_queue()[0]["kind"] == "checkin_request"
    elsewhere, _ = checkins.do_request_checkin(make_user(first_name="Nadia"), None)
    assert elsewhere.student_shown_as == "Anonymous student" and elsewhere.room is None
    with pytest.raises(ApiError) as refused:
        checkins.do_request_checkin(scene["moderator"], None)
    assert refused.value.code == "forbidden"
    assert AuditEntry.objects.filter(action="checkin.request", actor=None).count() == 2


def test_the_student_unread_count_follows_staff_messages_and_reading(scene):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hello")
    checkins.do_send(scene["moderator"], checkin.pk, "m2", "Are you around?")
    assert checkins.checkins_of_student(scene["student"])[0]["unread"] == 2
    assert checkins.do_mark_read(scene["student"], checkin.pk, 1) == 1
    assert checkins.do_mark_read(scene["moderator"], checkin.pk, 2) == 0, "staff reading changes nothing"
    assert checkins.checkins_of_student(scene["student"])[0]["unread"] == 1
    checkins.do_send(scene["student"], checkin.pk, "s1", "yes, here")
    assert checkins.checkins_of_student(scene["student"])[0]["unread"] == 0


def test_worker_realerts_an_acknowledged_level_three_student_nobody_contacted(scene):
    escalation = scene["escalation"]
    perform(scene["moderator"], "escalation.ack", {"id": escalation.pk})
    acked = Escalation.objects.get().acknowledged_at
    assert worker.tick(acked + timedelta(seconds=119)) == 0
    assert worker.tick(acked + timedelta(seconds=121)) == 1
    attempt = NotificationAttempt.objects.get()
    assert attempt.ok and "not contacted" in attempt.detail
    assert worker.tick(acked + timedelta(seconds=200)) == 0, "again only after another interval"
    assert worker.tick(acked + timedelta(seconds=242)) == 1
    assert AuditEntry.objects.filter(action="escalation.not_contacted", actor=None).count() == 2
    # Once staff wrote in a check-in, the student counts as contacted: no more re-alerts.
    checkin, _ = checkins.do_open_from_escalation(scene["moderator"], escalation.pk)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm here to check in.")
    assert worker.tick(acked + timedelta(hours=3)) == 1, "only the reply reminder is left"
    assert AuditEntry.objects.filter(action="escalation.not_contacted").count() == 2


def test_worker_reminds_the_moderators_when_the_student_has_not_replied(scene, settings):
    settings.CHECKIN_REPLY_REMINDER_SECONDS = 600
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, checking in. How are you?")
    sent_at = CheckInMessage.objects.get().created_at
    assert worker.tick(sent_at + timedelta(seconds=590)) == 0
    assert worker.tick(sent_at + timedelta(seconds=610)) == 1
    assert worker.tick(sent_at + timedelta(seconds=1300)) == 0, "one reminder per wait"
    assert AuditEntry.objects.filter(action="checkin.no_reply", actor=None).count() == 1
    # A reply stops the clock; staff writing again starts a new wait.
    checkins.do_send(scene["student"], checkin.pk, "s1", "sorry, was on a shift")
    assert worker.tick(timezone.now() + timedelta(days=1)) == 0
    checkins.do_send(scene["moderator"], checkin.pk, "m2", "No worries. Want to talk tomorrow?")
    assert worker.tick(timezone.now() + timedelta(seconds=601)) == 1


def test_export_and_privacy_page_rows_hold_the_students_check_ins(scene, make_user):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm Jun.")
    checkins.do_send(scene["student"], checkin.pk, "s1", "hi")
    [exported] = checkins.checkins_for_export(scene["student"])
    assert exported["you_were_shown_as"] == scene["member"].alias and exported["room"] == "Burnout & exhaustion"
    assert [(m["from"], m["body"]) for m in exported["messages"]] == [("staff", "Hi, I'm Jun."), ("you", "hi")]
    assert "Jun Lee" not in str(exported)  # the export names no one else
    assert checkins.checkins_for_export(make_user()) == []
    [row] = checkins.checkins_concerning(scene["student"])
    assert row["opened_by_role"] == "Moderator" and row["outreach"] == "Replied"


# Pinned query counts (see tests/rooms/test_query_counts.py for how pins are kept): a check-in's send and join run
# a fixed number of queries however long the conversation and however many staff are in it.
STAFF_SEND_QUERIES = 11  # check-in, resend check, recent messages, rules stamp, savepoint, lock, insert,
# first-from-staff check, update, unread count for the student's tabs, release
STUDENT_SEND_QUERIES = 9
JOIN_QUERIES = 5  # check-in, history page, invited staff, staff who wrote, their accounts


def test_send_and_join_run_a_fixed_number_of_queries(scene, make_user, django_assert_max_num_queries):
    checkin = open_checkin(scene)
    mentors = [make_user(role="mentor") for _ in range(3)]
    scene["room"].facilitators.add(*mentors)
    for mentor in mentors:
        checkins.do_invite_mentor(scene["moderator"], checkin.pk, mentor.username)
    other_moderators = [make_user(role="moderator") for _ in range(3)]
    for number in range(12):
        checkins.do_send(other_moderators[number % 3], checkin.pk, f"m{number}", f"staff message {number}")
        checkins.do_send(scene["student"], checkin.pk, f"s{number}", f"student answer {number}")
    with django_assert_max_num_queries(STAFF_SEND_QUERIES):
        checkins.do_send(scene["moderator"], checkin.pk, "mx", "another ordinary message")
    with django_assert_max_num_queries(STUDENT_SEND_QUERIES):
        checkins.do_send(scene["student"], checkin.pk, "sx", "and an ordinary answer")
    with django_assert_max_num_queries(JOIN_QUERIES):
        joined = checkins.join_snapshot(scene["student"], checkin.pk, None)
    assert len(joined["checkin"]["staff"]) == 7 and len(joined["history"]) == 26


def test_worker_realerts_an_urgent_check_in_until_staff_answer(scene):
    perform(scene["moderator"], "escalation.resolve", {"id": scene["escalation"].pk, "note": "not this one"})
    checkin, _ = checkins.do_request_checkin(scene["student"], "burnout")
    result = checkins.do_send(scene["student"], checkin.pk, "s1", PLAN)
    assert result.crisis_level == 3
    wrote_at = CheckInMessage.objects.get().created_at
    assert worker.tick(wrote_at + timedelta(seconds=110)) == 0
    assert worker.tick(wrote_at + timedelta(seconds=121)) == 1
    assert worker.tick(wrote_at + timedelta(seconds=200)) == 0
    assert worker.tick(wrote_at + timedelta(seconds=250)) == 1, "again every level-3 interval"
    assert AuditEntry.objects.filter(action="checkin.urgent_unanswered", actor=None).count() == 2
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "I'm here. Are you safe right now?")
    assert worker.tick(wrote_at + timedelta(seconds=400)) == 0, "staff answered: only the reply clock runs now"


def test_worker_passes_end_even_with_zero_intervals(scene, settings, make_user):
    settings.ESCALATION_ACK_SECONDS = {1: 0, 2: 0, 3: 0}
    perform(scene["moderator"], "escalation.ack", {"id": scene["escalation"].pk})
    checkin, _ = checkins.do_request_checkin(make_user(), None)
    checkins.do_send(checkin.student, checkin.pk, "s1", PLAN)
    now = timezone.now() + timedelta(seconds=5)
    assert worker.tick(now) == 2
    assert worker.tick(now) == 0


def test_retention_empties_old_messages_of_resolved_check_ins_only(scene, make_user):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm Jun.")
    checkins.do_send(scene["student"], checkin.pk, "s1", "hi, thanks")
    checkins.do_send(scene["student"], checkin.pk, "s2", "talk soon")
    still_open, _ = checkins.do_request_checkin(make_user(), None)
    checkins.do_send(still_open.student, still_open.pk, "o1", "are you there?")
    later = timezone.now() + timedelta(days=40)
    assert checkins.purge_checkin_messages(later, later) == 0, "an open check-in is kept whole"
    perform(scene["moderator"], "checkin.resolve", {"id": checkin.pk, "note": "done"})
    assert checkins.purge_checkin_messages(timezone.now() - timedelta(days=1), timezone.now()) == 0, "not old yet"
    assert checkins.purge_checkin_messages(later, later) == 3
    checkin.refresh_from_db()
    messages, _ = checkins.messages_after(checkin, 0, 50, scene["student"].pk)
    assert [(m["seq"], m["body"], m["deleted"]) for m in messages] == [(1, "", True), (2, "", True), (3, "", True)]
    assert CheckInMessage.objects.get(checkin=still_open).body == "are you there?"
    assert checkins.purge_checkin_messages(later, later) == 0, "emptied once"


def test_the_worker_applies_message_retention_to_resolved_check_ins(scene, settings):
    checkin = open_checkin(scene)
    checkins.do_send(scene["moderator"], checkin.pk, "m1", "Hi, I'm Jun.")
    perform(scene["moderator"], "checkin.resolve", {"id": checkin.pk, "note": "done"})
    settings.MESSAGE_RETENTION_DAYS = 0
    worker.tick(timezone.now() + timedelta(days=400))
    assert CheckInMessage.objects.get().deleted_at is None, "retention off: everything is kept"
    settings.MESSAGE_RETENTION_DAYS = 30
    worker.tick(timezone.now() + timedelta(days=29))
    assert CheckInMessage.objects.get().deleted_at is None
    worker.tick(timezone.now() + timedelta(days=31))
    assert CheckInMessage.objects.get().body == ""


@pytest.mark.production_only
@pytest.mark.django_db(transaction=True)
def test_two_moderators_opening_the_same_flag_at_once_share_one_check_in(make_user, make_room, monkeypatch):
    """The second moderator's open waits for the first and returns its check-in, as for an escalation.

    The first open is held after it found no open check-in (inside ``_shown_for_message``) until the second
    gets as far, or for a second: without a lock on the flag both would then create one.
    """
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) exist on PostgreSQL; SQLite runs one writer at a time")
    room = make_room(slug="r")
    author = services.do_join_room(make_user(username="author"), room)
    sent = services.do_send_message(author.pk, "c1", "oh drop dead, nights")  # a default rule flags it
    flag = Flag.objects.get(message__room=room, message__seq=sent.seq)
    moderators = [make_user(role="moderator", username=f"mod_{n}") for n in range(2)]

    first_is_past_the_check, second_is_past_the_check = threading.Event(), threading.Event()
    shown_for_message = checkins._shown_for_message

    def held_first_time(message):
        if not first_is_past_the_check.is_set():
            first_is_past_the_check.set()
            second_is_past_the_check.wait(timeout=1.0)
        else:
            second_is_past_the_check.set()
        return shown_for_message(message)

    monkeypatch.setattr(checkins, "_shown_for_message", held_first_time)
    opened, failures = [], []

    def open_as(moderator):
        try:
            opened.append(checkins.do_open_from_flag(moderator, flag.pk))
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            failures.append(repr(error))
        finally:
            connections.close_all()

    first = threading.Thread(target=open_as, args=(moderators[0],))
    first.start()
    assert first_is_past_the_check.wait(timeout=10), "the first open never got past its check"
    second = threading.Thread(target=open_as, args=(moderators[1],))
    second.start()
    for thread in (first, second):
        thread.join(timeout=30)
    assert failures == []
    assert CheckIn.objects.filter(flag=flag).count() == 1
    assert sorted(created for _, created in opened) == [False, True]
