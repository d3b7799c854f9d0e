"""Group sessions in the browser: a facilitator schedules a weekly series, students sign up, the feed imports."""

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from playwright.async_api import expect

from tests.frontend.conftest import assign_facilitator, logged_in_page
from tests.frontend.test_room_page import open_room
from tests.integration.harness import manage

pytestmark = pytest.mark.browser


async def test_schedule_weekly_rsvp_and_import_the_feed(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    first = date.today() + timedelta(days=7)
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    await facilitator.fill("#s-title", "Pre-boards circle")
    await facilitator.fill("#s-start", f"{first}T19:00")
    await facilitator.fill("#s-end", f"{first}T18:00")
    await facilitator.fill("#s-zone", "Europe/London")
    await facilitator.fill("#s-capacity", "1")
    await facilitator.click("#schedule-form button[type=submit]")
    await expect(facilitator.locator("[data-error-for=end]")).to_contain_text("after the start")

    await facilitator.fill("#s-end", f"{first}T20:00")
    await facilitator.check("#s-weekly")
    await facilitator.fill("#s-until", str(first + timedelta(days=21)))
    await facilitator.click("#schedule-form button[type=submit]")
    await expect(facilitator.locator("#schedule-result")).to_have_text("Scheduled 4 sessions.")

    # Ben is studying abroad: the directory shows the next session in his own time zone.
    ben = await logged_in_page(browser, chat_server, "ben", timezone_id="Asia/Tokyo")
    first_in_tokyo = datetime.combine(first, time(19), ZoneInfo("Europe/London")).astimezone(ZoneInfo("Asia/Tokyo"))
    next_session = ben.locator("#room-list > li", has_text="Exam and board stress").locator("time")
    await expect(next_session).to_contain_text(first_in_tokyo.strftime("%I:00"))
    await expect(next_session).to_contain_text("GMT+9")
    amara = await logged_in_page(browser, chat_server, "amara")
    for page in (ben, amara):
        await open_room(page, chat_server, "exam-stress")
        # Folded to one line, so the conversation keeps the screen.
        await expect(page.locator("#sessions-summary")).to_have_text(re.compile(r"^Next session: .+ · 3 more$"))
    await ben.click("#sessions-summary")
    await ben.locator("#session-list li").first.get_by_role("button", name="Sign up").click()
    await expect(ben.locator("#session-list li").first).to_contain_text("you're going")
    await amara.reload()
    await amara.click("#sessions-summary")
    await amara.locator("#session-list li").first.get_by_role("button", name="Join the waitlist").click()
    await expect(amara.locator("#session-list li").first).to_contain_text("on the waitlist")

    await ben.goto(f"{chat_server.http}/privacy/")
    feed_url = await ben.inner_text("#calendar-url")
    # The address shown is this server's secret feed; "Add to calendar" subscribes to that very address (webcal:,
    # so the calendar app keeps it up to date), and so does the Google Calendar button.
    shown = urlsplit(feed_url)
    assert shown.scheme in ("http", "https") and shown.netloc == urlsplit(chat_server.http).netloc
    assert re.fullmatch(r"/calendar/u/[\w-]{40,}\.ics", shown.path), feed_url
    webcal = await ben.get_by_role("link", name="Add to calendar", exact=True).get_attribute("href")
    assert webcal == f"webcal://{shown.netloc}{shown.path}"
    google = await ben.get_by_role("link", name="Add to Google Calendar").get_attribute("href")
    assert parse_qs(urlsplit(google).query)["cid"] == [webcal]
    async with httpx.AsyncClient() as calendar_app:  # as a calendar app would: no login, just the address
        feed = Calendar.from_ical((await calendar_app.get(feed_url)).content)
    [event] = feed.walk("VEVENT")
    assert "Pre-boards circle" in event["SUMMARY"] and event["STATUS"] == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/London"


async def test_facilitator_ends_a_running_session_and_reads_its_summary(browser, chat_server):
    manage(
        chat_server.env,
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from rooms.models import Room, SessionSeries, SessionOccurrence; from chatserver.models import User; "
        "room = Room.objects.get(slug='grief-difficult-cases'); fac = User.objects.get(username='fac_ray'); "
        "room.facilitators.add(fac); start = timezone.now() - timedelta(minutes=10); "
        "s = SessionSeries.objects.create(room=room, title='Loss circle', time_zone='UTC', first_date=start.date(), "
        "local_time=start.time(), duration_minutes=60, capacity=5, facilitator=fac); "
        "SessionOccurrence.objects.create(series=s, starts_at=start, ends_at=start + timedelta(hours=1))",
    )
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    item = facilitator.locator("li[data-slug='grief-difficult-cases'] .manage-sessions li").first
    await expect(item).to_contain_text("running")
    await item.get_by_role("button", name="End now").click()
    await expect(item).to_contain_text("ended")
    await item.get_by_role("button", name="Summary").click()
    summary = facilitator.locator("li[data-slug='grief-difficult-cases'] .session-summary")
    await expect(summary).to_contain_text("Loss circle: 0 signed up, 0 took part, 0 messages, 0 flags, 0 escalations.")


async def test_co_facilitated_session_is_moved_and_edited_in_the_browser(browser, chat_server):
    assign_facilitator(chat_server, "isolation")
    assign_facilitator(chat_server, "isolation", "dr_chen")
    day = date.today() + timedelta(days=10)
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    await facilitator.select_option("#s-room", "isolation")
    await facilitator.fill("#s-title", "Belonging circle")
    await facilitator.fill("#s-start", f"{day}T19:00")
    await facilitator.fill("#s-end", f"{day}T20:00")
    await facilitator.fill("#s-zone", "America/Chicago")
    await facilitator.locator("fieldset[data-room=isolation]").get_by_label("Wei Chen (mentor)").check()
    await facilitator.click("#schedule-form button[type=submit]")
    await expect(facilitator.locator("#schedule-result")).to_have_text("Scheduled 1 session.")

    # The mentor co-facilitates: the session is on their own "My rooms", and students see who runs it.
    mentor = await logged_in_page(browser, chat_server, "dr_chen")
    await mentor.get_by_role("link", name="My rooms").click()
    await expect(mentor.locator("li[data-slug=isolation] .manage-sessions li")).to_contain_text("Belonging circle")
    student = await logged_in_page(browser, chat_server, "ben")
    await open_room(student, chat_server, "isolation")
    await expect(student.locator("#session-list li")).to_contain_text("with Ray Osei, Wei Chen")
    await expect(student.locator("#session-list li .badge")).to_have_text("mentor")

    await facilitator.reload()
    item = facilitator.locator("li[data-slug=isolation] .manage-sessions li").first
    await item.get_by_role("button", name="Move", exact=True).click()
    start = item.get_by_label("New start (America/Chicago)")
    await expect(start).to_have_value(f"{day}T19:00")  # shown in the session's zone, not the browser's
    await item.get_by_label("New end").fill(f"{day}T18:00")
    await item.get_by_role("button", name="Move this session").click()
    await expect(item.get_by_role("alert")).to_have_text("the end must be after the start")
    # A week back: "yesterday" evening in Chicago was still ahead in the first hours of a UTC day.
    last_week = date.today() - timedelta(days=7)
    await start.fill(f"{last_week}T19:00")
    await item.get_by_label("New end").fill(f"{last_week}T20:00")
    await item.get_by_role("button", name="Move this session").click()
    await expect(item.get_by_role("alert")).to_contain_text("past")
    await start.fill(f"{day}T20:00")
    await item.get_by_label("New end").fill(f"{day}T21:00")
    await item.get_by_role("button", name="Move this session").click()
    # Moved: the list reloads without the form, then shows the new time in the session's zone.
    await expect(item.get_by_role("button", name="Move this session")).to_have_count(0)
    await expect(item).to_contain_text("8:00")
    await item.get_by_role("button", name="Move", exact=True).click()
    await expect(item.get_by_label("New start (America/Chicago)")).to_have_value(f"{day}T20:00")

    await item.get_by_role("button", name="Edit series").click()
    await item.get_by_label("Title").fill("Belonging circle (moved)")
    await item.get_by_label("Wei Chen").uncheck()
    await item.get_by_role("button", name="Save the series").click()
    await expect(item).to_contain_text("Belonging circle (moved)")
    await expect(item).to_contain_text("with Ray Osei ")
    await expect(item).not_to_contain_text("Wei Chen")
