"""A crisis as a student and a moderator see it, in real Chromium windows."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser

PLAN = "I have a plan and I'm going to do it this weekend"


async def test_crisis_shows_support_card_and_reaches_the_dashboard(browser, chat_server):
    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(f"{chat_server.http}/moderation/")
    await moderator.wait_for_selector("#mod-state:text('live')")
    student = await logged_in_page(browser, chat_server, "amara", width=360)
    await open_room(student, chat_server, "burnout")

    await send(student, PLAN)
    card = student.locator("#support-card")
    await card.wait_for()
    assert "988" in await card.inner_text()
    assert await student.locator("#messages li.held").count() == 1, "level 3 is held from the room by default"

    item = moderator.locator("#escalations li.level-3")
    await item.wait_for()
    assert "Amara" not in await item.inner_text()
    await item.get_by_role("button", name="Show message (may describe self-harm)").click()
    assert PLAN in await item.inner_text()
    await expect(item.locator(".why")).to_have_text("Why: plan, intent to act, intent")
    await item.get_by_role("button", name="Acknowledge").click()
    await moderator.wait_for_selector("#escalations li.acknowledged")
    await card.get_by_role("button", name="Close").click()
    assert await student.locator("#support-card").count() == 0


async def test_students_cannot_open_the_dashboard(browser, chat_server):
    student = await logged_in_page(browser, chat_server, "ben")
    response = await student.goto(f"{chat_server.http}/moderation/")
    assert response.status == 403


async def test_moderator_warns_reveals_with_a_reason_and_sees_the_audit_log(browser, chat_server):
    moderator = await logged_in_page(browser, chat_server, "mod_lee")
    await moderator.goto(f"{chat_server.http}/moderation/")
    await moderator.wait_for_selector("#mod-state:text('live')")
    student = await logged_in_page(browser, chat_server, "amara")
    await open_room(student, chat_server, "grief-difficult-cases")
    await send(student, PLAN)
    item = moderator.locator("#escalations li.level-3")
    await item.wait_for()

    await item.get_by_role("button", name="Warn…").click()
    warn = moderator.locator("#action-dialog")
    await warn.get_by_label("Warning (they will read it)").fill("Please keep details of methods out of the room.")
    await warn.get_by_role("button", name="Send warning").click()
    await expect(student.locator("#error")).to_contain_text("Please keep details of methods out of the room.")

    await item.get_by_role("button", name="Reveal identity…").click()
    dialog = moderator.locator("#reveal-dialog")
    await dialog.wait_for()
    await moderator.fill("#reveal-reason", "Level 3: plan with a timeframe, contacting campus crisis team")
    await dialog.get_by_role("button", name="Request reveal").click()
    revealed = moderator.locator("#revealed")
    await revealed.wait_for()
    assert "Amara Nwosu" in await revealed.inner_text() and "recorded" in await revealed.inner_text()

    await moderator.locator("#audit-filter button").click()
    audit = moderator.locator("#audit-rows")
    await expect(audit).to_contain_text("identity.reveal")
    await expect(audit).to_contain_text("user.warn")
    await expect(audit).to_contain_text("contacting campus crisis team")
