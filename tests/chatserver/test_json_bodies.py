"""JSON request bodies on every HTTP endpoint that takes one: anything but one small, shallow JSON object is a
400 with an error code, never a 500."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rooms.models import SessionOccurrence, SessionSeries

pytestmark = pytest.mark.django_db

DEEP = 20_000  # far past Python's recursion limit, still well under the 64 KiB body limit


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def endpoints(make_user, make_room):
    """(client, url) for each endpoint with a JSON body, logged in as someone allowed to use it."""
    room = make_room(slug="exam-stress")
    facilitator = make_user(role="facilitator")
    room.facilitators.add(facilitator)
    start = timezone.now() + timedelta(days=3)
    series = SessionSeries.objects.create(
        room=room,
        title="Circle",
        time_zone="UTC",
        first_date=start.date(),
        local_time=start.time(),
        duration_minutes=60,
        capacity=5,
        facilitator=facilitator,
    )
    occurrence = SessionOccurrence.objects.create(series=series, starts_at=start, ends_at=start + timedelta(hours=1))
    # Errors are answered, not raised: the status code is what a client sees.
    staff = Client(raise_request_exception=False)
    staff.force_login(facilitator)
    moderator = Client(raise_request_exception=False)
    moderator.force_login(make_user(role="moderator"))
    return {
        "actions": (moderator, "/api/moderation/actions/"),
        "tools": (staff, "/api/rooms/exam-stress/tools/"),
        "schedule": (staff, "/api/rooms/exam-stress/sessions/"),
        "edit": (staff, f"/api/sessions/{occurrence.pk}/edit/"),
        "move": (staff, f"/api/sessions/{occurrence.pk}/move/"),
    }


BAD_BODIES = {
    "too deep to parse": ('{"type": "room.pin", "title": ' + nested(DEEP) + "}", "bad_request"),
    "nested too deeply": ('{"type": "room.pin", "title": ' + nested(40) + "}", "bad_request"),
    "too large": (json.dumps({"type": "room.pin", "description": "x" * 70_000}), "too_long"),
    "larger than Django's upload limit": (
        json.dumps({"type": "room.pin", "description": "x" * 3_000_000}),
        "too_long",
    ),
    "a list": ("[]", "bad_request"),
    "a string": ('"room.pin"', "bad_request"),
    "null": ("null", "bad_request"),
    "not JSON": ("{", "bad_request"),
    "not UTF-8": (b'{"type": "\xff"}', "bad_request"),
}


@pytest.mark.parametrize("endpoint", ["actions", "tools", "schedule", "edit", "move"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_a_bad_json_body_is_a_400_with_a_code(endpoints, endpoint, case):
    client, url = endpoints[endpoint]
    body, code = BAD_BODIES[case]
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "error" and response.json()["code"] == code and response.json()["detail"]
    if case == "nested too deeply":
        assert "deep" in response.json()["detail"]
    assert SessionSeries.objects.get().title == "Circle", "nothing was changed"
