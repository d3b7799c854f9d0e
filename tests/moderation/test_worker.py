"""The escalation worker: unacknowledged crises are re-alerted, then on-call staff are called; all recorded."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from moderation import worker
from moderation.models import Escalation, NotificationAttempt
from rooms import services

pytestmark = pytest.mark.django_db

PLAN = "I have a plan and I'm going to do it this weekend"


@pytest.fixture
def webhook():
    """A real HTTP endpoint on loopback that records what it receives."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


@pytest.fixture
def escalation(make_user, make_room):
    membership = services.do_join_room(make_user(first_name="Tomas", last_name="Lindqvist"), make_room(slug="grief"))
    services.do_send_message(membership.pk, "c1", PLAN)
    return Escalation.objects.get()


def channels_tried(escalation):
    return list(escalation.notifications.order_by("id").values_list("channel", "ok"))


def test_level_three_is_realerted_after_two_minutes_then_oncall_is_called(escalation, settings, webhook):
    url, received = webhook
    settings.ONCALL_EMAILS = ["oncall@med.example.edu"]
    settings.ESCALATION_WEBHOOK_URL = url
    start = escalation.created_at
    assert escalation.level == 3

    assert worker.tick(start + timedelta(seconds=60)) == 0
    assert channels_tried(escalation) == []

    assert worker.tick(start + timedelta(seconds=121)) == 1
    assert channels_tried(escalation) == [("moderators", True)]
    assert mail.outbox == [] and received == []

    assert worker.tick(start + timedelta(seconds=242)) == 1
    assert channels_tried(escalation) == [
        ("moderators", True),
        ("moderators", True),
        ("email", True),
        ("webhook", True),
    ]
    [email] = mail.outbox
    assert email.to == ["oncall@med.example.edu"] and "level 3" in email.subject
    assert PLAN not in email.body and "Tomas" not in email.body, "no message text or identity leaves by e-mail"
    assert received[0]["level"] == 3 and received[0]["room"] == "grief" and "Tomas" not in json.dumps(received)

    # On-call is called once; moderators keep being reminded until someone acknowledges.
    worker.tick(start + timedelta(seconds=363))
    assert [c for c, _ in channels_tried(escalation)].count("email") == 1
    Escalation.objects.filter(pk=escalation.pk).update(status="acknowledged")
    before = NotificationAttempt.objects.count()
    assert worker.tick(start + timedelta(hours=5)) == 0
    assert NotificationAttempt.objects.count() == before


def test_level_two_waits_fifteen_minutes(make_user, make_room):
    membership = services.do_join_room(make_user(), make_room())
    services.do_send_message(membership.pk, "c1", "I want to die")
    escalation = Escalation.objects.get()
    assert escalation.level == 2
    assert worker.tick(escalation.created_at + timedelta(minutes=14)) == 0
    assert worker.tick(escalation.created_at + timedelta(minutes=15, seconds=1)) == 1


def test_oncall_is_still_called_while_redis_is_down(escalation, settings):
    settings.ONCALL_EMAILS = ["oncall@med.example.edu"]
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    start = escalation.created_at
    worker.tick(start + timedelta(seconds=121))
    worker.tick(start + timedelta(seconds=242))
    assert channels_tried(escalation) == [("moderators", False), ("moderators", False), ("email", True)]
    assert (
        "Connection" in escalation.notifications.first().detail or "Error" in escalation.notifications.first().detail
    )
    assert len(mail.outbox) == 1


def test_a_failing_webhook_is_recorded_not_fatal(escalation, settings):
    settings.ESCALATION_WEBHOOK_URL = "http://127.0.0.1:1/hook"
    start = escalation.created_at
    worker.tick(start + timedelta(seconds=121))
    worker.tick(start + timedelta(seconds=242))
    assert ("webhook", False) in channels_tried(escalation)


@pytest.mark.django_db(transaction=True)  # the command closes its connection between passes, as in production
def test_worker_command_runs_once(escalation, settings):
    from django.core.management import call_command

    Escalation.objects.filter(pk=escalation.pk).update(next_action_at=timezone.now() - timedelta(seconds=1))
    call_command("run_moderation_worker", "--once", stdout=None)
    assert channels_tried(escalation) == [("moderators", True)]


def test_a_failing_step_never_stops_the_crisis_realerts(escalation, monkeypatch):
    def broken(now):
        raise RuntimeError("one bad check-in")

    monkeypatch.setattr(worker.checkin_timers, "tick", broken)
    monkeypatch.setattr(worker, "purge_expired_messages", broken)
    assert worker.tick(escalation.created_at + timedelta(minutes=3)) == 1
    escalation.refresh_from_db()
    assert escalation.notify_stage == worker.STAGE_REALERTED


def test_a_level_raised_while_the_worker_notifies_keeps_its_shorter_timer(escalation, monkeypatch):
    Escalation.objects.filter(pk=escalation.pk).update(level=1)

    def raised_meanwhile(claimed, now):  # the second look raises the level while the worker notifies
        Escalation.objects.filter(pk=claimed.pk).update(level=3)

    monkeypatch.setattr(worker, "remind_moderators", raised_meanwhile)
    now = escalation.created_at + timedelta(hours=2)
    assert worker.tick(now) == 1
    escalation.refresh_from_db()
    assert escalation.next_action_at == now + worker.escalation_timer(3)
