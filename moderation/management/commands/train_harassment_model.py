from moderation import crisis_model, harassment_model
from moderation.management.training_command import TrainingCommand, to_model_text


class Command(TrainingCommand):
    help = (
        "Train the harassment model from moderation/data/harassment_training.jsonl (and the crisis training "
        "messages as non-harassment), choosing its threshold by cross-validation, and write "
        "moderation/data/harassment_model.npz. With --check, only verify that the shipped weights are what the "
        "data gives."
    )
    model_module = harassment_model
    command_name = "train_harassment_model"

    def train(self, *, cross_validate: bool, previous):
        from moderation import harassment_training

        harassment = harassment_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        crisis = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
        return harassment_training.train(
            harassment, crisis, to_model_text, cross_validate=cross_validate, previous=previous
        )
