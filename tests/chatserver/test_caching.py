"""Pages and answers that show a secret or who someone is are never stored by a browser or a proxy cache.

Students use shared hospital and library computers: after they log out, the back button or the disk cache
must not bring back their calendar secret, their reveals or their conversations.
"""

import pytest
from django.test import Client

from rooms import services
from rooms.calendar import calendar_token

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_the_privacy_page_with_the_calendar_secret_is_not_stored(make_user):
    student = make_user()
    client = Client()
    client.force_login(student)
    response = client.get("/privacy/")
    assert calendar_token(student) in response.content.decode()
    assert_not_stored(response)


def test_the_personal_calendar_feed_is_not_stored(make_user):
    assert_not_stored(Client().get(f"/calendar/u/{calendar_token(make_user())}.ics"))


def test_logged_in_pages_and_answers_are_not_stored(make_user, make_room):
    room = make_room(slug="r")
    student = make_user()
    services.do_join_room(student, room)
    client = Client()
    client.force_login(student)
    for url in ("/", "/rooms/r/", "/api/rooms/r/messages/", "/api/rooms/r/sessions/"):
        assert_not_stored(client.get(url))
    moderator = Client()
    moderator.force_login(make_user(role="moderator"))
    for url in ("/api/moderation/queue/", "/api/moderation/audit/", "/moderation/"):
        assert_not_stored(moderator.get(url))


def test_public_answers_stay_cacheable(make_room):
    make_room(slug="r")
    for url in ("/api/rooms/", "/calendar/rooms/r.ics"):
        response = Client().get(url)
        assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""), url
