"""Moderator actions over HTTP: the same actions as the socket, authorised, CSRF-protected and audited."""

import json

import pytest
from django.test import Client

from moderation.models import AuditEntry
from rooms import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(make_user, make_room):
    room = make_room(slug="burnout")
    member = services.do_join_room(make_user(), room)
    ack = services.do_send_message(member.pk, "c1", "a message to hide")
    moderator = Client(enforce_csrf_checks=True)
    moderator.force_login(make_user(role="moderator", username="mod"))
    moderator.get("/")  # sets the csrftoken cookie
    return {"member": member, "seq": ack.seq, "moderator": moderator}


def post(client, frame):
    token = client.cookies["csrftoken"].value
    return client.post(
        "/api/moderation/actions/", json.dumps(frame), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )


def test_hide_over_http_is_done_and_audited(scene):
    response = post(
        scene["moderator"], {"type": "message.hide", "room": "burnout", "seq": scene["seq"], "reason": "x"}
    )
    assert response.status_code == 200 and response.json()["action"] == "message.hide"
    log = scene["moderator"].get("/api/moderation/audit/?action=message.hide").json()["entries"]
    assert [(e["action"], e["room"], e["seq"], e["actor"]) for e in log] == [
        ("message.hide", "burnout", scene["seq"], "mod")
    ]


def test_errors_over_http_have_codes_and_statuses(scene):
    assert post(scene["moderator"], {"type": "message.hide", "room": "burnout", "seq": 99}).status_code == 404
    assert post(scene["moderator"], {"type": "nope"}).status_code == 400
    token = scene["moderator"].cookies["csrftoken"].value
    raw = scene["moderator"].post(
        "/api/moderation/actions/", "[1]", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert raw.status_code == 400 and raw.json()["code"] == "bad_request"


def test_csrf_is_enforced(scene):
    response = scene["moderator"].post(
        "/api/moderation/actions/",
        json.dumps({"type": "message.hide", "room": "burnout", "seq": scene["seq"]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert AuditEntry.objects.count() == 0


def test_students_cannot_use_the_moderation_api(scene, make_user):
    student = Client()
    student.force_login(make_user())
    assert student.get("/api/moderation/queue/").status_code == 403
    assert student.get("/api/moderation/audit/").status_code == 403
    assert Client().get("/api/moderation/queue/").status_code == 401
    assert scene["moderator"].get("/api/moderation/queue/").json()["type"] == "queue.snapshot"
