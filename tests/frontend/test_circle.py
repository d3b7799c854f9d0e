"""Sharing-circle mode with a facilitator and two members, in real Chromium windows."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import assign_facilitator, logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser


async def test_two_members_take_turns_in_a_sharing_circle(browser, chat_server):
    assign_facilitator(chat_server, "isolation")
    facilitator = await logged_in_page(browser, chat_server, "fac_ray")
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    for page in (facilitator, amara, ben):
        await open_room(page, chat_server, "isolation")
    for page in (amara, ben):
        if await page.is_visible("#identity-choice"):
            await page.click("#choose-alias")
    amara_alias = (await amara.inner_text("#my-name")).replace(" (anonymous alias)", "")

    await facilitator.click("#circle-start")
    await expect(amara.locator("#circle")).to_be_visible()
    await amara.click("#hand-raise")
    await facilitator.get_by_role("button", name=f"Give the turn to {amara_alias}").click()

    await expect(ben.locator("#body")).to_be_disabled()
    assert f"{amara_alias} has the turn" in await ben.get_attribute("#body", "placeholder")
    await send(amara, "I moved here for med school and I don't know anyone yet.")
    await expect(ben.locator("#messages li .body").last).to_have_text(
        "I moved here for med school and I don't know anyone yet."
    )
    await amara.click("#turn-pass")
    await expect(ben.locator("#body")).to_be_enabled()
    await facilitator.get_by_role("button", name="End the circle").click()
    await expect(ben.locator("#circle")).to_be_hidden()
