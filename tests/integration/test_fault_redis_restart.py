"""Fault: Redis restarts (and comes back empty) under a running server. A redis-server of the test's own, never
the shared one."""

import asyncio
import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.harness import base_env, make_sessions, next_frame, open_room

pytestmark = [pytest.mark.integration, pytest.mark.faults]


def wait_for_health(server, status: int, timeout: float = 20) -> dict:
    """Poll /healthz until it answers ``status``; return its body."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{server.http}/healthz", timeout=10)
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, response.text
            return response.json()
        time.sleep(0.2)


async def test_the_first_connect_after_a_redis_restart_succeeds_and_nothing_acknowledged_is_lost(
    postgres_url, own_redis, start_server
):
    env = base_env(DATABASE_URL=postgres_url, REDIS_URL=own_redis.url, REDIS_KEY_PREFIX="restart")
    server = start_server(env)
    alice, bob = make_sessions(env, "restart", 2)

    before, _ = await open_room(server, alice, "burnout")
    await before.send(json.dumps({"type": "message.send", "client_id": "b-1", "body": "before the restart"}))
    acked = [(await next_frame(before, "message.ack"))["seq"]]

    own_redis.stop()
    assert wait_for_health(server, 503)["channel_layer"] == "down"
    # The socket that was open loses its channel: it is closed (the client reconnects), never left silent.
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(15):
            while True:
                await before.recv()

    own_redis.start()  # on the same port, empty: every group membership and presence entry is gone
    assert wait_for_health(server, 200)["channel_layer"] == "ok"

    # The very first connect succeeds (it used to close with 1011 on a stale pooled connection) and replays
    # everything acknowledged before the restart.
    async with asyncio.timeout(15):
        listener, joined = await open_room(server, bob, "burnout", after_seq=0)
    assert [m["seq"] for m in joined["history"]] == acked
    assert joined["history"][0]["body"] == "before the restart"

    # And live delivery works again, between sockets opened after the restart.
    async with asyncio.timeout(15):
        again, _ = await open_room(server, alice, "burnout", after_seq=acked[-1])
    await again.send(json.dumps({"type": "message.send", "client_id": "a-1", "body": "after the restart"}))
    ack = await next_frame(again, "message.ack")
    assert ack["status"] == "delivered" and ack["seq"] == acked[-1] + 1
    assert (await next_frame(listener, "message"))["body"] == "after the restart"
    await listener.close()
    await again.close()
