"""The facilitator's page: cancelling asks first in a dialog, time zones are searched, every field is labelled."""

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import assign_facilitator, logged_in_page

pytestmark = pytest.mark.browser


async def test_cancel_asks_for_confirmation_and_looks_different(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    day = date.today() + timedelta(days=4)
    facilitator = await logged_in_page(browser, chat_server, "fac_ray", width=360, height=740)
    await facilitator.goto(f"{chat_server.http}/facilitate/")
    # Their role in the top bar is a badge element, not words after their name.
    await expect(facilitator.locator(".topbar .who-name")).to_have_text("Ray Osei")
    await expect(facilitator.locator(".topbar .who .badge")).to_have_text("Facilitator")
    # The time zone is picked from the IANA list; the end date of a weekly series has its own label.
    zone = facilitator.get_by_label("Time zone")
    assert await zone.get_attribute("list") == "time-zones"
    zones = await facilitator.eval_on_selector_all("#time-zones option", "options => options.map(o => o.value)")
    assert "Europe/London" in zones and "America/New_York" in zones and len(zones) > 300
    await expect(facilitator.get_by_label("Repeat weekly until")).to_have_attribute("type", "date")
    await facilitator.select_option("#s-room", "exam-stress")
    await facilitator.fill("#s-title", "Pre-boards circle")
    await facilitator.fill("#s-start", f"{day}T19:00")
    await facilitator.fill("#s-end", f"{day}T20:00")
    await zone.fill("Europe/London")
    await facilitator.check("#s-weekly")
    await facilitator.get_by_label("Repeat weekly until").fill(str(day + timedelta(days=7)))
    await facilitator.click("#schedule-form button[type=submit]")
    await expect(facilitator.locator("#schedule-result")).to_have_text("Scheduled 2 sessions.")
    await facilitator.reload()

    item = facilitator.locator("li[data-slug='exam-stress'] .manage-sessions li").first
    cancel = item.get_by_role("button", name="Cancel", exact=True)
    move = item.get_by_role("button", name="Move", exact=True)
    await expect(cancel).to_be_visible()
    # The same buttons on every row: each is described by its own session.
    await expect(cancel).to_have_accessible_description(re.compile(r"^Pre-boards circle: .+ upcoming"))
    # Not one more button among the others: it is drawn as a danger.
    look = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
    assert await cancel.evaluate(look) != await move.evaluate(look)

    dialog = facilitator.locator("#confirm-dialog")
    await cancel.click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text('Cancel "Pre-boards circle"')
    await dialog.get_by_role("button", name="Keep it").click()
    await expect(dialog).to_be_hidden()
    await expect(item).to_contain_text("upcoming")  # nothing was cancelled

    await cancel.click()
    await dialog.get_by_role("button", name="Cancel this session").click()
    await expect(item).to_contain_text("cancelled")
    second = facilitator.locator("li[data-slug='exam-stress'] .manage-sessions li").nth(1)
    await second.get_by_role("button", name="Cancel series").click()
    await expect(dialog).to_contain_text("Cancel every future session")
    await facilitator.keyboard.press("Escape")  # Escape keeps it, like "Keep it"
    await expect(dialog).to_be_hidden()
    await expect(second).to_contain_text("upcoming")
