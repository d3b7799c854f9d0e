from moderation import crisis_model
from moderation.management.training_command import TrainingCommand, to_model_text


class Command(TrainingCommand):
    help = (
        "Train the crisis language model from moderation/data/crisis_training.jsonl, choosing thresholds by "
        "leave-one-writer-out cross-validation, and write moderation/data/crisis_model.npz (see "
        "docs/moderation.md). With --check, only verify (without cross-validation, in seconds) that the "
        "shipped weights are what the training data gives."
    )
    model_module = crisis_model
    command_name = "train_crisis_model"

    def train(self, *, cross_validate: bool, previous):
        from moderation import crisis_training

        lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        return crisis_training.train(lines, to_model_text, cross_validate=cross_validate, previous=previous)
