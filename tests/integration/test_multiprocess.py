"""Several real server processes on one PostgreSQL and one Redis."""

import asyncio
import json

import httpx
import pytest

from tests.integration.harness import (
    close_all,
    login_over_http,
    make_sessions,
    manage,
    next_frame,
    open_room,
    wait_presence,
)

pytestmark = pytest.mark.integration


async def test_message_sent_through_one_process_reaches_a_client_of_another(production_env, start_server):
    first = start_server(production_env)
    second = start_server(production_env)
    manage(
        production_env,
        "createuser",
        "rivera",
        "--role",
        "student",
        "--password-stdin",
        "--first-name",
        "Luz",
        "--last-name",
        "Rivera",
        stdin="a long night shift passphrase\n",
    )
    # One client logs in through the real form, as a browser would.
    rivera = login_over_http(first, "rivera", "a long night shift passphrase")
    [other] = make_sessions(production_env, "peer", 1)

    on_first, _ = await open_room(first, rivera, "burnout")
    on_second, joined = await open_room(second, other, "burnout")
    assert joined["online"] == 2, "presence is counted across processes"
    await wait_presence(on_first, 2)

    await on_first.send(json.dumps({"type": "message.send", "client_id": "x-1", "body": "anyone up?"}))
    ack = await next_frame(on_first, "message.ack")
    assert ack["status"] == "delivered" and ack["seq"] == 1
    received = await next_frame(on_second, "message")
    assert received["body"] == "anyone up?" and received["seq"] == 1
    assert received["author"]["anonymous"] is True and "Rivera" not in json.dumps(received)

    assert (await next_frame(on_first, "message"))["seq"] == 1, "the sender sees its own message too"
    await on_second.send(json.dumps({"type": "message.send", "client_id": "y-1", "body": "yes, on call"}))
    assert (await next_frame(on_first, "message"))["body"] == "yes, on call"

    await on_second.close()
    await wait_presence(on_first, 1)
    await on_first.close()


async def test_concurrent_senders_across_two_processes_on_postgres(production_env, start_server):
    servers = [start_server(production_env), start_server(production_env)]
    sessions = make_sessions(production_env, "sender", 20)
    per_sender = 5
    sockets = [await open_room(servers[i % 2], key, "exam-stress") for i, key in enumerate(sessions)]
    total = len(sessions) * per_sender

    async def send_all(index, socket_):
        acks = []
        for number in range(per_sender):
            await socket_.send(json.dumps({"type": "message.send", "client_id": f"{index}-{number}", "body": "ok"}))
        while len(acks) < per_sender:
            acks.append(await next_frame(socket_, "message.ack", timeout=30))
        return acks

    results = await asyncio.gather(*(send_all(i, ws) for i, (ws, _) in enumerate(sockets)))
    seqs = sorted(ack["seq"] for acks in results for ack in acks)
    assert seqs == list(range(1, total + 1)), "every ack has a distinct seq, with no gap"
    assert all(ack["status"] == "delivered" for acks in results for ack in acks)

    # The database agrees: a reconnecting client replays exactly 1..N.
    replayed = []
    after = 0
    async with httpx.AsyncClient(base_url=servers[0].http, cookies={"sessionid": sessions[0]}) as client:
        while True:
            response = (await client.get(f"/api/rooms/exam-stress/messages/?after_seq={after}&limit=100")).json()
            replayed += [m["seq"] for m in response["messages"]]
            if not response["has_more"]:
                break
            after = replayed[-1]
    assert replayed == list(range(1, total + 1))
    await close_all(ws for ws, _ in sockets)


async def test_concurrent_senders_on_sqlite_embedded_default(sqlite_env, start_server):
    server = start_server(sqlite_env)
    sessions = make_sessions(sqlite_env, "sender", 20)
    sockets = [await open_room(server, key, "isolation") for key in sessions]
    total = 100

    async def send_and_listen(index, socket_):
        """Send 5 messages; read until all 5 acks and all 100 room messages have arrived."""
        for number in range(5):
            await socket_.send(json.dumps({"type": "message.send", "client_id": f"{index}-{number}", "body": "ok"}))
        acks, seen = [], []
        async with asyncio.timeout(60):
            while len(acks) < 5 or len(seen) < total:
                frame = json.loads(await socket_.recv())
                if frame["type"] == "message.ack":
                    acks.append(frame["seq"])
                elif frame["type"] == "message":
                    seen.append(frame["seq"])
        return acks, seen

    results = await asyncio.gather(*(send_and_listen(i, ws) for i, (ws, _) in enumerate(sockets)))
    assert sorted(seq for acks, _ in results for seq in acks) == list(range(1, total + 1))
    # On one process every client sees every message live, exactly once.
    assert all(sorted(seen) == list(range(1, total + 1)) for _, seen in results)
    await close_all(ws for ws, _ in sockets)


async def test_restart_mid_conversation_loses_nothing(production_env, start_server):
    first = start_server(production_env)
    second = start_server(production_env)
    alice, bob = make_sessions(production_env, "restart", 2)
    on_first, _ = await open_room(first, bob, "grief-difficult-cases")
    on_second, _ = await open_room(second, alice, "grief-difficult-cases")
    await on_second.send(json.dumps({"type": "message.send", "client_id": "r1", "body": "before"}))
    last_seen = (await next_frame(on_first, "message"))["seq"]

    first.stop()  # Bob's server dies.
    for number in range(3):
        await on_second.send(
            json.dumps({"type": "message.send", "client_id": f"r{number + 2}", "body": f"during {number}"})
        )
        await next_frame(on_second, "message.ack")
    first.start()

    back, replay = await open_room(first, bob, "grief-difficult-cases", after_seq=last_seen)
    assert [m["body"] for m in replay["history"]] == ["during 0", "during 1", "during 2"]
    await on_second.send(json.dumps({"type": "message.send", "client_id": "r9", "body": "after"}))
    assert (await next_frame(back, "message"))["body"] == "after"
    await back.close()
    await on_second.close()
