"""Which pages may open our WebSockets: the Origin must match scheme, host and port (docs/protocol.md)."""

import pytest
from asgiref.sync import sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)

PROXY_SAYS_HTTPS = ((b"x-forwarded-proto", b"https"),)


@pytest.fixture
async def room_path(make_room):
    await sync_to_async(make_room)(slug="burnout")
    return "/ws/rooms/burnout/"


@pytest.fixture
async def student(make_user):
    return await sync_to_async(make_user)()


async def test_a_page_of_this_site_may_open_a_socket(room_path, student, sockets):
    _socket, connected = await sockets(room_path, student, origin="http://127.0.0.1")
    assert connected
    _socket, connected = await sockets(room_path, student, origin="http://127.0.0.1:8000", host="127.0.0.1:8000")
    assert connected, "the port is part of the origin: the same port on both sides is fine"


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1"),  # another port on the same host
        ("http://127.0.0.1", "127.0.0.1:8000"),
        ("https://127.0.0.1", "127.0.0.1"),  # another scheme
        ("http://localhost", "127.0.0.1"),  # another allowed host is another site
        ("http://127.0.0.1.evil.example", "127.0.0.1"),
        ("null", "127.0.0.1"),  # sandboxed frames and file:// pages
        ("http://127.0.0.1/rooms/", "127.0.0.1"),  # not an origin
        (None, "127.0.0.1"),  # no Origin header at all
        ("http://evil.example", "evil.example"),  # a Host we do not serve
    ],
)
async def test_a_page_of_another_origin_may_not(room_path, student, sockets, origin, host):
    _socket, connected = await sockets(room_path, student, origin=origin, host=host)
    assert not connected


async def test_behind_a_tls_proxy_only_the_https_origin_is_accepted(room_path, student, sockets, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _socket, connected = await sockets(room_path, student, origin="https://127.0.0.1", headers=PROXY_SAYS_HTTPS)
    assert connected
    _socket, connected = await sockets(room_path, student, origin="http://127.0.0.1", headers=PROXY_SAYS_HTTPS)
    assert not connected, "a plain-HTTP page may not talk to the HTTPS site"


async def test_with_ssl_redirect_on_a_plain_http_origin_is_refused(room_path, student, sockets, settings):
    settings.SECURE_SSL_REDIRECT = True
    _socket, connected = await sockets(room_path, student, origin="http://127.0.0.1")
    assert not connected, "the site is served over HTTPS only, so no page of it is plain HTTP"


async def test_csrf_trusted_origins_are_accepted_exactly(room_path, student, sockets, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.edu", "https://*.medpeer.example"]
    for origin in ("https://chat.example.edu", "https://eu.medpeer.example"):
        _socket, connected = await sockets(room_path, student, origin=origin)
        assert connected, origin
    for origin in ("https://chat.example.edu:8443", "http://chat.example.edu", "http://eu.medpeer.example"):
        _socket, connected = await sockets(room_path, student, origin=origin)
        assert not connected, origin
