"""axe-core on every page, in the light and the dark theme: zero violations; and no page logs a failed request.

axe-core comes bundled in the ``axe-playwright-python`` wheel (pyproject's dev extra): nothing is downloaded
when the tests run. axe is injected into the page, which our Content-Security-Policy forbids (no inline
script), so these browser contexts, and only these, bypass CSP.
"""

from datetime import date, timedelta
from urllib.parse import urljoin

import pytest
from playwright.async_api import expect

from tests.frontend.conftest import PASSWORD, assign_facilitator, logged_in_page
from tests.frontend.test_room_layout import seed_messages
from tests.frontend.test_room_page import open_room, send

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")


def watch_for_failures(page, failures: list[str]) -> None:
    """Record every failed request (a 404 favicon, say) and every console error on ``page``."""
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failures.append(f"console {m.type}: {m.text}") if m.type == "error" else None)


async def missing_icon(page) -> list[str]:
    """Headless Chromium fetches no icon by itself: ask for the page's icon, and /favicon.ico, as a browser tab
    would. Return what failed."""
    links = page.locator("link[rel=icon]")
    icon = await links.first.get_attribute("href") if await links.count() else None
    failed = [] if icon else [f"no icon link on {page.url}"]
    for url in filter(None, [icon, "/favicon.ico"]):
        response = await page.request.get(urljoin(page.url, url))
        if not response.ok:
            failed.append(f"{response.status} {url} (icon of {page.url})")
    return failed


async def axe_violations(page) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


async def test_every_page_passes_axe_in_both_themes_and_requests_nothing_missing(browser, chat_server):
    assign_facilitator(chat_server, "exam-stress")
    seed_messages(chat_server, "exam-stress", "ben", 12, viewers=("amara",))
    day = date.today() + timedelta(days=5)
    report: dict[str, list[str]] = {}
    failures: list[str] = []

    async def scan(name, page):
        failures.extend(await missing_icon(page))
        found = await axe_violations(page)
        if found:
            # Named by the theme the page is drawn in (a context's color_scheme, or emulate_media on the page).
            dark = await page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
            report[f"{'dark' if dark else 'light'} {name}"] = found

    for scheme in SCHEMES:
        options = {"color_scheme": scheme, "bypass_csp": True}

        # Logged out: log-in and sign-up.
        context = await browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        visitor = await context.new_page()
        watch_for_failures(visitor, failures)
        for path in ("/accounts/login/", "/accounts/signup/"):
            await visitor.goto(f"{chat_server.http}{path}")
            await scan(path, visitor)
        await context.close()

        # A student: the directory, a room with a conversation (their own message too), privacy.
        student = await logged_in_page(browser, chat_server, "amara", width=1280, height=800, **options)
        watch_for_failures(student, failures)
        await student.goto(f"{chat_server.http}/")
        await scan("directory", student)
        await open_room(student, chat_server, "exam-stress")
        await send(student, f"my own message ({scheme})")
        await expect(student.locator("#messages li.mine")).to_have_count(1 if scheme == "light" else 2)
        await scan("student room", student)
        await student.set_viewport_size({"width": 360, "height": 740})
        await scan("student room on a phone", student)
        await student.goto(f"{chat_server.http}/privacy/")
        await scan("privacy", student)

        # A facilitator's page, with a session to manage and its confirmation dialog open.
        facilitator = await logged_in_page(browser, chat_server, "fac_ray", width=1280, height=800, **options)
        watch_for_failures(facilitator, failures)
        await facilitator.goto(f"{chat_server.http}/facilitate/")
        if scheme == "light":
            await facilitator.select_option("#s-room", "exam-stress")
            await facilitator.fill("#s-title", "Pre-boards circle")
            await facilitator.fill("#s-start", f"{day}T19:00")
            await facilitator.fill("#s-end", f"{day}T20:00")
            await facilitator.fill("#s-zone", "UTC")
            await facilitator.click("#schedule-form button[type=submit]")
            await expect(facilitator.locator("#schedule-result")).to_have_text("Scheduled 1 session.")
            await facilitator.reload()
        sessions = facilitator.locator("li[data-slug='exam-stress'] .manage-sessions li")
        await expect(sessions).to_have_count(1)
        await scan("facilitate", facilitator)
        await sessions.get_by_role("button", name="Cancel", exact=True).click()
        await expect(facilitator.locator("#confirm-dialog")).to_be_visible()
        await scan("facilitate, confirming a cancellation", facilitator)
        await facilitator.get_by_role("button", name="Keep it").click()

        # A moderator's queue.
        moderator = await logged_in_page(browser, chat_server, "mod_lee", width=1280, height=800, **options)
        watch_for_failures(moderator, failures)
        await moderator.goto(f"{chat_server.http}/moderation/")
        await expect(moderator.locator("#mod-state")).not_to_have_text("connecting…")
        await scan("moderation", moderator)

        # A private check-in the student asks for (the same one again in the dark theme), with a message from each
        # side: its page and the check-ins list, for the student (still on a phone) and for staff. The student's
        # words are worrying enough (a crisis rule, level 1) for their page to show the support card too.
        await student.get_by_role("link", name="Get help now").click()
        await student.get_by_role("button", name="Talk to a moderator privately").click()
        await student.wait_for_url(f"{chat_server.http}/checkins/*/")
        await moderator.goto(student.url)
        for page, words in (
            (moderator, "Hi, Jun from the moderation team here."),
            (student, "thanks. honestly I feel hopeless most days"),
        ):
            await page.wait_for_selector("#conn-state:text('connected')")
            await page.fill("#body", f"{words} ({scheme})")
            await page.press("#body", "Enter")
        for page in (student, moderator):
            await expect(page.locator("#messages li.message:not(.pending)")).to_have_count(
                2 if scheme == "light" else 4
            )
        await expect(student.locator("#support-card")).to_be_visible()
        await scan("student check-in on a phone", student)
        await scan("staff check-in", moderator)
        for page, name, listed in (
            (student, "student", "#own-checkins li"),
            (moderator, "staff", "#staff-checkins li"),
        ):
            await page.goto(f"{chat_server.http}/checkins/")
            await expect(page.locator(listed)).to_have_count(1)
            await scan(f"{name} check-ins list", page)

    # The page shown after an account is deleted: one deletion, the page seen in both themes.
    leaver = await logged_in_page(browser, chat_server, "ben", width=1280, height=800, bypass_csp=True)
    watch_for_failures(leaver, failures)
    await leaver.goto(f"{chat_server.http}/privacy/")
    await leaver.fill("#delete-password", PASSWORD)
    await leaver.fill("#delete-confirm", "delete my account")
    await leaver.click("#delete-account-button")
    await expect(leaver.locator("h1")).to_have_text("Your account was deleted")
    for scheme in SCHEMES:
        await leaver.emulate_media(color_scheme=scheme)
        await scan("account deleted", leaver)

    assert not report, "axe found violations:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in report.items()
    )
    assert not failures, "failed requests or console errors:\n" + "\n".join(failures)
