"""The escalation worker calls the webhook and the mail server outside any transaction: while one hangs, a
moderator can still acknowledge the very escalation being notified (and, on SQLite, anyone can still write)."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from moderation import queue_actions, worker
from moderation.models import Escalation, EscalationStatus, NotificationAttempt
from rooms import services

# Real transactions: the worker runs in a thread with its own database connection.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hanging_webhook():
    """A webhook endpoint that answers only when the test releases it."""
    called, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            called.set()
            release.wait(30)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", called, release
    release.set()
    server.shutdown()


def run_in_thread(function):
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_hanging_webhook_does_not_block_a_moderator_acknowledging(make_user, make_room, settings, hanging_webhook):
    url, called, release = hanging_webhook
    settings.ESCALATION_WEBHOOK_URL = url
    settings.ONCALL_EMAILS = []
    membership = services.do_join_room(make_user(), make_room(slug="grief"))
    services.do_send_message(membership.pk, "c1", "I have a plan and I'm going to do it this weekend")
    moderator = make_user(role="moderator")
    # Re-alerted once already: this pass calls on-call staff (the webhook).
    now = timezone.now()
    Escalation.objects.update(notify_stage=worker.STAGE_REALERTED, next_action_at=now - timedelta(seconds=1))
    escalation = Escalation.objects.get()

    ticking, outcome = run_in_thread(lambda: worker.tick(now))
    assert called.wait(10), "the worker called the webhook"

    queue_actions.do_acknowledge_escalation(moderator, escalation.pk)
    webhook_attempts = NotificationAttempt.objects.filter(channel=NotificationAttempt.Channel.WEBHOOK)
    assert not webhook_attempts.exists(), "the moderator acknowledged while the webhook call was still open"

    release.set()
    ticking.join(15)
    assert outcome["result"] == 1
    assert list(webhook_attempts.values_list("ok", "detail")) == [(True, "HTTP 204")]
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED, "recording the call kept the acknowledgement"
    assert escalation.notify_stage == worker.STAGE_ONCALL_NOTIFIED


def test_a_worker_that_died_after_claiming_notifies_again_once_the_claim_runs_out(make_user, make_room, settings):
    settings.ONCALL_EMAILS = ["oncall@med.example.edu"]
    membership = services.do_join_room(make_user(), make_room(slug="grief"))
    services.do_send_message(membership.pk, "c1", "I have a plan and I'm going to do it this weekend")
    now = timezone.now()
    Escalation.objects.update(notify_stage=worker.STAGE_REALERTED, next_action_at=now - timedelta(seconds=1))

    assert worker._claim_due(now) is not None  # ... and the worker dies here, before notifying anyone
    assert worker.tick(now) == 0, "claimed: not taken twice meanwhile"
    later = now + timedelta(seconds=worker.CLAIM_SECONDS + 1)
    assert worker.tick(later) == 1
    assert NotificationAttempt.objects.filter(channel=NotificationAttempt.Channel.EMAIL, ok=True).count() == 1
