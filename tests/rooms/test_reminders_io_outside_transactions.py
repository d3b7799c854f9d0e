"""Session reminders talk to the mail server outside any transaction: while it hangs, students can still change
their RSVPs (and, on SQLite, anyone can still write)."""

import socket
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rooms import rsvps
from rooms.models import Rsvp, SessionOccurrence, SessionSeries
from rooms.reminders import send_due_reminders

# Real transactions: the worker runs in a thread with its own database connection.
pytestmark = pytest.mark.django_db(transaction=True)


class HangingSmtpServer:
    """A real SMTP server on loopback that says nothing (hangs) until released, then accepts any message."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected, self.release = threading.Event(), threading.Event()
        self.delivered: list[bytes] = []
        self.thread = threading.Thread(target=self._serve_one, daemon=True)
        self.thread.start()

    def _serve_one(self):
        conn, _ = self.listener.accept()
        self.connected.set()
        self.release.wait(30)
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 hanging.example ESMTP\r\n")
            for line in lines:
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250 hanging.example\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    body = b"".join(iter(lines.readline, b".\r\n"))
                    self.delivered.append(body)
                    conn.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def close(self):
        self.release.set()
        self.listener.close()


@pytest.fixture
def hanging_smtp(settings):
    server = HangingSmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.close()


def test_a_hanging_mail_server_does_not_block_a_student_cancelling(make_room, make_user, hanging_smtp):
    room = make_room(slug="circle")
    start = timezone.now() + timedelta(minutes=20)
    series = SessionSeries.objects.create(
        room=room,
        title="Circle",
        time_zone="UTC",
        first_date=start.date(),
        local_time=start.time(),
        duration_minutes=60,
        capacity=5,
        facilitator=make_user(role="facilitator"),
    )
    occurrence = SessionOccurrence.objects.create(series=series, starts_at=start, ends_at=start + timedelta(hours=1))
    student = make_user(email="going@example.edu")
    rsvps.do_rsvp(student, occurrence.pk)
    outcome = {}

    def run_worker():
        try:
            outcome["sent"] = send_due_reminders(timezone.now())
        finally:
            connection.close()

    worker = threading.Thread(target=run_worker)
    worker.start()
    assert hanging_smtp.connected.wait(10), "the worker is talking to the mail server"

    rsvps.do_cancel_rsvp(student, occurrence.pk)  # waited for the mail server's timeout while it was in a transaction
    assert not Rsvp.objects.filter(user=student).exists()

    hanging_smtp.release.set()
    worker.join(15)
    assert outcome.get("sent") == 1, "the reminder went out once the mail server answered"
    [delivered] = hanging_smtp.delivered
    assert b"Reminder: Circle" in delivered
