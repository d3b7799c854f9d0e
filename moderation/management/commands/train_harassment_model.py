import json

from django.core.management.base import BaseCommand, CommandError

from moderation import crisis_model, harassment_model
from moderation.crisis import model_text
from moderation.normalize import normalize

COEF_TOLERANCE = 1e-3


class Command(BaseCommand):
    help = (
        "Train the harassment model from moderation/data/harassment_training.jsonl (and the crisis training "
        "messages as non-harassment), choosing its threshold by cross-validation, and write "
        "moderation/data/harassment_model.npz. With --check, only verify that the shipped weights are what the "
        "data gives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the shipped model is out of date")

    def handle(self, *args, check: bool = False, **options):
        from moderation import harassment_training

        harassment = harassment_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        crisis = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        to_model_text = lambda text: model_text(normalize(text))  # noqa: E731
        if check:
            shipped = harassment_model.load()
            if shipped is None:
                raise CommandError("moderation/data/harassment_model.npz is missing: run train_harassment_model")
            fresh, _ = harassment_training.train(
                harassment, crisis, to_model_text, cross_validate=False, previous=shipped
            )
            if not fresh.words.same_weights(shipped.words, COEF_TOLERANCE):
                raise CommandError("moderation/data/harassment_model.npz is out of date: run train_harassment_model")
            self.stdout.write("harassment model is up to date")
            return
        model, report = harassment_training.train(harassment, crisis, to_model_text)
        model.save(harassment_model.MODEL_PATH)
        harassment_model.load.cache_clear()
        self.stdout.write(json.dumps(report, indent=1))
