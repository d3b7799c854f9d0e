"""The crisis flow end to end with real processes: a Daphne server and the escalation worker on PostgreSQL
and Redis. A student's crisis message -> private support frame -> the moderator's live queue -> nobody
acknowledges -> the worker re-alerts and e-mails on-call staff -> a moderator acknowledges and resolves."""

import asyncio
import json
import subprocess
import sys
import time

import pytest

from tests.integration.harness import REPO, make_sessions, next_frame, open_room
from tests.integration.harness import ws_connect as connect_websocket

pytestmark = pytest.mark.integration

CRISIS = "I have a plan and I'm going to do it this weekend"


@pytest.fixture
def flow_env(production_env, tmp_path):
    return dict(
        production_env,
        ESCALATION_ACK_SECONDS_LEVEL3="2",
        WORKER_INTERVAL_SECONDS="0.5",
        ONCALL_EMAILS="oncall@med.example.edu",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )


@pytest.fixture
def escalation_worker(flow_env):
    """The real worker process, stopped (and checked for a clean exit) after the test."""
    worker = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "run_moderation_worker"],
        env=flow_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield worker
    worker.terminate()
    worker.wait(timeout=10)
    assert worker.returncode == 0, worker.stderr.read().decode()[-2000:]


async def test_crisis_flow_with_server_and_worker(flow_env, escalation_worker, start_server, tmp_path):
    env = flow_env
    mail_dir = tmp_path / "mail"
    server = start_server(env)
    [student] = make_sessions(env, "student", 1)
    [moderator] = make_sessions(env, "moderator", 1, role="moderator")
    queue = await connect_websocket(
        f"{server.ws}/ws/moderation/", additional_headers=server.headers(moderator), max_queue=None
    )
    assert json.loads(await queue.recv())["type"] == "queue.snapshot"
    room, joined = await open_room(server, student, "exam-stress")

    sent = time.monotonic()
    await room.send(json.dumps({"type": "message.send", "client_id": "c1", "body": CRISIS}))
    ack = await next_frame(room, "message.ack")
    support = await next_frame(room, "support")
    assert support["level"] == 3 and any("988" in r["contact"] for r in support["resources"])
    new = (await next_frame(queue, "escalation.new", timeout=1))["escalation"]
    assert time.monotonic() - sent < 1.0, "moderators see a crisis within a second"
    assert new["alias"] == joined["you"]["alias"] and new["message"]["seq"] == ack["seq"]

    # Nobody acknowledges: the worker re-alerts, then e-mails on-call staff.
    reminder = (await next_frame(queue, "escalation.reminder", timeout=15))["escalation"]
    assert reminder["id"] == new["id"]
    deadline = time.monotonic() + 15
    # Polling a directory: there is no event to wait on.
    while not (mail_dir.exists() and any(mail_dir.iterdir())) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    [mail_file] = list(mail_dir.iterdir())
    body = mail_file.read_text()
    assert "oncall@med.example.edu" in body and "level 3" in body and CRISIS not in body

    await queue.send(json.dumps({"type": "escalation.ack", "id": new["id"]}))
    assert (await next_frame(queue, "action.done"))["action"] == "escalation.ack"
    await queue.send(json.dumps({"type": "escalation.resolve", "id": new["id"], "note": "reached by phone"}))
    assert (await next_frame(queue, "action.done"))["action"] == "escalation.resolve"
    while True:
        updated = (await next_frame(queue, "escalation.updated"))["escalation"]
        if updated["status"] == "resolved":
            break
    assert updated["resolution_note"] == "reached by phone"
    await room.close()
    await queue.close()
