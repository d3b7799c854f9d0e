"""Fault: Redis restarts (and comes back empty) under a running server. A redis-server of the test's own, never
the shared one."""

import asyncio
import json
import time

import httpx
import pytest
import redis
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


async def test_no_socket_is_left_silent_when_redis_comes_back_empty_at_once(sqlite_env, own_redis, start_server):
    """A crash and an instant restart: every connection dropped and every key gone, with no time in between for
    a socket to notice Redis was away. Every socket of the process must close (only one of them runs the
    process's receive loop and sees the error), or the others would wait for room frames that never come."""
    env = dict(sqlite_env, REDIS_URL=own_redis.url, REDIS_KEY_PREFIX="instant")
    server = start_server(env)
    sessions = make_sessions(env, "instant", 4)
    sockets = [(await open_room(server, key, "burnout"))[0] for key in sessions[:3]]

    admin = redis.Redis.from_url(own_redis.url)
    admin.flushall()
    admin.client_kill_filter(_type="normal", skipme=True)
    admin.close()

    for socket_ in sockets:
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(15):
                while True:
                    await socket_.recv()
        # 1011 for the socket whose receive failed, 4503 for the others of its process (docs/protocol.md).
        assert closed.value.rcvd.code in {1011, 4503}

    # Reconnected, the clients chat again.
    again, _ = await open_room(server, sessions[0], "burnout")
    other, _ = await open_room(server, sessions[3], "burnout")
    await other.send(json.dumps({"type": "message.send", "client_id": "i-1", "body": "back"}))
    assert (await next_frame(again, "message"))["body"] == "back"
    await again.close()
    await other.close()
