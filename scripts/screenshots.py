"""Capture docs/screenshots/*.png from a real server and Debian's Chromium: `make screenshots`.

Starts a throwaway server (SQLite, in-memory layer) with the demo data, plays a short conversation and a
crisis escalation, and photographs the main pages at phone and desktop widths.
"""

import asyncio
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.async_api import async_playwright  # noqa: E402

from tests.frontend.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.harness import Server, base_env, free_port, manage  # noqa: E402

OUT = REPO / "docs" / "screenshots"
PASSWORD = "peer-support-demo"


async def login(browser, server, username, width, height=780):
    context = await browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = await context.new_page()
    await page.goto(f"{server.http}/accounts/login/")
    await page.fill("#id_username", username)
    await page.fill("#id_password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{server.http}/")
    return page


async def say(page, text):
    await page.fill("#body", text)
    await page.press("#body", "Enter")
    await page.wait_for_timeout(400)


async def capture(server):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        maya = await login(browser, server, "maya", 390)
        await maya.screenshot(path=OUT / "directory-phone.png", full_page=True)
        await maya.click("#safety-notice button")
        jordan = await login(browser, server, "jordan", 1000)
        mentor = await login(browser, server, "dr_reyes", 1000)
        moderator = await login(browser, server, "mod_taylor", 1000)
        for page in (maya, jordan, mentor):
            await page.goto(f"{server.http}/rooms/burnout/")
            await page.wait_for_selector("#conn-state:text('connected')")
            if await page.is_visible("#identity-choice"):
                await page.click("#choose-alias")
        await say(maya, "Third night of call this week. I keep making small mistakes and I'm scared it'll show.")
        # Jordan answers Maya's message as a reply, and hugs it (reactions show counts, never who).
        first = jordan.locator("li.message", has_text="Third night of call").first
        await first.get_by_role("button", name="Reply", exact=True).click()
        await say(jordan, "Same here. Nights on medicine wrecked me. You're not alone in this.")
        await first.get_by_role("button", name="Add a reaction").click()
        await first.get_by_role("button", name="hug: 0 reactions").click()
        await say(mentor, "That fear is so common in third year. Tiredness causes errors; it's not a verdict on you.")
        await say(maya, "Thank you. Honestly some nights I don't want to be here anymore.")
        await maya.wait_for_selector("#support-card")
        await maya.screenshot(path=OUT / "room-student-phone.png")  # the room fills the screen: no full page
        await jordan.screenshot(path=OUT / "room-peer-desktop.png")
        await moderator.goto(f"{server.http}/moderation/")
        await moderator.wait_for_selector("#escalations li")
        await moderator.screenshot(path=OUT / "moderation-dashboard.png", full_page=True)
        # A private check-in from that escalation: the student's banner and page, and the moderator's page.
        await moderator.locator("#escalations li").first.get_by_role("button", name="Open check-in").click()
        await moderator.wait_for_selector("#conn-state:text('connected')")
        await say(moderator, "Hi, I'm from the moderation team. I read your message: how are you doing right now?")
        await maya.wait_for_selector("#checkin-banner a")
        await maya.evaluate("window.scrollTo(0, 0)")
        await maya.screenshot(path=OUT / "checkin-banner-phone.png")
        await maya.click("#checkin-banner a")
        await maya.wait_for_selector("#conn-state:text('connected')")
        await say(maya, "Thanks for asking. Tired more than anything, and I'm safe tonight.")
        await maya.screenshot(path=OUT / "checkin-student-phone.png", full_page=True)
        await moderator.screenshot(path=OUT / "checkin-staff-desktop.png", full_page=True)
        facilitator = await login(browser, server, "facilitator_kim", 1000)
        await facilitator.goto(f"{server.http}/facilitate/")
        await facilitator.fill("#pin-burnout", "Peer circle tonight at 8pm: come as you are.")
        await facilitator.locator("li[data-slug='burnout'] .pin-form button").click()
        await facilitator.wait_for_selector("#tool-status:text('Saved.')")
        await facilitator.screenshot(path=OUT / "facilitator-home.png", full_page=True)
        await maya.goto(f"{server.http}/privacy/")
        await maya.screenshot(path=OUT / "privacy-phone.png", full_page=True)
        await browser.close()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(DATABASE_URL=f"sqlite:///{tmp}/shots.sqlite3", DEBUG="true")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        server = Server(port=free_port(), env=env, log_path=Path(tmp) / "server.log").start()
        try:
            asyncio.run(capture(server))
        finally:
            server.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(REPO))


if __name__ == "__main__":
    main()
