"""Fault: PostgreSQL goes away under a running server, then comes back. A cluster of the test's own (initdb and
pg_ctl on another port), never the shared one."""

import asyncio
import json

import pytest

from tests.integration.harness import base_env, make_sessions, manage, next_frame, open_room
from tests.integration.test_fault_redis_restart import wait_for_health

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def send(client_id: str, body: str) -> str:
    return json.dumps({"type": "message.send", "client_id": client_id, "body": body})


async def next_answer(socket_, timeout: float = 20) -> dict:
    """The next ack or error frame (what a sender waits for)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket_.recv())
            if frame["type"] in {"message.ack", "error"}:
                return frame


async def test_sends_fail_visibly_during_a_database_outage_and_service_resumes_by_itself(
    own_postgres, redis_url, start_server
):
    url, prefix = redis_url
    env = base_env(DATABASE_URL=own_postgres.url, REDIS_URL=url, REDIS_KEY_PREFIX=prefix)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    server = start_server(env)
    alice, bob = make_sessions(env, "outage", 2)
    sender, _ = await open_room(server, alice, "burnout")
    acked: dict[int, str] = {}

    await sender.send(send("a-1", "before the outage"))
    ack = await next_frame(sender, "message.ack")
    acked[ack["seq"]] = "before the outage"

    own_postgres.stop()  # immediate: every connection dropped, as in a crash or a failover
    assert wait_for_health(server, 503)["database"] == "down"

    # A send during the outage is answered with an error for that client_id, never acknowledged; the socket
    # stays open.
    await sender.send(send("a-2", "during the outage"))
    answer = await next_answer(sender)
    assert answer["type"] == "error" and answer["client_id"] == "a-2", answer
    await sender.send(json.dumps({"type": "ping"}))
    assert (await next_frame(sender, "pong"))["type"] == "pong"

    own_postgres.start()
    assert wait_for_health(server, 200)["database"] == "ok"

    # The client retries with the same client_id; no restart of the server was needed.
    await sender.send(send("a-2", "during the outage"))
    ack = await next_frame(sender, "message.ack")
    assert ack["status"] == "delivered"
    acked[ack["seq"]] = "during the outage"
    await sender.send(send("a-3", "after the outage"))
    ack = await next_frame(sender, "message.ack")
    acked[ack["seq"]] = "after the outage"

    # Everything acknowledged is stored, once, with no gap.
    reader, joined = await open_room(server, bob, "burnout", after_seq=0)
    assert {m["seq"]: m["body"] for m in joined["history"]} == acked
    assert sorted(acked) == [1, 2, 3]
    await reader.close()
    await sender.close()
