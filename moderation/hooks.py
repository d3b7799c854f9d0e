"""The moderation app's side of ``rooms.moderation_hooks``: registered in ``ModerationConfig.ready()``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from rooms.models import Message

from . import outbox, rule_store
from .models import Escalation, Flag
from .pipeline import Decision
from .rules import CompiledRuleSet


class RoomHooks:
    """What rooms asks of moderation: the rules, the outbox, reports, a session's numbers."""

    def active_rules(self) -> CompiledRuleSet:
        return rule_store.active_rules()

    def record_decision(self, message: Message, decision: Decision) -> None:
        outbox.record_decision(message, decision)

    def record_report(self, message: Message, reports_to_hide: int, established_before: datetime) -> None:
        outbox.record_report(message, reports_to_hide, established_before)

    def counts_for(self, messages: QuerySet[Message]) -> dict[str, int]:
        return {
            "flags": Flag.objects.filter(message__in=messages).count(),
            "escalations": Escalation.objects.filter(message__in=messages).count(),
        }
