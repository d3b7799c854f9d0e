"""The moderation app's side of ``rooms.moderation_hooks``: registered in ``ModerationConfig.ready()``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from rooms.models import Message, MessageState

from . import outbox, rule_store, second_look_runner
from .models import Escalation, Flag
from .pipeline import Decision
from .rules import CompiledRuleSet


class RoomHooks:
    """What rooms asks of moderation: the rules, the outbox, reports, a session's numbers."""

    def active_rules(self) -> CompiledRuleSet:
        return rule_store.active_rules()

    def record_decision(self, message: Message, decision: Decision) -> None:
        outbox.record_decision(message, decision)
        if message.state == MessageState.VISIBLE:
            # The second look's push path: read again within a second of the commit (a held message is not
            # in the room: moderators already review it).
            second_look_runner.push_on_commit(message)

    def record_report(self, message: Message, reports_to_hide: int, established_before: datetime) -> None:
        outbox.record_report(message, reports_to_hide, established_before)

    def counts_for(self, messages: QuerySet[Message]) -> dict[str, int]:
        return {
            "flags": Flag.objects.filter(message__in=messages).count(),
            "escalations": Escalation.objects.filter(message__in=messages).count(),
        }
