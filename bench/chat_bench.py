"""End-to-end chat benchmark against real Daphne processes (not a test: it measures, it asserts nothing).

Usage:
    .venv/bin/python bench/chat_bench.py                 # PostgreSQL + Redis (127.0.0.1), 2 processes
    .venv/bin/python bench/chat_bench.py --embedded      # SQLite + in-memory layer, 1 process
Options: --listeners N (sockets in the room, default 200), --senders N (default 20),
         --messages N per sender (default 25), --processes N (default 2 with Redis),
         --rate R (total messages/second; default: as fast as acks come back, i.e. saturation).

It reports: connect rate; send->ack latency; send->delivery latency at every listener; delivered
frames per second. Run it on an otherwise idle machine; numbers go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.harness import (
    Server,
    base_env,
    close_all,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    make_sessions,
    manage,
    open_room,
)

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


async def run(args, env: dict, workdir: Path) -> dict:
    servers = [
        Server(port=free_port(), env=env, log_path=workdir / f"server-{i}.log").start() for i in range(args.processes)
    ]
    try:
        listener_keys = make_sessions(env, "listener", args.listeners)
        sender_keys = make_sessions(env, "sender", args.senders)
        started = time.monotonic()
        listeners = await asyncio.gather(
            *(open_room(servers[i % len(servers)], key, "burnout") for i, key in enumerate(listener_keys))
        )
        connect_seconds = time.monotonic() - started
        senders = [await open_room(servers[i % len(servers)], key, "burnout") for i, key in enumerate(sender_keys)]
        total = args.senders * args.messages
        sent_at: dict[str, float] = {}
        ack_latency: list[float] = []
        delivery_latency: list[float] = []

        async def listen(ws):
            seen = 0
            async with asyncio.timeout(300):
                while seen < total:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "message":
                        seen += 1
                        body = frame["body"]
                        delivery_latency.append(time.monotonic() - sent_at[body])

        # Open loop at a fixed total rate (latency under realistic load), or as fast as acks come back
        # (saturation throughput; latency then only measures the queue).
        interval = args.senders / args.rate if args.rate else 0.0

        async def send(index, ws):
            await asyncio.sleep(interval * index / args.senders)
            for number in range(args.messages):
                tick = time.monotonic()
                body = f"bench {index}-{number}"
                sent_at[body] = time.monotonic()
                await ws.send(json.dumps({"type": "message.send", "client_id": body, "body": body}))
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "message.ack":
                        ack_latency.append(time.monotonic() - sent_at[frame["client_id"]])
                        break
                await asyncio.sleep(max(0.0, interval - (time.monotonic() - tick)))

        for ws, _ in listeners:  # drop what arrived while connecting (presence pushes)
            while True:
                try:
                    await asyncio.wait_for(ws.recv(), 0.001)
                except TimeoutError:
                    break
        listen_tasks = [asyncio.create_task(listen(ws)) for ws, _ in listeners]
        started = time.monotonic()
        await asyncio.gather(*(send(i, ws) for i, (ws, _) in enumerate(senders)))
        await asyncio.gather(*listen_tasks)
        elapsed = time.monotonic() - started
        await close_all([ws for ws, _ in listeners] + [ws for ws, _ in senders])
        return {
            "backend": "embedded (SQLite, in-memory layer)" if args.embedded else "PostgreSQL + Redis",
            "processes": args.processes,
            "listeners": args.listeners,
            "senders": args.senders,
            "messages": total,
            "offered_rate": args.rate or "max",
            "connect_per_second": round(args.listeners / connect_seconds, 1),
            "messages_per_second": round(total / elapsed, 1),
            "deliveries_per_second": round(total * args.listeners / elapsed, 1),
            "ack_ms_p50": round(statistics.median(ack_latency) * 1000, 1),
            "ack_ms_p99": round(percentile(ack_latency, 99) * 1000, 1),
            "delivery_ms_p50": round(statistics.median(delivery_latency) * 1000, 1),
            "delivery_ms_p99": round(percentile(delivery_latency, 99) * 1000, 1),
        }
    finally:
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedded", action="store_true")
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--rate", type=float, default=0, help="total messages/second (0: as fast as acked)")
    args = parser.parse_args()
    args.processes = args.processes or (1 if args.embedded else 2)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.embedded:
            env = base_env(DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
            database = None
        else:
            database = create_postgres_database(POSTGRES, f"medpeer_bench_{uuid.uuid4().hex[:8]}")
            env = base_env(DATABASE_URL=database, REDIS_URL=REDIS, REDIS_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:6]}")
        # The benchmark measures the server, not the per-user rate limit or the per-socket frame budget.
        env["CHAT_RATE_LIMIT_MESSAGES"] = "100000"
        env["CHAT_FRAME_BURST"] = env["CHAT_FRAME_RATE_PER_SECOND"] = "100000"
        try:
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            result = asyncio.run(run(args, env, workdir))
        finally:
            if database:
                drop_postgres_database(POSTGRES, database)
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
