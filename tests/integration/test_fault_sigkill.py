"""Fault: the server process is killed (SIGKILL: no clean-up at all) while clients are sending, then restarted.
Clients reconnect and resend what was not acknowledged, by client_id; the room ends with every message exactly
once and no gap in seq."""

import asyncio
import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.integration.harness import make_sessions, open_room

pytestmark = [pytest.mark.integration, pytest.mark.faults]

CLIENTS = 12
PER_CLIENT = 15
WINDOW = 3  # messages a client has in flight at once
ROOM = "exam-stress"


async def resending_client(server, session_key: str, index: int, acked: dict[str, int], progress: asyncio.Event):
    """Send PER_CLIENT messages, WINDOW at a time; after any disconnect, reconnect and resend every unacked one."""
    pending = [f"{index}-{n}" for n in range(PER_CLIENT)]
    while pending:
        try:
            socket_, _ = await open_room(server, session_key, ROOM)
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
            await asyncio.sleep(0.2)  # the server is down: back off and retry, as the browser app does
            continue
        try:
            while pending:
                window = pending[:WINDOW]
                for client_id in window:
                    await socket_.send(json.dumps({"type": "message.send", "client_id": client_id, "body": client_id}))
                while any(client_id in pending for client_id in window):
                    frame = json.loads(await socket_.recv())
                    if frame["type"] == "message.ack":
                        assert frame["status"] == "delivered", frame
                        acked[frame["client_id"]] = frame["seq"]
                        pending.remove(frame["client_id"])
                        progress.set()
                    elif frame["type"] == "error":
                        raise AssertionError(f"unexpected error frame: {frame}")
        except ConnectionClosed:
            continue
    await socket_.close()


async def test_clients_resend_after_a_sigkill_and_the_history_is_gapless(production_env, start_server):
    env = dict(production_env, CHAT_RATE_LIMIT_MESSAGES="1000")  # this test is about the kill, not rate limits
    server = start_server(env)
    sessions = make_sessions(env, "kill", CLIENTS)
    acked: dict[str, int] = {}
    progress = asyncio.Event()
    clients = asyncio.gather(
        *(resending_client(server, key, index, acked, progress) for index, key in enumerate(sessions))
    )

    async with asyncio.timeout(60):
        while len(acked) < CLIENTS * PER_CLIENT // 3:
            progress.clear()
            await progress.wait()
    server.process.kill()  # mid-load: a third acknowledged, messages in flight on every socket
    server.process.wait()
    killed_at = len(acked)
    server.start()
    async with asyncio.timeout(90):
        await clients

    total = CLIENTS * PER_CLIENT
    assert killed_at < total, "the kill happened while clients were still sending"
    assert len(acked) == total and sorted(acked.values()) == list(range(1, total + 1)), "one seq each, no gap"

    stored: list[tuple[int, str]] = []
    after = 0
    async with httpx.AsyncClient(base_url=server.http, cookies={"sessionid": sessions[0]}) as http:
        while True:
            page = (await http.get(f"/api/rooms/{ROOM}/messages/?after_seq={after}&limit=100")).json()
            stored += [(m["seq"], m["body"]) for m in page["messages"]]
            if not page["has_more"]:
                break
            after = stored[-1][0]
    assert stored == sorted((seq, client_id) for client_id, seq in acked.items()), "stored exactly once, as acked"
