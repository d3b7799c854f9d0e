"""Browser tests: Playwright for Python driving Debian's Chromium against a real server process."""

import os
import shutil

import pytest

from tests import services as test_services
from tests.integration.conftest import sqlite_env, start_server  # noqa: F401  (fixtures)
from tests.integration.harness import manage

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The flags a headless Chromium needs on our machines (no sandbox as root; no calls home on a closed network).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser tests passphrase"


def require_chromium() -> None:
    """Skip (locally) or fail (CI=true) when Debian's Chromium is not installed."""
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium when run as root)"
    if test_services.IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def browser():
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def chat_server(sqlite_env, start_server):  # noqa: F811
    """A real server with two students and a mentor who can log in through the form."""
    for username, role, first, last in [
        ("amara", "student", "Amara", "Nwosu"),
        ("ben", "student", "Ben", "Ortiz"),
        ("dr_chen", "mentor", "Wei", "Chen"),
        ("mod_lee", "moderator", "Jun", "Lee"),
        ("fac_ray", "facilitator", "Ray", "Osei"),
    ]:
        manage(
            sqlite_env,
            "createuser",
            username,
            "--role",
            role,
            "--first-name",
            first,
            "--last-name",
            last,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    return start_server(sqlite_env)


def assign_facilitator(server, slug: str, username: str = "fac_ray") -> None:
    """Make ``username`` a facilitator of the room ``slug`` on a running test server."""
    manage(
        server.env,
        "shell",
        "-c",
        "from rooms.models import Room; from chatserver.models import User; "
        f"Room.objects.get(slug={slug!r}).facilitators.add(User.objects.get(username={username!r}))",
    )


async def logged_in_page(browser, server, username, *, width=1000, height=900, timezone_id=None, **context_options):
    """A page logged in as ``username``; ``context_options`` go to ``browser.new_context`` (color_scheme, ...)."""
    context = await browser.new_context(
        viewport={"width": width, "height": height}, timezone_id=timezone_id, **context_options
    )
    page = await context.new_page()
    await page.goto(f"{server.http}/accounts/login/")
    await page.fill("#id_username", username)
    await page.fill("#id_password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{server.http}/")
    return page
