from django.core.management.base import BaseCommand, CommandError

from moderation.evaluation import read_jsonl, score_harassment


class Command(BaseCommand):
    help = (
        "Score abuse detection (rules and the harassment model) on a labelled JSON-lines file with text and "
        "label (harassment or not_harassment): how many attacks reach moderators, and how much venting does."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--misses", action="store_true", help="also list misses and false alarms")

    def handle(self, *args, path: str, misses: bool, **options):
        try:
            items = read_jsonl(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        report = score_harassment(items)
        for line in report.lines():
            self.stdout.write(line)
        if misses:
            for text in report.misses:
                self.stdout.write(f"  missed: {text}")
            for text in report.false_alarms:
                self.stdout.write(f"  false alarm: {text}")
