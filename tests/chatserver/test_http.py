"""HTTP endpoints: health, the JSON API, sign-up."""

import re

import pytest
from django.test import Client

from chatserver.models import User
from rooms import services
from rooms.models import Membership

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["channel_layer"] == "ok"


def test_room_list_has_rooms_with_online_counts(client, make_room):
    make_room(slug="b-room", title="B")
    make_room(slug="a-room", title="A")
    make_room(slug="hidden", title="C", is_active=False)
    rooms = client.get("/api/rooms/").json()["rooms"]
    assert [r["slug"] for r in rooms] == ["a-room", "b-room"]
    assert all(r["online"] == 0 for r in rooms)


def test_room_messages_needs_login(client, make_room):
    make_room(slug="r")
    response = client.get("/api/rooms/r/messages/")
    assert response.status_code == 401 and response.json()["type"] == "error"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/rooms/r/messages/"),
        ("get", "/api/rooms/r/sessions/"),
        ("post", "/api/rooms/r/sessions/"),
        ("post", "/api/sessions/1/rsvp/"),
        ("delete", "/api/sessions/1/rsvp/"),
        ("post", "/api/sessions/1/cancel/"),
        ("get", "/api/sessions/1/summary/"),
        ("post", "/api/rooms/r/tools/"),
        ("post", "/api/moderation/actions/"),
        ("get", "/api/moderation/queue/"),
        ("get", "/api/moderation/audit/"),
    ],
)
def test_every_endpoint_that_needs_a_login_answers_401_not_logged_in(client, make_room, method, url):
    """Not logged in is its own code: a 403 ``forbidden`` means logged in but not allowed (docs/protocol.md)."""
    make_room(slug="r")
    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    response = getattr(client, method)(url, **body)
    assert response.status_code == 401
    assert response.json() == {"type": "error", "code": "not_logged_in", "detail": "log in first"}


def test_room_messages_pages_like_the_websocket(make_user, make_room):
    room = make_room(slug="r")
    author = services.do_join_room(make_user(), room)
    for number in range(1, 8):
        services.do_send_message(author.pk, f"c{number}", f"m{number}")
    client = Client()
    client.force_login(make_user())
    latest = client.get("/api/rooms/r/messages/?limit=3").json()
    assert [m["seq"] for m in latest["messages"]] == [5, 6, 7] and latest["has_more"] is True
    assert latest["last_seq"] == 7
    after = client.get("/api/rooms/r/messages/?after_seq=5").json()
    assert [m["body"] for m in after["messages"]] == ["m6", "m7"] and after["has_more"] is False
    before = client.get("/api/rooms/r/messages/?before_seq=3").json()
    assert [m["seq"] for m in before["messages"]] == [1, 2]
    message = after["messages"][0]
    assert set(message) == {"type", "seq", "client_id", "author", "body", "sent_at"}
    assert message["client_id"] is None


@pytest.mark.parametrize(
    "query",
    ["after_seq=-1", "after_seq=x", "before_seq=0", "limit=101", "limit=0", "after_seq=1&before_seq=5", "limit=1e3"],
)
def test_room_messages_bad_parameters_are_400(make_user, make_room, query):
    make_room(slug="r")
    client = Client()
    client.force_login(make_user())
    response = client.get(f"/api/rooms/r/messages/?{query}")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_room_messages_unknown_room_is_404_and_banned_is_403(make_user, make_room):
    room = make_room(slug="r")
    user = make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/api/rooms/nope/messages/").status_code == 404
    services.do_join_room(user, room)
    Membership.objects.filter(user=user).update(is_banned=True)
    assert client.get("/api/rooms/r/messages/").status_code == 403


def test_signup_creates_a_student_and_cannot_choose_a_role(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newstudent",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "role": "moderator",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newstudent").role == "student"
    assert client.get("/").status_code == 200


def test_pages_need_login(client, make_room):
    make_room(slug="r")
    assert client.get("/").status_code == 302
    assert client.get("/rooms/r/").status_code == 302


def test_room_page_renders_for_a_member(client, make_user, make_room):
    make_room(slug="r", title="Grief & difficult cases", guidelines="Go gently.")
    client.force_login(make_user())
    page = client.get("/rooms/r/").content.decode()
    assert "Grief &amp; difficult cases" in page and "Go gently." in page and "Get help now" in page
    # No test of the markup for inline scripts (`<script type=module>` would pass one): the Content-Security-Policy
    # header below is what stops them running, on every page.


def test_audit_log_is_read_only_in_the_admin(make_user):
    admin_user = make_user(role="moderator", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/moderation/auditentry/").status_code == 200
    assert client.get("/admin/moderation/auditentry/add/").status_code == 403


def csp_directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: sources}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name] = sources
    return directives


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/", "/rooms/r/", "/privacy/", "/moderation/", "/facilitate/"]
)
def test_pages_carry_a_strict_content_security_policy(client, make_user, make_room, url):
    """Only scripts and styles from our own origin run: an inline script, whatever its attributes, does not."""
    make_room(slug="r")
    if not url.startswith("/accounts/"):
        client.force_login(make_user(role="moderator"))  # moderators may open every page
    response = client.get(url)
    assert response.status_code == 200
    policy = csp_directives(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_safety_notice_is_shown_until_accepted(client, make_user, make_room):
    make_room(slug="r")
    user = make_user()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "When your identity can be lifted" in page and "988" in page
    assert client.post("/welcome/accept/").status_code == 302
    assert "When your identity can be lifted" not in client.get("/").content.decode()
    user.refresh_from_db()
    assert user.safety_notice_accepted_at is not None


def test_guidelines_open_on_first_visit_only(client, make_user, make_room):
    from rooms import services

    room = make_room(slug="r", guidelines="Be gentle.")
    user = make_user()
    client.force_login(user)
    guidelines_tag = re.compile(r'<details [^>]*id="guidelines"[^>]*>')
    assert guidelines_tag.search(client.get("/rooms/r/").content.decode()).group().endswith(" open>")
    services.do_join_room(user, room)
    assert not guidelines_tag.search(client.get("/rooms/r/").content.decode()).group().endswith(" open>")


def test_directory_shows_each_rooms_next_session(client, make_user, make_room):
    from datetime import timedelta

    from django.utils import timezone

    from rooms.models import SessionOccurrence, SessionSeries

    room = make_room(slug="r", title="Exam stress")
    start = timezone.now() + timedelta(days=2)
    series = SessionSeries.objects.create(
        room=room,
        title="Pre-boards circle",
        time_zone="UTC",
        first_date=start.date(),
        local_time=start.time(),
        duration_minutes=60,
        capacity=10,
        facilitator=make_user(role="facilitator"),
    )
    SessionOccurrence.objects.create(series=series, starts_at=start, ends_at=start + timedelta(hours=1))
    client.force_login(make_user())
    page = client.get("/").content.decode()
    assert "Next session: <strong>Pre-boards circle</strong>" in page and "10 seats left" in page
