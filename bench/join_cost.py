"""CPU per step of a WebSocket join, in one process, on PostgreSQL: what a handshake costs besides the protocol.

Each returning member's join runs, in the database threads: the log-in lookup (session and user), the join (room
and membership) and the snapshot (the room fresh, 50 messages of history with their quotes and reactions). This
times each step's CPU (``time.process_time``, so waits on the database do not count) over many joins of members
coming back to rooms with 60 messages, one join at a time, on a scratch database it creates and drops.

    .venv/bin/python bench/join_cost.py [--joins 300]

docs/benchmarks.md ("Handshakes") has the figures and what changed them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CHILD = "MEDPEER_JOIN_COST_SESSIONS"
ROOMS = 9
MESSAGES_PER_ROOM = 60


def prepare_and_run(joins: int) -> None:
    from tests.integration.harness import (
        base_env,
        create_postgres_database,
        drop_postgres_database,
        make_sessions,
        manage,
    )

    database = create_postgres_database(POSTGRES, f"medpeer_join_cost_{uuid.uuid4().hex[:10]}")
    try:
        env = base_env(DATABASE_URL=database)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        sessions = make_sessions(env, "member", 200)
        env[CHILD] = json.dumps(sessions)
        subprocess.run([sys.executable, __file__, "--joins", str(joins)], env=env, check=True)
    finally:
        drop_postgres_database(POSTGRES, database)


def measure(joins: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")
    django.setup()
    from channels.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore

    from core.frames import encode
    from rooms import history, services
    from rooms.consumers import _join
    from rooms.models import Room

    sessions = json.loads(os.environ[CHILD])
    rooms = list(Room.objects.filter(is_active=True).order_by("id")[:ROOMS])
    users = [get_user.func({"session": SessionStore(session_key=key)}) for key in sessions]
    # Every room gets its history from a member each; then everyone has joined every room once, so the joins
    # timed below are of members coming back, as after a restart or a dropped connection.
    for index, room in enumerate(rooms):
        author = _join(users[index], room.slug)
        for number in range(MESSAGES_PER_ROOM):
            body = f"message {number}: how is everyone holding up with the rotation this week?"
            services.do_send_message(author.pk, f"c{index}-{number}", body, None)
    for index, user in enumerate(users):
        _join(user, rooms[index % len(rooms)].slug)

    def timed(name: str, step) -> list:
        started = time.process_time()
        results = [step(i) for i in range(joins)]
        print(f"{name:34s} {1000 * (time.process_time() - started) / joins:6.2f} ms CPU per join", flush=True)
        return results

    print(f"{joins} joins of returning members; rooms of {MESSAGES_PER_ROOM} messages, 50 sent on joining")
    found = timed(
        "log-in lookup (session, user)",
        lambda i: get_user.func({"session": SessionStore(session_key=sessions[i % len(sessions)])}),
    )
    members = timed("join (room, membership)", lambda i: _join(found[i], rooms[i % len(users) % len(rooms)].slug))
    frames = timed("snapshot (room, history, reactions)", lambda i: history.join_snapshot(members[i], None, 3))
    timed("encoding room.joined", lambda i: encode(frames[i]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=300)
    args = parser.parse_args()
    if CHILD in os.environ:
        measure(args.joins)
    else:
        prepare_and_run(args.joins)
