import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests import services as test_services

# This suite runs twice under `make test`: embedded (SQLite, in-memory layer) and again with
# DATABASE_URL and REDIS_URL pointing at PostgreSQL and Redis. In the second run, a service that is not
# there must not silently turn into a run against SQLite.
if os.environ.get("DATABASE_URL", "").startswith("postgres") and not test_services.reachable(
    os.environ["DATABASE_URL"]
):
    if test_services.IN_CI:
        raise pytest.UsageError(f"CI=true but DATABASE_URL is not reachable: {os.environ['DATABASE_URL']}")
    pytest.skip("PostgreSQL is not running: skipping the PostgreSQL run", allow_module_level=True)
if os.environ.get("REDIS_URL") and not test_services.reachable(os.environ["REDIS_URL"]):
    if test_services.IN_CI:
        raise pytest.UsageError(f"CI=true but REDIS_URL is not reachable: {os.environ['REDIS_URL']}")
    pytest.skip("Redis is not running: skipping the Redis run", allow_module_level=True)


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Presence, in-process rate limits and the channel layer are per-process: start every test clean.

    Each async test runs in its own event loop, and channels-redis keeps asyncio locks per channel on its
    layer instance; a lock one test's consumers contended is bound to that test's loop and fails in the
    next ("bound to a different event loop"). A fresh layer per test, as a fresh process would have.
    """
    from channels.layers import channel_layers

    from rooms.presence import presence
    from rooms.ratelimit import reset_local_state

    channel_layers.backends.clear()
    presence.reset()
    reset_local_state()
    _forget_shared_state()
    yield
    presence.reset()


def _forget_shared_state() -> None:
    """With REDIS_URL, rate-limit windows and presence live in Redis under this run's prefix: forget them too,
    so that one test's sign-ups or messages never count against the next (each test is a fresh deployment)."""
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _default_moderation_rules(request):
    """A fresh deployment has the default rules (a data migration seeds them); transactional tests flush
    every table afterwards, so put them back for each test that uses the database."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    from moderation.models import ModerationRule
    from moderation.rule_store import forget
    from moderation.rules import default_rule_rows

    for row in default_rule_rows():
        ModerationRule.objects.get_or_create(name=row.pop("name"), defaults=row)
    forget()


@pytest.fixture
def make_user(db):
    from chatserver.models import User

    counter = iter(range(1, 10_000))

    def make(role="student", username=None, **fields):
        number = next(counter)
        username = username or f"{role}{number}"
        fields.setdefault("first_name", f"First{number}")
        fields.setdefault("last_name", f"Last{number}")
        fields.setdefault("email", f"{username}@example.edu")
        user = User.objects.create_user(username=username, password="correct horse battery", role=role, **fields)
        return user

    return make


@pytest.fixture
def make_room(db):
    from rooms.models import Room

    counter = iter(range(1, 10_000))

    def make(slug=None, **fields):
        number = next(counter)
        fields.setdefault("title", f"Room {number}")
        return Room.objects.create(slug=slug or f"room-{number}", **fields)

    return make


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(
    path: str,
    user=None,
    *,
    origin: str | None = "http://127.0.0.1",
    host: str = "127.0.0.1",
    cookie: str | None = None,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> tuple[WebsocketCommunicator, bool]:
    """Open a WebSocket at ``path`` as ``user`` (None: a visitor) through the real ASGI stack.

    ``origin`` and ``host``: the handshake's Origin (None: no Origin header) and Host headers; ``headers``:
    more headers (a proxy's, say). ``cookie``: a session cookie to use instead of a fresh login of ``user``
    (to share a browser's session).

    Return the communicator and whether the handshake was accepted. Tests open sockets through the
    ``sockets`` or ``connect`` fixtures, which disconnect every one of them before the test's event loop
    closes: a consumer left running would still be blocked in the channel layer's receive, and cancelling
    that at loop shutdown can hang on Redis.
    """
    from chatserver.asgi import application

    sent = [(b"host", host.encode()), *headers]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    if user is not None and cookie is None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie is not None:
        sent.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = PatientCommunicator(application, path, headers=sent)
    connected, _subprotocol = await communicator.connect(timeout=5)
    return communicator, connected


# A frame a test waits for arrives in milliseconds on a quiet machine; in CI the PostgreSQL + Redis pass
# runs at lower priority beside the embedded one, and Channels' one-second default expired there once
# (a moderator's queue snapshot, stop 15). A timeout also cancels the consumer, so a longer wait costs
# nothing when the frame comes and only slows a test that fails anyway.
FRAME_WAIT_SECONDS = 5


class PatientCommunicator(WebsocketCommunicator):
    """A ``WebsocketCommunicator`` that waits ``FRAME_WAIT_SECONDS`` for an expected frame by default."""

    async def receive_from(self, timeout=FRAME_WAIT_SECONDS):
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout=FRAME_WAIT_SECONDS):
        return await super().receive_json_from(timeout)


def room_path(slug: str, *, after_seq=None, query=None) -> str:
    path = f"/ws/rooms/{slug}/"
    if query is not None:
        return f"{path}?{query}"
    if after_seq is not None:
        return f"{path}?after_seq={after_seq}"
    return path


@pytest.fixture
async def sockets():
    """``await sockets(path, user=None, origin=...)`` opens a socket (communicator, accepted); all are
    disconnected after the test."""
    opened = []

    async def _open(path, user=None, **kwargs):
        communicator, connected = await open_socket(path, user, **kwargs)
        opened.append(communicator)
        return communicator, connected

    yield _open
    for communicator in opened:
        try:
            await communicator.disconnect(timeout=2)
        except (Exception, asyncio.CancelledError):
            pass  # already closed by the server or the test


@pytest.fixture
async def connect(sockets):
    """``await connect(user, slug, after_seq=..., query=..., origin=...)``: a room socket whose handshake
    was accepted, disconnected after the test."""

    async def _connect(user, slug, *, after_seq=None, query=None, origin="http://127.0.0.1"):
        communicator, connected = await sockets(room_path(slug, after_seq=after_seq, query=query), user, origin=origin)
        assert connected, "the server refused the handshake"
        return communicator

    return _connect


async def receive_until(communicator, frame_type: str, timeout: float = 3.0) -> dict:
    """Return the next frame of ``frame_type``, skipping others (presence pushes, for example)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame


async def frames_within(communicator, seconds: float = 0.5) -> list[dict]:
    """Return every frame that arrives within ``seconds`` (without cancelling the app as a timeout would)."""
    frames = []
    while not await communicator.receive_nothing(timeout=seconds):
        frames.append(await communicator.receive_json_from())
    return frames


async def receive_presence(communicator, online: int, timeout: float = 3.0) -> dict:
    """Wait for a presence push saying ``online`` (pushes coalesce, so intermediate counts may be skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await receive_until(communicator, "presence", timeout=timeout)
            if frame["online"] == online:
                return frame


@pytest.fixture(scope="session", autouse=True)
def _clean_redis_keys():
    """With REDIS_URL, our keys (presence, rate limits) carry a per-run prefix: delete them afterwards."""
    yield
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def pytest_collection_modifyitems(config, items):
    """Split the work of ``make test``'s two passes, which run at once (TEST_PASS; unset: run everything).

    The second pass (``make test-production``, TEST_PASS=services) runs only what can reach PostgreSQL or Redis.
    A test without the django_db mark or the db fixtures cannot touch the database (pytest-django refuses); one
    that reaches Redis without them is marked ``services``. Running the pure tests again (the detector's
    evaluations, the parsers) would only repeat the first pass and cost minutes of the CI budget.

    A few pure tests that take CPU for long are marked ``second_pass``: the embedded pass (TEST_PASS=embedded)
    leaves them to the second, which is shorter and mostly waits on sockets, so both end sooner. It leaves the
    ``production_only`` tests to it too.
    """
    test_pass = os.environ.get("TEST_PASS")
    if test_pass == "embedded":
        # production_only tests would only skip here (they need PostgreSQL's row locks or Redis's pub/sub): the
        # second pass runs them, so no skip fires in a CI run.
        def moved(item) -> bool:
            return bool(item.get_closest_marker("second_pass") or item.get_closest_marker("production_only"))

        leaving = [item for item in items if moved(item)]
        if leaving:
            config.hook.pytest_deselected(items=leaving)
            items[:] = [item for item in items if not moved(item)]
        return
    if test_pass != "services":
        return

    def reaches_services(item) -> bool:
        fixtures = getattr(item, "fixturenames", ())
        marked = any(item.get_closest_marker(name) for name in ("django_db", "services", "second_pass"))
        return bool(marked) or "db" in fixtures or "transactional_db" in fixtures

    kept = [item for item in items if reaches_services(item)]
    dropped = [item for item in items if not reaches_services(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
