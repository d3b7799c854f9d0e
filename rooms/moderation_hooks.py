"""What rooms needs from the moderation app, which sits above it (docs/architecture.md, "Layers").

Rooms defines this interface and calls it; the moderation app implements it and registers it in its
``AppConfig.ready()``, so rooms never imports the moderation app. The pure moderation library (the
pipeline, rules, crisis) sits below rooms and is imported directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from moderation.pipeline import Decision
    from moderation.rules import CompiledRuleSet

    from .models import Message


class ModerationHooks(Protocol):
    def active_rules(self) -> CompiledRuleSet:
        """Return the enabled moderation rules, compiled. Called where the ORM may run."""

    def record_decision(self, message: Message, decision: Decision) -> None:
        """Store what ``decision`` calls for (escalation, flag). Called inside the message's transaction:
        the outbox, so the record commits with its message or neither does."""

    def record_report(self, message: Message, reports_to_hide: int, established_before: datetime) -> None:
        """Put a reported message in the moderators' queue. Called inside a transaction holding a lock on
        ``message``, after the new Report was stored."""

    def counts_for(self, messages: QuerySet[Message]) -> dict[str, int]:
        """Return ``{"flags": n, "escalations": n}`` about ``messages``: numbers only."""


_hooks: ModerationHooks | None = None


def register(hooks: ModerationHooks) -> None:
    """Install the moderation app's implementation (its ``AppConfig.ready()``); the last one wins."""
    global _hooks
    _hooks = hooks


def moderation() -> ModerationHooks:
    """Return the registered implementation."""
    if _hooks is None:
        raise ImproperlyConfigured("no moderation hooks registered: is 'moderation' in INSTALLED_APPS?")
    return _hooks
