"""The Privacy page's data rights in the browser: download my data, then delete my account."""

import json

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import PASSWORD, logged_in_page
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser


async def test_a_student_downloads_her_data_then_deletes_her_account(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    for page in (amara, ben):
        await open_room(page, chat_server, "exam-stress")
    await send(amara, "Anatomy finals are eating me alive")
    await expect(ben.locator("#messages")).to_contain_text("Anatomy finals are eating me alive")

    await amara.goto(f"{chat_server.http}/privacy/")
    async with amara.expect_download() as download_info:
        await amara.click("#download-data")
    download = await download_info.value
    assert download.suggested_filename.startswith("medpeer-my-data-")
    data = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert data["account"]["username"] == "amara"
    assert [m["body"] for m in data["messages"]] == ["Anatomy finals are eating me alive"]

    await amara.fill("#delete-password", "not my password")
    await amara.fill("#delete-confirm", "delete my account")
    await amara.click("#delete-account-button")
    await expect(amara.locator("#delete-error")).to_contain_text("not your password")

    await amara.fill("#delete-password", PASSWORD)
    await amara.fill("#delete-confirm", "delete my account")
    await amara.click("#delete-account-button")
    await expect(amara.locator("h1")).to_have_text("Your account was deleted")

    # Ben's page is told (a reconnect replays the change) once he reloads: the message is gone.
    await ben.reload()
    await ben.wait_for_selector("#conn-state:text('connected')")
    await expect(ben.locator("#messages")).not_to_contain_text("Anatomy finals")
    # Amara can no longer log in.
    await amara.goto(f"{chat_server.http}/accounts/login/")
    await amara.fill("#id_username", "amara")
    await amara.fill("#id_password", PASSWORD)
    await amara.click("button[type=submit]")
    await expect(amara.locator("form")).to_contain_text("enter a correct username and password")
