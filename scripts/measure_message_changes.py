"""Measure what reactions and replies add to the room's join snapshot, and the cost of the new write paths.

Run from the repository: ``python scripts/measure_message_changes.py`` (SQLite in a temporary directory, one
process: numbers compare the paths with each other, they are not a load test; bench/ is for that).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/measure.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from chatserver.models import User  # noqa: E402
from moderation.rules import default_rule_rows  # noqa: E402
from rooms import edits, history, reactions, reads, services  # noqa: E402
from rooms.models import Room  # noqa: E402

MEMBERS = 8
MESSAGES = 50
ROUNDS = 200


def timed(action, rounds=ROUNDS):
    """Return (median ms, p95 ms, queries of one call) of ``action``."""
    with CaptureQueriesContext(connection) as queries:
        action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(queries)


def room_with_messages(slug, *, supportive):
    room = Room.objects.create(slug=slug, title=slug)
    members = []
    for number in range(MEMBERS):
        user = User.objects.create_user(username=f"{slug}-{number}", password="x" * 20)
        members.append(services.do_join_room(user, room))
    for seq in range(1, MESSAGES + 1):
        author = members[seq % MEMBERS]
        reply_to = seq - 1 if supportive and seq > 1 else None
        services.do_send_message(author.pk, f"c{seq}", f"message number {seq} about nights on call", reply_to)
        if supportive:
            for member in members[: 1 + seq % MEMBERS]:
                reactions.do_set_reaction(member.pk, seq, "heart", True)
    viewer = members[0]
    viewer.room, viewer.user = room, viewer.user
    return viewer


def main():
    call_command("migrate", verbosity=0)
    from moderation.models import ModerationRule

    for row in default_rule_rows():
        ModerationRule.objects.get_or_create(name=row.pop("name"), defaults=row)
    plain = room_with_messages("plain", supportive=False)
    supportive = room_with_messages("supportive", supportive=True)
    rows = [
        ("join_snapshot, 50 plain messages", lambda: history.join_snapshot(plain, None, online=3)),
        ("join_snapshot, 50 replies with reactions", lambda: history.join_snapshot(supportive, None, online=3)),
        (
            "reaction.set on/off",
            lambda: (
                reactions.do_set_reaction(supportive.pk, MESSAGES, "hug", True)
                and reactions.do_set_reaction(supportive.pk, MESSAGES, "hug", False)
            ),
        ),
        ("read", lambda: reads.do_mark_read(supportive.pk, MESSAGES)),
        ("unread counts, 2 rooms", lambda: reads.unread_counts(supportive.user, [plain.room_id, supportive.room_id])),
    ]
    counter = iter(range(10**6))
    own_seq = next(s for s in range(MESSAGES, 0, -1) if s % MEMBERS == 0)
    rows.append(
        ("message.edit (reviewed)", lambda: edits.do_edit_message(supportive.pk, own_seq, f"edit {next(counter)}"))
    )
    print(f"{'path':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, action in rows:
        median, p95, queries = timed(action)
        print(f"{name:45} {median:10.2f} {p95:8.2f} {queries:8}")


if __name__ == "__main__":
    main()
