import json
import sys

from django.core.management.base import BaseCommand, CommandError

from moderation import pipeline, rule_store
from rooms.models import AnonymityPolicy, Room


class Command(BaseCommand):
    help = (
        "Run messages from standard input through the moderation pipeline with the current rules and print one JSON "
        'object per line: {"text", "action", "crisis_level", "concern_for_other_level", "rules"}. '
        "Input: one message per line, or JSON lines "
        'with a "text" field. Nothing is stored or sent.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--room", help="Apply the rules as in this room (scope and anonymity policy).")
        parser.add_argument("--named", action="store_true", help="Review as if posted under a name, not an alias.")

    def handle(self, *args, room, named, **options):
        anonymous = not named
        if room is not None:
            try:
                room_row = Room.objects.get(slug=room)
            except Room.DoesNotExist:
                raise CommandError(f"no room {room!r}") from None
            anonymous = anonymous and room_row.anonymity != AnonymityPolicy.OFF
        rules = rule_store.active_rules()
        context = pipeline.ReviewContext(room_slug=room or "", author_anonymous=anonymous)
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            text = line
            if line.lstrip().startswith("{"):
                try:
                    text = json.loads(line)["text"]
                except (ValueError, KeyError, TypeError):
                    raise CommandError(f"not a JSON object with a 'text' field: {line[:80]}") from None
            decision = pipeline.review(text, context, rules)
            result = {
                "text": text,
                "action": decision.action,
                "crisis_level": decision.crisis_level,
                "concern_for_other_level": decision.other_level,
                "rules": list(decision.reasons),
            }
            self.stdout.write(json.dumps(result, ensure_ascii=False))
