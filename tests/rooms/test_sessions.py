"""Scheduling group sessions: validation, daylight saving, RSVPs with a waitlist, iCalendar feeds."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from rooms import rsvps, sessions
from rooms.calendar import calendar_token
from rooms.models import Rsvp, SessionOccurrence
from rooms.sessions import RsvpError, ScheduleError, SeriesRequest, SessionError, SessionFieldError

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=ZoneInfo("UTC"))
NEW_YORK = "America/New_York"


@pytest.fixture
def request_for(make_room, make_user):
    room = make_room(slug="grief", title="Grief & difficult cases")
    facilitator = make_user(role="facilitator")

    def build(**overrides):
        fields = {
            "room": room,
            "title": "Sunday circle",
            "time_zone": NEW_YORK,
            "local_start": datetime(2027, 10, 21, 19, 0),
            "duration_minutes": 60,
            "capacity": 2,
            "facilitator": facilitator,
        }
        fields.update(overrides)
        return SeriesRequest(**fields)

    return build


def test_weekly_session_stays_at_local_time_across_daylight_saving(request_for):
    # US clocks go back on 2027-11-07: 19:00 in New York is 23:00 UTC before and 00:00 UTC after.
    series = sessions.do_create_series(request_for(weekly_until=date(2027, 11, 18)), NOW)
    starts = list(series.occurrences.values_list("starts_at", flat=True))
    assert len(starts) == 5
    assert {s.astimezone(ZoneInfo(NEW_YORK)).hour for s in starts} == {19}
    assert [s.astimezone(ZoneInfo("UTC")).hour for s in starts] == [23, 23, 23, 0, 0]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"duration_minutes": 0}, "end", "after the start"),
        ({"duration_minutes": -30}, "end", "after the start"),
        ({"local_start": datetime(2026, 5, 1, 19, 0)}, "start", "past"),
        ({"weekly_until": date(2029, 1, 1)}, "weekly_until", "at most a year"),
        ({"weekly_until": date(2027, 10, 1)}, "weekly_until", "end after"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "unknown time zone"),
        ({"local_start": datetime(2027, 3, 14, 2, 30)}, "start", "does not exist"),
        ({"capacity": 0}, "capacity", "between 1"),
        ({"title": "  "}, "title", "title"),
    ],
)
def test_bad_schedules_are_refused_with_a_clear_message(request_for, overrides, field, words):
    with pytest.raises(ScheduleError) as caught:
        sessions.do_create_series(request_for(**overrides), NOW)
    assert caught.value.field == field and words in caught.value.message
    assert not SessionOccurrence.objects.exists()


def test_overlapping_sessions_for_the_same_facilitator_are_refused(request_for, make_user):
    sessions.do_create_series(request_for(), NOW)
    with pytest.raises(ScheduleError, match="overlaps"):
        sessions.do_create_series(request_for(local_start=datetime(2027, 10, 21, 19, 30)), NOW)
    other = request_for(local_start=datetime(2027, 10, 21, 19, 30), facilitator=make_user(role="facilitator"))
    assert sessions.do_create_series(other, NOW).occurrences.count() == 1


def test_capacity_is_enforced_with_a_waitlist_promoted_in_order(request_for, make_user):
    occurrence = sessions.do_create_series(request_for(), NOW).occurrences.get()
    first, second, third, fourth = (make_user() for _ in range(4))
    assert [rsvps.do_rsvp(u, occurrence.pk).status for u in (first, second, third, fourth)] == [
        "going",
        "going",
        "waitlisted",
        "waitlisted",
    ]
    assert rsvps.do_rsvp(first, occurrence.pk).status == "going", "signing up twice changes nothing"
    promoted = rsvps.do_cancel_rsvp(second, occurrence.pk)
    assert promoted.user == third and promoted.status == "going"
    assert Rsvp.objects.get(user=fourth).status == "waitlisted"


def test_capacity_cannot_drop_below_confirmed_rsvps(request_for, make_user):
    series = sessions.do_create_series(request_for(capacity=3), NOW)
    occurrence = series.occurrences.get()
    for _ in range(3):
        rsvps.do_rsvp(make_user(), occurrence.pk)
    with pytest.raises(ScheduleError, match="already going"):
        sessions.do_set_capacity(series, 2)
    sessions.do_set_capacity(series, 5)


def test_room_feed_is_valid_icalendar_with_time_zone_and_recurrence(request_for, client):
    series = sessions.do_create_series(request_for(weekly_until=date(2027, 11, 18)), NOW)
    skipped = series.occurrences.all()[1]
    skipped.cancelled = True
    skipped.save()
    response = client.get("/calendar/rooms/grief.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART") == datetime(2027, 10, 21, 19, 0, tzinfo=ZoneInfo(NEW_YORK))
    assert event["DTSTART"].params["TZID"] == NEW_YORK
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [NEW_YORK]
    assert event["URL"] == "http://testserver/rooms/grief/"
    exdates = [d.dt for d in event["EXDATE"].dts]
    assert exdates == [skipped.starts_at.astimezone(ZoneInfo(NEW_YORK))]
    assert client.get("/calendar/rooms/nope.ics").status_code == 404


def test_personal_feed_lives_at_a_secret_url_that_can_be_reset(request_for, make_user):
    student = make_user()
    occurrence = sessions.do_create_series(request_for(), NOW).occurrences.get()
    rsvps.do_rsvp(student, occurrence.pk)
    token = calendar_token(student)
    anonymous_browser = Client()
    feed = Calendar.from_ical(anonymous_browser.get(f"/calendar/u/{token}.ics").content)
    [event] = feed.walk("VEVENT")
    assert event["STATUS"] == "CONFIRMED" and "Sunday circle" in event["SUMMARY"]
    # What the session is, and the way back to its room, from the calendar app.
    assert event["URL"] == "http://testserver/rooms/grief/"
    assert "group session in the Grief & difficult cases room" in event["DESCRIPTION"]
    assert event["DESCRIPTION"].endswith("Join in the room: http://testserver/rooms/grief/")
    new_token = calendar_token(student, reset=True)
    assert new_token != token
    assert anonymous_browser.get(f"/calendar/u/{token}.ics").status_code == 404
    assert anonymous_browser.get(f"/calendar/u/{new_token}.ics").status_code == 200


def test_signing_up_for_a_cancelled_session_is_an_rsvp_error_not_a_schedule_error(request_for, make_user):
    occurrence = sessions.do_create_series(request_for(), NOW).occurrences.get()
    occurrence.cancelled = True
    occurrence.save()
    with pytest.raises(RsvpError) as caught:
        rsvps.do_rsvp(make_user(), occurrence.pk)
    assert not isinstance(caught.value, ScheduleError) and isinstance(caught.value, SessionError)
    assert caught.value.field == "occurrence" and caught.value.message == "this session was cancelled"
    assert not Rsvp.objects.exists()


def test_fields_of_the_wrong_type_are_field_errors_not_schedule_errors(request_for, make_room, make_user):
    room = make_room()
    with pytest.raises(SessionFieldError, match="'title' must be text") as caught:
        sessions.check_title(42)
    assert caught.value.field == "title" and not isinstance(caught.value, ScheduleError)
    with pytest.raises(SessionFieldError, match="must be a list of usernames") as caught:
        sessions.check_co_facilitators(room, make_user(role="facilitator"), "alice")
    assert caught.value.field == "co_facilitators"
    series = sessions.do_create_series(request_for(), NOW)
    with pytest.raises(SessionFieldError, match="whole number"):
        sessions.do_edit_series(series, NOW, capacity="lots")
    with pytest.raises(ScheduleError, match="a session needs a title"):
        sessions.check_title("   ")
