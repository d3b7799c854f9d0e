"""The crisis language models: reproducible from their data, measured on messages they never saw, and kept
in their place under the patterns (they never overrule a pattern's judgement and never hold a message).

tests/moderation/data/crisis_heldout.jsonl holds messages written blind by people who saw neither the
patterns nor the training data, and never used for training: a third blind set of crisis and hard
non-crisis messages, and ordinary chat. Its numbers are in docs/moderation.md.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from moderation import crisis_model
from moderation.crisis import detect_crisis, model_text
from moderation.crisis_model import CrisisModel, CrisisModels, train
from moderation.normalize import normalize

HELDOUT = Path(__file__).with_name("data") / "crisis_heldout.jsonl"
# Floors under what was measured when the models shipped (recall 0.80, hard non-crisis raised 2 in 80,
# ordinary chat raised 4 in 250): a change that loses ground fails here.
MIN_AUTHOR_RECALL = 0.78
MAX_HARD_FALSE_POSITIVE_RATE = 0.05
MAX_ORDINARY_RAISED_RATE = 0.025


@pytest.fixture(scope="module")
def heldout():
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row, detect_crisis(row["text"]).level) for row in rows]


def test_the_shipped_models_are_what_the_training_data_gives():
    out = io.StringIO()
    call_command("train_crisis_model", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_no_training_message_is_in_the_held_out_set():
    training = {json.loads(line)["text"] for line in crisis_model.TRAINING_PATH.read_text().splitlines() if line}
    heldout = {json.loads(line)["text"] for line in HELDOUT.read_text().splitlines() if line}
    assert not training & heldout


def test_most_unseen_crisis_messages_get_a_level(heldout):
    about_author = [(row, level) for row, level in heldout if row["level"] > 0 and "other" not in row["note"]]
    recall = sum(level > 0 for _, level in about_author) / len(about_author)
    by_level = {
        wanted: f"{sum(level > 0 for row, level in about_author if row['level'] == wanted)}/"
        f"{sum(row['level'] == wanted for row, _ in about_author)}"
        for wanted in (1, 2, 3)
    }
    print(f"held-out author recall {recall:.2f} (levels 1, 2, 3 caught: {by_level})")
    assert recall >= MIN_AUTHOR_RECALL


def test_few_hard_or_ordinary_non_crisis_messages_get_a_level(heldout):
    hard = [level for row, level in heldout if row["level"] == 0 and row["source"] != "ordinary"]
    ordinary = [level for row, level in heldout if row["source"] == "ordinary"]
    hard_rate = sum(level > 0 for level in hard) / len(hard)
    ordinary_rate = sum(level > 0 for level in ordinary) / len(ordinary)
    print(f"held-out: hard non-crisis raised {hard_rate:.3f}, ordinary chat raised {ordinary_rate:.3f}")
    assert hard_rate <= MAX_HARD_FALSE_POSITIVE_RATE
    assert ordinary_rate <= MAX_ORDINARY_RAISED_RATE
    assert not [level for level in ordinary if level >= 3], "ordinary chat is never held"


class _Always(CrisisModel):
    """A model that says yes to everything, to show what the patterns let it decide."""

    def __init__(self):
        super().__init__(idf={}, weights={}, bias=0.0, threshold=0.5)

    def says_yes(self, normalized: str) -> bool:
        return True


@pytest.fixture
def models_say_yes(monkeypatch):
    monkeypatch.setattr(crisis_model, "load", lambda: CrisisModels(crisis=_Always(), plan=_Always()))


def test_the_models_never_overrule_the_patterns(models_say_yes):
    # Negated, about a patient, about someone else: the patterns matched and set it aside.
    assert detect_crisis("I would never kill myself, I love my life").level == 0
    assert detect_crisis("my patient took the whole bottle of tylenol last night").level == 0
    # The patterns' level stands when they found something.
    assert detect_crisis("I just want to die").level == 2


def test_a_model_guess_is_at_most_level_2_and_needs_five_words(models_say_yes):
    result = detect_crisis("the weather is lovely in the quad today")
    assert result.level == 2 and result.signals == ("language_model", "language_model_plan")
    assert detect_crisis("my match results are in").level == 2
    assert detect_crisis("my match results!").level == 0


def test_words_the_model_never_saw_are_no_evidence():
    model = CrisisModel(idf={"rope": 1.0}, weights={"rope": 3.0}, bias=2.0, threshold=0.5)
    assert model.probability("completely unknown words") == 0.0
    assert not model.says_yes("completely unknown words"), "a positive bias alone is not a reason"
    assert model.says_yes("the rope")


def test_training_learns_and_is_deterministic():
    examples = [(model_text(normalize(text)), label) for text, label in [
        ("i want to disappear and never wake up", 1),
        ("nobody would miss me if i was gone", 1),
        ("i keep thinking about ending it", 1),
        ("anyone want to study pharm tonight", 0),
        ("the cafeteria pizza is back", 0),
        ("uworld block done, 70 percent", 0),
    ]]  # fmt: skip
    first, second = train(examples, epochs=40), train(examples, epochs=40)
    assert first == second
    assert first.probability(model_text(normalize("i want to never wake up"))) > 0.5
    assert first.probability(model_text(normalize("pharm study block tonight"))) < 0.5
