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


async def test_a_message_never_acknowledged_survives_a_reload_and_is_sent_once(browser, chat_server):
    amara = await logged_in_page(browser, chat_server, "amara")
    ben = await logged_in_page(browser, chat_server, "ben")
    # A bad connection: the first copy of the message gets to the server but its ack never comes back;
    # a second one does not get there at all. Neither was acknowledged, so both must survive a reload.
    lossy = {"on": True, "sends": 0}

    async def flaky_network(ws):
        server = ws.connect_to_server()

        def upstream(frame):
            if lossy["on"] and '"message.send"' in frame:
                lossy["sends"] += 1
                if lossy["sends"] > 1:
                    return  # lost on the way out
            server.send(frame)

        def downstream(frame):
            if lossy["on"] and '"message.ack"' in frame:
                return  # lost on the way back
            ws.send(frame)

        ws.on_message(upstream)
        server.on_message(downstream)

    await amara.route_web_socket("**/ws/rooms/**", flaky_network)
    await open_room(amara, chat_server, "exam-stress")
    await open_room(ben, chat_server, "exam-stress")
    await send(amara, "reached the server, ack lost")
    await send(amara, "never reached the server")
    await expect(ben.locator("#messages li.message .body")).to_have_text(["reached the server, ack lost"])
    await expect(amara.locator("#messages li.pending")).to_have_count(2)

    lossy["on"] = False
    await amara.reload()
    await expect(amara.locator("#conn-state")).to_have_text("connected")
    expected = ["reached the server, ack lost", "never reached the server"]
    for page in (amara, ben):
        await expect(page.locator("#messages li.message:not(.pending) .body")).to_have_text(expected)
    await expect(amara.locator("#messages li.pending")).to_have_count(0)
    # Nothing is left to resend: another reload shows the same two messages and sends nothing again.
    await amara.reload()
    await expect(amara.locator("#conn-state")).to_have_text("connected")
    await expect(amara.locator("#messages li.message .body")).to_have_text(expected)
    await expect(ben.locator("#messages li.message .body")).to_have_text(expected)
