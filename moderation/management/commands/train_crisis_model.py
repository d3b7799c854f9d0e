import json

from django.core.management.base import BaseCommand, CommandError

from moderation import crisis_model
from moderation.crisis import model_text
from moderation.normalize import normalize

# Library versions may round the last digits differently; any real change to data or code moves far more.
COEF_TOLERANCE = 1e-3


class Command(BaseCommand):
    help = (
        "Train the crisis language model from moderation/data/crisis_training.jsonl, choosing thresholds by "
        "leave-one-writer-out cross-validation, and write moderation/data/crisis_model.npz (see "
        "docs/moderation.md). With --check, only verify (without cross-validation, in seconds) that the "
        "shipped weights are what the training data gives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the shipped model is out of date")

    def handle(self, *args, check: bool = False, **options):
        from moderation import crisis_training

        lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        to_model_text = lambda text: model_text(normalize(text))  # noqa: E731
        if check:
            shipped = crisis_model.load()
            if shipped is None:
                raise CommandError("moderation/data/crisis_model.npz is missing: run manage.py train_crisis_model")
            fresh, _report = crisis_training.train(lines, to_model_text, cross_validate=False, previous=shipped)
            if not fresh.words.same_weights(shipped.words, COEF_TOLERANCE):
                raise CommandError("moderation/data/crisis_model.npz is out of date: run manage.py train_crisis_model")
            self.stdout.write("crisis model is up to date")
            return
        model, report = crisis_training.train(lines, to_model_text)
        model.save(crisis_model.MODEL_PATH)
        crisis_model.load.cache_clear()
        self.stdout.write(json.dumps(report, indent=1))
