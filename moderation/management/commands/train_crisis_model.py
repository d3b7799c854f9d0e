from django.core.management.base import BaseCommand, CommandError

from moderation import crisis_model
from moderation.crisis import model_text
from moderation.normalize import normalize


class Command(BaseCommand):
    help = (
        "Train the crisis language model from moderation/data/crisis_training.jsonl and write "
        "moderation/data/crisis_model.json (see docs/moderation.md). With --check, only verify that the "
        "shipped model is what the training data gives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the shipped model is out of date")

    def handle(self, *args, check: bool = False, **options):
        lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        examples = crisis_model.training_examples(lines, lambda text: model_text(normalize(text)))
        models = crisis_model.train_all(examples)
        fresh = models.to_json()
        if check:
            shipped = crisis_model.MODEL_PATH.read_text(encoding="utf-8") if crisis_model.MODEL_PATH.exists() else ""
            if shipped != fresh:
                raise CommandError(
                    "moderation/data/crisis_model.json is out of date: run manage.py train_crisis_model"
                )
            self.stdout.write("crisis model is up to date")
            return
        crisis_model.MODEL_PATH.write_text(fresh, encoding="utf-8")
        crisis = sum(level > 0 for _text, level in examples)
        plans = sum(level == 3 for _text, level in examples)
        self.stdout.write(
            f"trained on {len(examples)} messages ({crisis} crisis, {plans} of them plans, "
            f"{len(examples) - crisis} not): thresholds {models.crisis.threshold} and {models.plan.threshold}"
        )
