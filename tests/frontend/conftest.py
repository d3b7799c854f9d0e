"""Browser tests: Playwright for Python driving Debian's Chromium against a real server process."""

import atexit
import inspect
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_asyncio

from tests import services as test_services
from tests.integration.conftest import sqlite_env, sqlite_template, start_server  # noqa: F401  (fixtures)
from tests.integration.harness import base_env, manage

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


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Run the async browser tests on the session's event loop, where the one shared Chromium lives."""
    for item in items:
        if item.path.is_relative_to(HERE) and inspect.iscoroutinefunction(getattr(item, "obj", None)):
            # Before the marker pytest-asyncio's auto mode added: the closest one sets the loop.
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_chromium():
    """One Chromium for the whole run: starting one took about a second per test."""
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(shared_chromium):
    """The shared Chromium; the test's contexts (its own cookies, storage and permissions) close after it, so no
    page of an earlier test is left reconnecting to a later test's server."""
    yield shared_chromium
    for context in list(shared_chromium.contexts):
        await context.close()


# Everyone the browser tests log in as. Made once per test run in a copy of the migrated template database (one
# Django start-up instead of one `createuser` process per user per test, which was most of each test's set-up).
BROWSER_USERS = [
    ("amara", "student", "Amara", "Nwosu"),
    ("ben", "student", "Ben", "Ortiz"),
    ("dr_chen", "mentor", "Wei", "Chen"),
    ("mod_lee", "moderator", "Jun", "Lee"),
    ("mod_kim", "moderator", "Hana", "Kim"),
    ("fac_ray", "facilitator", "Ray", "Osei"),
]
_browser_template: list[Path] = []


def browser_template() -> Path:
    """A directory holding the migrated, seeded SQLite database with BROWSER_USERS, made once per test run."""
    if not _browser_template:
        directory = Path(tempfile.mkdtemp(prefix="medpeer-browser-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        for path in sqlite_template().iterdir():
            shutil.copy(path, directory / path.name)
        # The createuser command, as an operator runs it, in one process; the password is set as --password-stdin
        # would set it.
        lines = ["from django.core.management import call_command", "from chatserver.models import User"]
        for username, role, first, last in BROWSER_USERS:
            lines.append(
                f"call_command('createuser', {username!r}, role={role!r}, first_name={first!r}, last_name={last!r})"
            )
            lines.append(f"u = User.objects.get(username={username!r}); u.set_password({PASSWORD!r}); u.save()")
        script = "\n".join(lines)
        manage(base_env(DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}"), "shell", "-c", script)
        _browser_template.append(directory)
    return _browser_template[0]


@pytest.fixture
def browser_env(tmp_path):
    """The embedded default with BROWSER_USERS able to log in through the form: a SQLite file of this test's own."""
    for path in browser_template().iterdir():
        shutil.copy(path, tmp_path / path.name)
    return base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")


@pytest.fixture
def chat_server(browser_env, start_server):  # noqa: F811
    """A real server with the BROWSER_USERS (students, a mentor, moderators, a facilitator)."""
    return start_server(browser_env)


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
