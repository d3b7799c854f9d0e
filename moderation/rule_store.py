"""The active moderation rules, from the database, compiled once per change.

Each process keeps the compiled set and checks a cheap version stamp (count and latest edit of the
rules) at most every CHAT_RULES_REFRESH_SECONDS, so an edit in the admin reaches every server process
within that time without a restart.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Count, Max, Q

from .models import ModerationRule
from .rules import CompiledRuleSet, compile_rules

_lock = threading.Lock()
_cached: tuple[tuple, CompiledRuleSet] | None = None
_checked_at = 0.0


def _stamp() -> tuple:
    # Counting enabled rules as well catches bulk enable/disable (queryset.update skips auto_now).
    summary = ModerationRule.objects.aggregate(
        count=Count("id"), enabled=Count("id", filter=Q(enabled=True)), latest=Max("updated_at")
    )
    return summary["count"], summary["enabled"], summary["latest"]


def _load() -> CompiledRuleSet:
    rules = []
    for row in ModerationRule.objects.filter(enabled=True).prefetch_related("rooms"):
        rules.append(row.as_rule(tuple(room.slug for room in row.rooms.all())))
    return compile_rules(rules)


def active_rules() -> CompiledRuleSet:
    """Return the compiled enabled rules. Precondition: called where the ORM may run (a database thread)."""
    global _cached, _checked_at
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _checked_at < settings.CHAT_RULES_REFRESH_SECONDS:
            return _cached[1]
        stamp = _stamp()
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _load())
        _checked_at = now
        return _cached[1]


def forget() -> None:
    """Drop the cached set (tests, and right after an edit in this process)."""
    global _cached
    with _lock:
        _cached = None
