"""What the model-training commands share: train and write, or (--check) refit and compare with the shipped file."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from moderation.crisis import model_text
from moderation.normalize import normalize

# Library versions may round the last digits differently; any real change to data or code moves far more.
COEF_TOLERANCE = 1e-3


def to_model_text(text: str) -> str:
    """The text both models read: normalised, idioms marked."""
    return model_text(normalize(text))


class TrainingCommand(BaseCommand):
    """Subclasses set ``model_module`` (with MODEL_PATH and a cached ``load``) and ``command_name``, and
    implement ``train(cross_validate, previous)`` returning (model, report)."""

    model_module = None
    command_name = ""

    def train(self, *, cross_validate: bool, previous):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the shipped model is out of date")

    def handle(self, *args, check: bool = False, **options):
        path = self.model_module.MODEL_PATH
        if check:
            shipped = self.model_module.load()
            if shipped is None:
                raise CommandError(f"moderation/data/{path.name} is missing: run manage.py {self.command_name}")
            fresh, _report = self.train(cross_validate=False, previous=shipped)
            if not fresh.words.same_weights(shipped.words, COEF_TOLERANCE):
                raise CommandError(f"moderation/data/{path.name} is out of date: run manage.py {self.command_name}")
            self.stdout.write(f"{path.stem.replace('_', ' ')} is up to date")
            return
        model, report = self.train(cross_validate=True, previous=None)
        model.save(path)
        self.model_module.load.cache_clear()
        self.stdout.write(json.dumps(report, indent=1))
