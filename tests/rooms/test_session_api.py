"""Group sessions over HTTP, rooms open only during sessions, and reminders sent once."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rooms import rsvps, services, sessions
from rooms.models import Membership, Rsvp, SessionOccurrence, SessionSeries
from rooms.protocol import ProtocolError
from rooms.reminders import send_due_reminders

pytestmark = pytest.mark.django_db

WEEKLY = {
    "title": "Exam-week circle",
    "time_zone": "Europe/London",
    "start": "2027-10-21T19:00",
    "end": "2027-10-21T20:00",
    "repeat": "weekly",
    "weekly_until": "2027-11-30",
    "capacity": 8,
}


@pytest.fixture
def room_with_facilitator(make_room, make_user):
    room = make_room(slug="exam-stress")
    facilitator = make_user(role="facilitator")
    room.facilitators.add(facilitator)
    client = Client()
    client.force_login(facilitator)
    return room, client


def post(client, body):
    return client.post("/api/rooms/exam-stress/sessions/", json.dumps(body), content_type="application/json")


def test_facilitator_schedules_a_weekly_series_and_students_rsvp(room_with_facilitator, make_user):
    _room, client = room_with_facilitator
    response = post(client, WEEKLY)
    assert response.status_code == 201
    created = response.json()["sessions"]
    assert len(created) == 6 and created[0]["seats_left"] == 8
    student = Client()
    student.force_login(make_user())
    listed = student.get("/api/rooms/exam-stress/sessions/").json()["sessions"]
    assert [s["id"] for s in listed] == [s["id"] for s in created]
    rsvp = student.post(f"/api/sessions/{created[0]['id']}/rsvp/").json()
    assert rsvp["you"] == "going" and rsvp["seats_left"] == 7
    directory = student.get("/api/rooms/").json()["rooms"]
    assert directory[0]["next_session"]["title"] == "Exam-week circle"
    assert student.delete(f"/api/sessions/{created[0]['id']}/rsvp/").json()["you"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2027-10-21T18:00"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2020-01-01T10:00", "end": "2020-01-01T11:00"}, "start"),
        ({"weekly_until": None}, "weekly_until"),
        ({"weekly_until": "2029-01-01"}, "weekly_until"),
        ({"time_zone": "Atlantis/Capital"}, "time_zone"),
        ({"capacity": "lots"}, "capacity"),
        ({"start": "2027-10-21T19:00+01:00"}, "start"),
    ],
)
def test_bad_schedules_over_the_api_name_the_field(room_with_facilitator, change, field):
    _room, client = room_with_facilitator
    response = post(client, {**WEEKLY, **change})
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["detail"]
    assert not SessionSeries.objects.exists()


def test_only_room_staff_schedule(room_with_facilitator, make_user):
    student = Client()
    student.force_login(make_user())
    assert post(student, WEEKLY).status_code == 403


def _occurrence(room, facilitator, start, minutes=60, capacity=5):
    series = SessionSeries.objects.create(
        room=room,
        title="Circle",
        time_zone="UTC",
        first_date=start.date(),
        local_time=start.time(),
        duration_minutes=minutes,
        capacity=capacity,
        facilitator=facilitator,
    )
    return SessionOccurrence.objects.create(series=series, starts_at=start, ends_at=start + timedelta(minutes=minutes))


def test_sessions_only_room_is_closed_between_sessions(make_room, make_user):
    room = make_room(slug="circle", open_during_sessions_only=True)
    member = services.do_join_room(make_user(), room)
    later = _occurrence(room, make_user(role="facilitator"), timezone.now() + timedelta(hours=2))
    with pytest.raises(ProtocolError) as caught:
        services.do_send_message(member.pk, "c1", "hello?")
    assert caught.value.code == "room_closed" and later.starts_at.isoformat() in caught.value.detail
    _occurrence(room, make_user(role="facilitator"), timezone.now() - timedelta(minutes=10))
    assert services.do_send_message(member.pk, "c2", "hello!").status == "delivered"


def test_reminders_go_once_to_people_going(make_room, make_user):
    room = make_room(slug="r")
    occurrence = _occurrence(room, make_user(role="facilitator"), timezone.now() + timedelta(minutes=20), capacity=1)
    going, waiting = make_user(email="going@example.edu"), make_user(email="waiting@example.edu")
    rsvps.do_rsvp(going, occurrence.pk)
    rsvps.do_rsvp(waiting, occurrence.pk)
    assert send_due_reminders(timezone.now()) == 1
    assert send_due_reminders(timezone.now()) == 0, "a second pass (or a restarted worker) sends nothing again"
    [message] = mail.outbox
    assert message.to == ["going@example.edu"] and "Circle" in message.subject
    assert Rsvp.objects.get(user=going).reminder_sent_at is not None


def _action(client, occurrence_id, action, body=None):
    return client.post(
        f"/api/sessions/{occurrence_id}/{action}/", json.dumps(body or {}), content_type="application/json"
    )


def test_cancel_one_or_the_series_and_attendees_are_told(
    room_with_facilitator, make_user, django_capture_on_commit_callbacks
):
    _room, client = room_with_facilitator
    created = post(client, WEEKLY).json()["sessions"]
    student = make_user(email="student@example.edu")
    rsvps.do_rsvp(student, created[0]["id"])
    rsvps.do_rsvp(student, created[2]["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert _action(client, created[0]["id"], "cancel").json()["cancelled"] == [created[0]["id"]]
    assert mail.outbox[-1].to == ["student@example.edu"] and "Cancelled" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        rest = _action(client, created[1]["id"], "cancel", {"scope": "series"}).json()["cancelled"]
    assert sorted(rest) == [s["id"] for s in created[1:]]
    assert not SessionOccurrence.objects.filter(cancelled=False).exists()
    student_client = Client()
    student_client.force_login(student)
    assert _action(student_client, created[0]["id"], "cancel").status_code == 403


def test_move_one_occurrence_checks_the_same_rules(room_with_facilitator, django_capture_on_commit_callbacks):
    _room, client = room_with_facilitator
    created = post(client, WEEKLY).json()["sessions"]
    moved = _action(client, created[0]["id"], "move", {"start": "2027-10-22T18:00", "end": "2027-10-22T19:30"})
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith("2027-10-22T17:00")  # BST = UTC+1
    clash = _action(client, created[0]["id"], "move", {"start": "2027-10-28T19:30", "end": "2027-10-28T20:30"})
    assert clash.status_code == 400 and clash.json()["field"] == "start" and "overlaps" in clash.json()["detail"]
    past = _action(client, created[0]["id"], "move", {"start": "2020-01-01T10:00", "end": "2020-01-01T11:00"})
    assert past.status_code == 400


def test_end_a_running_session_and_read_its_summary(make_room, make_user):
    room = make_room(slug="exam-stress", open_during_sessions_only=True)
    facilitator = make_user(role="facilitator")
    room.facilitators.add(facilitator)
    occurrence = _occurrence(room, facilitator, timezone.now() - timedelta(minutes=5))
    rsvps.do_rsvp(make_user(), occurrence.pk)
    talker = services.do_join_room(make_user(), room)
    services.do_send_message(talker.pk, "a", "glad to be here")
    services.do_send_message(talker.pk, "b", "I don't want to be here anymore")
    client = Client()
    client.force_login(facilitator)
    assert _action(client, occurrence.pk, "end").status_code == 200
    with pytest.raises(ProtocolError):
        services.do_send_message(talker.pk, "c", "still open?")
    summary = client.get(f"/api/sessions/{occurrence.pk}/summary/").json()
    assert summary["signed_up"] == 1 and summary["took_part"] == 1 and summary["messages"] == 2
    assert summary["escalations"] == 1 and summary["flags"] == 0
    assert "glad" not in json.dumps(summary), "a summary, never a transcript"
    assert _action(client, occurrence.pk, "end").status_code == 400, "it is no longer running"


def test_edit_the_series_but_never_below_confirmed_rsvps(room_with_facilitator, make_user):
    _room, client = room_with_facilitator
    created = post(client, {**WEEKLY, "capacity": 3}).json()["sessions"]
    for _ in range(2):
        rsvps.do_rsvp(make_user(), created[0]["id"])
    refused = _action(client, created[0]["id"], "edit", {"capacity": 1})
    assert refused.status_code == 400 and refused.json()["field"] == "capacity"
    assert "already going" in refused.json()["detail"]
    edited = _action(client, created[0]["id"], "edit", {"capacity": 2, "title": "Boards circle"})
    assert edited.status_code == 200 and edited.json()["title"] == "Boards circle" and edited.json()["seats_left"] == 0
    assert SessionSeries.objects.get().capacity == 2


def test_recent_sessions_are_listed_for_room_staff_only(room_with_facilitator, make_user):
    room, client = room_with_facilitator
    past = _occurrence(room, make_user(role="facilitator"), timezone.now() - timedelta(days=2))
    assert [s["id"] for s in client.get("/api/rooms/exam-stress/sessions/?recent=1").json()["sessions"]] == [past.pk]
    assert client.get("/api/rooms/exam-stress/sessions/").json()["sessions"] == []
    student = Client()
    student.force_login(make_user())
    assert student.get("/api/rooms/exam-stress/sessions/?recent=1").status_code == 403


def test_co_facilitators_are_chosen_from_the_room_and_shown_to_students(room_with_facilitator, make_user):
    room, client = room_with_facilitator
    mentor = make_user(role="mentor", username="dr_osei", first_name="Kwame", last_name="Osei")
    outsider = make_user(role="facilitator", username="elsewhere")
    for names, expected in (
        (["nobody"], "'nobody' does not facilitate"),
        (["elsewhere"], "'elsewhere' does not facilitate"),
        ("dr_osei", "must be a list of usernames"),
        ([7], "must be a list of usernames"),
    ):
        refused = post(client, {**WEEKLY, "co_facilitators": names})
        assert refused.status_code == 400 and refused.json()["field"] == "co_facilitators"
        assert expected in refused.json()["detail"]
    assert not SessionSeries.objects.exists()

    room.facilitators.add(mentor)
    created = post(client, {**WEEKLY, "co_facilitators": ["dr_osei"]})
    assert created.status_code == 201
    series = SessionSeries.objects.get()
    assert list(series.co_facilitators.all()) == [mentor]
    assert created.json()["sessions"][0]["co_facilitators"] == ["dr_osei"]
    student = Client()
    student.force_login(make_user())
    [first, *_] = student.get("/api/rooms/exam-stress/sessions/").json()["sessions"]
    assert first["facilitators"][1] == {"name": "Kwame Osei", "role": "mentor"}
    assert "co_facilitators" not in first, "usernames are for the people running the room"
    assert outsider.username not in json.dumps(first)


def test_a_co_facilitator_cannot_be_double_booked_and_can_run_the_session(room_with_facilitator, make_user):
    room, client = room_with_facilitator
    colleague = make_user(role="facilitator", username="fac_ines")
    room.facilitators.add(colleague)
    created = post(client, {**WEEKLY, "co_facilitators": ["fac_ines"]}).json()["sessions"]
    colleague_client = Client()
    colleague_client.force_login(colleague)
    clash = post(colleague_client, {**WEEKLY, "title": "Her own group", "repeat": None, "weekly_until": None})
    assert clash.status_code == 400 and "overlaps 'Exam-week circle'" in clash.json()["detail"]
    # The co-facilitator manages the series like its creator: here, taking themself off it.
    edited = _action(colleague_client, created[0]["id"], "edit", {"co_facilitators": []})
    assert edited.status_code == 200 and edited.json()["facilitators"] == [
        {"name": SessionSeries.objects.get().facilitator.display_name, "role": "facilitator"}
    ]
    assert post(colleague_client, {**WEEKLY, "title": "Her own group", "repeat": None}).status_code == 201


def test_adding_a_busy_co_facilitator_to_a_series_is_refused(room_with_facilitator, make_user):
    room, client = room_with_facilitator
    busy = make_user(role="facilitator", username="fac_busy")
    room.facilitators.add(busy)
    busy_client = Client()
    busy_client.force_login(busy)
    one_evening = {"title": "Drop-in", "repeat": None, "weekly_until": None}
    one_evening |= {"start": "2027-11-04T19:30", "end": "2027-11-04T20:30"}
    assert post(busy_client, {**WEEKLY, **one_evening}).status_code == 201
    created = post(client, WEEKLY).json()["sessions"]
    refused = _action(client, created[0]["id"], "edit", {"co_facilitators": ["fac_busy"]})
    assert refused.status_code == 400 and refused.json()["field"] == "start"
    assert "overlaps 'Drop-in'" in refused.json()["detail"]
    assert not SessionSeries.objects.get(title="Exam-week circle").co_facilitators.exists()


def test_a_mentor_holds_office_hours_in_a_room_they_run(make_room, make_user):
    room = make_room(slug="mentorship")
    mentor = make_user(role="mentor")
    client = Client()
    client.force_login(mentor)
    office_hours = {**WEEKLY, "title": "Office hours"}
    url = "/api/rooms/mentorship/sessions/"
    assert client.post(url, json.dumps(office_hours), content_type="application/json").status_code == 403
    room.facilitators.add(mentor)
    assert client.post(url, json.dumps(office_hours), content_type="application/json").status_code == 201
    assert client.get("/facilitate/").status_code == 200
    assert make_user().may_run_rooms is False


LONG_TITLE = "Exam-week circle for everyone in their clinical years, " * 3  # 165 characters


def test_a_title_over_120_characters_is_refused_when_scheduling_and_editing(room_with_facilitator):
    _room, client = room_with_facilitator
    refused = post(client, {**WEEKLY, "title": LONG_TITLE})
    assert refused.status_code == 400 and refused.json()["field"] == "title"
    assert "at most 120 characters" in refused.json()["detail"]
    assert not SessionSeries.objects.exists()
    created = post(client, {**WEEKLY, "title": "x" * 120})
    assert created.status_code == 201, "120 characters is fine"
    refused = _action(client, created.json()["sessions"][0]["id"], "edit", {"title": LONG_TITLE})
    assert refused.status_code == 400 and refused.json()["field"] == "title"
    assert "at most 120 characters" in refused.json()["detail"]
    assert SessionSeries.objects.get().title == "x" * 120


@pytest.mark.parametrize(
    "title",
    ["Circle\r\nBcc: everyone@example.edu", "Circle\npart two", "Circle\tweekly", "Circle\x00", "Circle\u2028two"],
)
def test_a_title_with_a_line_break_or_control_character_is_refused(room_with_facilitator, title):
    _room, client = room_with_facilitator
    refused = post(client, {**WEEKLY, "title": title})
    assert refused.status_code == 400 and refused.json()["field"] == "title"
    assert "one line" in refused.json()["detail"]
    assert not SessionSeries.objects.exists()
    created = post(client, WEEKLY).json()["sessions"]
    refused = _action(client, created[0]["id"], "edit", {"title": title})
    assert refused.status_code == 400 and refused.json()["field"] == "title"
    assert SessionSeries.objects.get().title == WEEKLY["title"]


def test_an_emoji_title_is_fine(room_with_facilitator):
    _room, client = room_with_facilitator
    title = "Night-shift circle \U0001f469\u200d\u2695\ufe0f"  # woman health worker: a zero-width joiner inside
    assert post(client, {**WEEKLY, "title": title}).status_code == 201
    assert SessionSeries.objects.get().title == title


def _going(make_user, occurrence, *emails):
    for email in emails:
        rsvps.do_rsvp(make_user(email=email), occurrence.pk)


def test_a_title_with_a_line_break_from_before_validation_does_not_stop_attendee_emails(
    make_room, make_user, django_capture_on_commit_callbacks
):
    room = make_room(slug="r")
    occurrence = _occurrence(room, make_user(role="facilitator"), timezone.now() + timedelta(days=2))
    # Stored before titles were checked (or written by some other path): it must not break e-mail.
    SessionSeries.objects.update(title="Circle\r\nBcc: everyone@example.edu")
    _going(make_user, occurrence, "broken\n@example.edu", "ana@example.edu", "ben@example.edu")
    with django_capture_on_commit_callbacks(execute=True):
        sessions.do_cancel(SessionOccurrence.objects.get(), False, timezone.now())
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.edu", "ben@example.edu"], (
        "an address that cannot be used is skipped; the others are still told"
    )
    for message in mail.outbox:
        assert message.subject == "Cancelled: Circle Bcc: everyone@example.edu"
        assert message.message()["Bcc"] is None and message.recipients() == message.to


def test_reminders_go_out_when_a_title_has_a_line_break_or_one_address_cannot_be_used(make_room, make_user):
    room = make_room(slug="r")
    soon = timezone.now() + timedelta(minutes=20)
    odd = _occurrence(room, make_user(role="facilitator"), soon)
    SessionSeries.objects.filter(pk=odd.series_id).update(title="Circle\r\nBcc: everyone@example.edu")
    plain = _occurrence(room, make_user(role="facilitator"), soon)
    _going(make_user, plain, "broken\n@example.edu", "ana@example.edu")
    _going(make_user, odd, "ben@example.edu")
    assert send_due_reminders(timezone.now()) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.edu", "ben@example.edu"]
    assert all("\n" not in m.subject and "\r" not in m.subject for m in mail.outbox)
    assert Rsvp.objects.get(user__email="broken\n@example.edu").reminder_sent_at is None, "retried next pass"


def test_a_banned_member_cannot_sign_up_for_the_rooms_sessions(make_room, make_user):
    room = make_room(slug="r")
    occurrence = _occurrence(room, make_user(role="facilitator"), timezone.now() + timedelta(days=2))
    banned = make_user()
    services.do_join_room(banned, room)
    Membership.objects.filter(user=banned).update(is_banned=True)
    client = Client()
    client.force_login(banned)
    refused = client.post(f"/api/sessions/{occurrence.pk}/rsvp/")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "banned" in refused.json()["detail"]
    assert not Rsvp.objects.exists()
    other = Client()
    other.force_login(make_user())
    assert other.post(f"/api/sessions/{occurrence.pk}/rsvp/").json()["you"] == "going", "others still can"


def test_a_ban_gives_up_the_members_seats_in_upcoming_sessions(make_room, make_user):
    from moderation.member_actions import do_ban_member

    room = make_room(slug="r")
    occurrence = _occurrence(room, make_user(role="facilitator"), timezone.now() + timedelta(days=2), capacity=1)
    member = services.do_join_room(make_user(), room)
    waiting = make_user()
    rsvps.do_rsvp(member.user, occurrence.pk)
    rsvps.do_rsvp(waiting, occurrence.pk)
    do_ban_member(make_user(role="moderator"), "r", member.alias, "threats")
    assert list(Rsvp.objects.values_list("user", "status")) == [(waiting.pk, "going")], (
        "no reminder or calendar entry for a room they cannot enter; the seat goes to the waitlist"
    )


def test_rsvp_and_field_errors_are_400_bad_request_naming_the_field(room_with_facilitator, make_user):
    _room, client = room_with_facilitator
    created = post(client, WEEKLY).json()["sessions"]
    assert _action(client, created[0]["id"], "cancel").status_code == 200
    student = Client()
    student.force_login(make_user())
    refused = student.post(f"/api/sessions/{created[0]['id']}/rsvp/")
    assert refused.status_code == 400
    assert refused.json() == {
        "type": "error",
        "code": "bad_request",
        "detail": "this session was cancelled",
        "field": "occurrence",
    }
    for body, field in (({"title": 42}, "title"), ({"co_facilitators": "alice"}, "co_facilitators")):
        response = post(client, {**WEEKLY, **body})
        assert response.status_code == 400 and response.json()["code"] == "bad_request"
        assert response.json()["field"] == field
    edit = _action(client, created[1]["id"], "edit", {"capacity": "lots"})
    assert edit.status_code == 400 and edit.json()["field"] == "capacity" and edit.json()["code"] == "bad_request"


def test_every_email_to_a_student_carries_the_crisis_lines_as_links(
    room_with_facilitator, make_user, django_capture_on_commit_callbacks
):
    """A reminder or a cancellation can arrive on a bad night: the lines are at its foot, numbers tappable."""
    _room, client = room_with_facilitator
    created = post(client, WEEKLY).json()["sessions"]
    student = make_user(email="student@example.edu")
    rsvps.do_rsvp(student, created[0]["id"])
    SessionOccurrence.objects.filter(pk=created[0]["id"]).update(starts_at=timezone.now() + timedelta(minutes=20))
    assert send_due_reminders(timezone.now()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        _action(client, created[0]["id"], "cancel")
    reminder, cancellation = mail.outbox[-2:]
    assert "Reminder" in reminder.subject and "Cancelled" in cancellation.subject
    for message in (reminder, cancellation):
        assert "988 Suicide & Crisis Lifeline" in message.body
        assert "tel:988" in message.body and "sms:741741" in message.body
