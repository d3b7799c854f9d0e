"""A server restart mid-conversation: every message shows exactly once, in order, on both screens."""

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser


async def bodies(page):
    return await page.locator("#messages li.message:not(.pending) .body").all_inner_texts()


async def test_restart_loses_and_duplicates_nothing_on_screen(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    await open_room(amara, chat_server, "clinical-rotations")
    await open_room(ben, chat_server, "clinical-rotations")
    await send(amara, "before 1")
    await send(ben, "before 2")
    await expect(ben.locator("#messages li.message:not(.pending)")).to_have_count(2)

    chat_server.stop()
    await expect(amara.locator("#conn-state")).to_have_text("reconnecting…")
    # Typed while the server is down: kept as pending and sent after the reconnect.
    await send(amara, "during the outage")
    chat_server.start()
    await expect(amara.locator("#conn-state")).to_have_text("connected", timeout=40_000)
    await expect(ben.locator("#conn-state")).to_have_text("connected", timeout=40_000)

    await send(ben, "after 1")
    await send(amara, "after 2")
    expected = ["before 1", "before 2", "during the outage", "after 1", "after 2"]
    for page in (amara, ben):
        await expect(page.locator("#messages li.message:not(.pending)")).to_have_count(len(expected), timeout=20_000)
        assert await bodies(page) == expected
        assert await page.locator("#messages li.pending").count() == 0
