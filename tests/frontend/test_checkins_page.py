"""Private check-ins in real Chromium windows: the whole chain from a level-3 message to a resolved check-in."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser

PLAN = "I have a plan and I'm going to do it this weekend"


async def test_a_moderator_checks_in_privately_and_the_student_answers_from_another_tab(browser, chat_server):
    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(f"{chat_server.http}/moderation/")
    await moderator.wait_for_selector("#mod-state:text('live')")
    room_tab = await logged_in_page(browser, chat_server, "amara", width=360)
    # Another tab of the same browser (same session): the student is reading the room list there.
    other_tab = await room_tab.context.new_page()
    await other_tab.goto(f"{chat_server.http}/")
    await open_room(room_tab, chat_server, "burnout")
    alias = (await room_tab.inner_text("#my-name")).replace(" (anonymous alias)", "")

    # 1. The student posts a level-3 message.
    await send(room_tab, PLAN)
    item = moderator.locator("#escalations li.level-3")
    await item.wait_for()

    # 2. The moderator opens a check-in from the escalation, and lands on its page.
    await item.get_by_role("button", name="Open check-in").click()
    await moderator.wait_for_url(f"{chat_server.http}/checkins/*/")
    await moderator.wait_for_selector("#conn-state:text('connected')")
    await expect(moderator.locator("#checkin-student")).to_have_text(alias)
    assert "Amara" not in await moderator.inner_text("main")

    # 3. Every open tab of the student shows the banner at once.
    for tab in (room_tab, other_tab):
        await expect(tab.locator("#checkin-banner")).to_contain_text("would like to check in with you privately")
    await moderator.fill("#body", "Hi, I'm Jun from the moderation team. I read your message. How are you right now?")
    await moderator.press("#body", "Enter")
    await expect(other_tab.locator("#checkins-unread")).to_have_text("1")
    await expect(other_tab.locator("#checkin-banner a")).to_have_text("Open the check-in (1 new)")

    await other_tab.locator("#checkin-banner a").click()
    await other_tab.wait_for_selector("#conn-state:text('connected')")
    await expect(other_tab.locator("#messages li.message")).to_have_count(1)
    await expect(other_tab.locator("#messages li .author").first).to_have_text("Jun Lee")
    await expect(room_tab.locator("#checkins-unread")).to_be_hidden()  # read in the other tab
    await other_tab.fill("#body", "not great, but I'm safe tonight. thank you for asking")
    await other_tab.press("#body", "Enter")
    await expect(moderator.locator("#messages li.message:not(.pending)")).to_have_count(2)
    await expect(moderator.locator("#messages li .author").nth(1)).to_have_text(alias)

    # It also works after the student reloads: the conversation comes back, and they can still write.
    await other_tab.reload()
    await other_tab.wait_for_selector("#conn-state:text('connected')")
    await expect(other_tab.locator("#messages li.message")).to_have_count(2)
    await other_tab.get_by_role("button", name="I'm OK, thanks").click()
    await expect(moderator.locator("#messages li.message:not(.pending)")).to_have_count(3)
    await expect(moderator.locator("#messages li .body").nth(2)).to_have_text("I'm OK, thanks.")

    # 4. The moderator resolves it; the student sees it closed.
    await moderator.get_by_role("button", name="Resolve…").click()
    await moderator.fill("#resolve-note", "Talked privately; safe tonight, shared the campus counselling line")
    await moderator.locator("#resolve-dialog").get_by_role("button", name="Resolve").click()
    await expect(other_tab.locator("#checkin-resolved")).to_be_visible()
    await expect(other_tab.locator("#body")).to_be_disabled()

    # The audit log shows each step; the student's Privacy page shows what happened.
    await moderator.goto(f"{chat_server.http}/moderation/")
    audit = moderator.locator("#audit-rows")
    for action in ("checkin.open", "escalation.contacted", "escalation.replied", "checkin.ok", "checkin.resolve"):
        await expect(audit).to_contain_text(action)
    await expect(moderator.locator("#escalations li.level-3")).to_have_count(0)
    await other_tab.goto(f"{chat_server.http}/privacy/")
    privacy = other_tab.locator("#privacy-checkins")
    await expect(privacy).to_contain_text("Opened by a moderator from an escalation")
    await expect(privacy).to_contain_text(alias)
    await expect(privacy).to_contain_text("Resolved")
    await expect(privacy).to_contain_text("safe tonight, shared the campus counselling line")


async def test_a_student_asks_to_talk_privately_from_the_help_panel(browser, chat_server):
    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(f"{chat_server.http}/moderation/")
    await moderator.wait_for_selector("#mod-state:text('live')")
    student = await logged_in_page(browser, chat_server, "ben")
    await open_room(student, chat_server, "burnout")
    alias = (await student.inner_text("#my-name")).replace(" (anonymous alias)", "")
    await student.get_by_role("link", name="Get help now").click()
    await student.get_by_role("button", name="Talk to a moderator privately").click()
    await student.wait_for_url(f"{chat_server.http}/checkins/*/")
    await student.wait_for_selector("#conn-state:text('connected')")
    await student.fill("#body", "can I talk to someone about my rotation?")
    await student.press("#body", "Enter")

    request = moderator.locator("#checkins li.checkin-item")
    await expect(request).to_contain_text("Asked to talk")
    await expect(request).to_contain_text(alias)
    assert "Ben" not in await request.inner_text()
    await request.get_by_role("link", name="Open").click()
    await moderator.wait_for_selector("#conn-state:text('connected')")
    await expect(moderator.locator("#messages li .body")).to_have_text(["can I talk to someone about my rotation?"])


async def test_nobody_else_can_open_a_check_in_page(browser, chat_server):
    student = await logged_in_page(browser, chat_server, "amara")
    await student.get_by_role("link", name="Get help now").click()
    await student.get_by_role("button", name="Talk to a moderator privately").click()
    await student.wait_for_url(f"{chat_server.http}/checkins/*/")
    url = student.url
    for username in ("ben", "dr_chen", "fac_ray"):
        outsider = await logged_in_page(browser, chat_server, username)
        response = await outsider.goto(url)
        assert response.status == 403, username


async def test_a_check_in_survives_a_server_restart_on_both_sides(browser, chat_server):
    student = await logged_in_page(browser, chat_server, "amara")
    await student.get_by_role("link", name="Get help now").click()
    await student.get_by_role("button", name="Talk to a moderator privately").click()
    await student.wait_for_url(f"{chat_server.http}/checkins/*/")
    await student.wait_for_selector("#conn-state:text('connected')")
    home_tab = await student.context.new_page()
    await home_tab.goto(f"{chat_server.http}/")
    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(student.url)
    await moderator.wait_for_selector("#conn-state:text('connected')")
    await moderator.fill("#body", "Hi, Jun here. What's on your mind?")
    await moderator.press("#body", "Enter")
    await expect(student.locator("#messages li.message:not(.pending)")).to_have_count(1)

    chat_server.stop()
    await expect(student.locator("#conn-state")).to_have_text("reconnecting…")
    # Typed while the server is down: kept as pending and sent after the reconnect, once.
    await student.fill("#body", "sorry, my connection dropped. rotations are crushing me")
    await student.press("#body", "Enter")
    chat_server.start()
    for page in (student, moderator):
        await expect(page.locator("#conn-state")).to_have_text("connected", timeout=40_000)
    await moderator.fill("#body", "That sounds exhausting. Can we talk it through?")
    await moderator.press("#body", "Enter")
    expected = [
        "Hi, Jun here. What's on your mind?",
        "sorry, my connection dropped. rotations are crushing me",
        "That sounds exhausting. Can we talk it through?",
    ]
    for page in (student, moderator):
        await expect(page.locator("#messages li.message:not(.pending) .body")).to_have_text(expected, timeout=20_000)
        assert await page.locator("#messages li.pending").count() == 0
    # The other tab's notices socket reconnected too: with the check-in closed, the next message shows as unread
    # there, live.
    await student.close()
    await moderator.fill("#body", "I'm here whenever you come back.")
    await moderator.press("#body", "Enter")
    await expect(home_tab.locator("#checkins-unread")).to_have_text("1")
