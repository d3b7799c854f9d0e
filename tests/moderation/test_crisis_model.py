"""The crisis language model: reproducible from its data, measured on messages it never saw, and kept in its
place beside the patterns (it may raise any level, but it holds a message only when very sure, and it does
not overrule the patterns' reading of who is at risk).

tests/moderation/data/crisis_heldout.jsonl holds messages written blind by people who saw neither the
patterns nor the training data, and never used for training (a third blind set, and ordinary chat). It
has been looked at while choosing between designs, so it is a regression floor here, not the final score:
that is the final held-out set in docs/benchmarks.md.
"""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from moderation import crisis_model
from moderation.crisis import detect_crisis, model_text
from moderation.crisis_model import SENSITIVITIES, CrisisModel, Reading
from moderation.evaluation import score
from moderation.normalize import normalize
from moderation.text_model import LinearTextModel

DATA = Path(__file__).with_name("data")
HELDOUT = DATA / "crisis_heldout.jsonl"
FINAL = DATA / "crisis_final_heldout.jsonl"
FINAL_2 = DATA / "crisis_final_heldout_2.jsonl"
FINAL_3 = DATA / "crisis_final_heldout_3.jsonl"
FINAL_4 = DATA / "crisis_final_heldout_4.jsonl"
# Floors a little under what the shipped model measured (docs/benchmarks.md): a change that loses ground
# fails. Each set was written blind; the first two have been looked at since, so they are floors, not scores.
# Third blind set: recall 0.938, hard 4/80, ordinary 13/250.
MIN_AUTHOR_RECALL = 0.90
MAX_HARD_FALSE_POSITIVE_RATE = 0.065
MAX_ORDINARY_RAISED_RATE = 0.06
# Final held-out sets, each scored once before the model it judged shipped (recall, level 3 at 3, hard raised,
# ordinary raised): set 1 scored 0.850 / 0.758 / 8 of 160 / 2 of 200 with the first model of this design and
# 0.866 / 0.725 / 10 of 160 / 3 of 200 with the second; set 2 scored 0.897 / 0.850 / 10 of 160 / 4 of 200 with
# the second. The shipped (third) model, which also reads concern for someone else, measures 0.866 / 0.717 /
# 10 / 1 on set 1 and 0.881 / 0.817 / 9 / 4 on set 2; set 3 is its own final score (docs/benchmarks.md).
FINAL_FLOORS = {
    FINAL: (0.85, 0.70, 0.07, 0.02),
    FINAL_2: (0.87, 0.80, 0.065, 0.025),
    # Scored once with the shipped model: 0.900 / 0.850 / 15 of 160 / 3 of 200.
    FINAL_3: (0.88, 0.82, 0.10, 0.02),
    # Scored once, inline detector alone: 0.931 / 0.817 / 7 of 160 / 2 of 200 (the combined system with the second
    # look: tests/moderation/test_second_look.py).
    FINAL_4: (0.91, 0.79, 0.05, 0.015),
}


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def heldout():
    return score(_rows(HELDOUT))


@pytest.mark.second_pass
def test_the_shipped_model_is_what_the_training_data_gives():
    out = io.StringIO()
    call_command("train_crisis_model", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_no_training_message_is_in_a_held_out_set():
    training = {row["text"].strip().lower() for row in _rows(crisis_model.TRAINING_PATH)}
    for path in (HELDOUT, FINAL, FINAL_2, FINAL_3, FINAL_4):
        held = {row["text"].strip().lower() for row in _rows(path)}
        assert held and not training & held, path.name


def test_most_unseen_crisis_messages_get_a_level(heldout):
    print("\n".join(heldout.lines()))
    assert heldout.recall() >= MIN_AUTHOR_RECALL


def test_few_hard_or_ordinary_non_crisis_messages_get_a_level(heldout):
    assert heldout.false_alarm_rate(ordinary=False) <= MAX_HARD_FALSE_POSITIVE_RATE
    assert heldout.false_alarm_rate(ordinary=True) <= MAX_ORDINARY_RAISED_RATE
    assert heldout.held_rate(ordinary=True) == 0, "ordinary chat is never held"


@pytest.mark.parametrize("path", [FINAL, FINAL_2, FINAL_3, FINAL_4], ids=["final-1", "final-2", "final-3", "final-4"])
def test_the_final_held_out_sets_stay_where_they_were_scored(path):
    recall, level3, hard, ordinary = FINAL_FLOORS[path]
    final = score(_rows(path))
    print("\n".join(final.lines()))
    assert final.recall() >= recall
    assert final.recall(3, at_least=3) >= level3
    assert final.false_alarm_rate(ordinary=False) <= hard
    assert final.false_alarm_rate(ordinary=True) <= ordinary
    assert final.held_rate(ordinary=True) == 0


def test_higher_sensitivity_never_raises_fewer_messages():
    model = crisis_model.load()
    for head in range(3):
        values = [model.thresholds[name][head] for name in SENSITIVITIES]
        assert values == sorted(values), "high <= standard <= low, head by head"
    texts = [row["text"] for row in _rows(HELDOUT)]
    levels = {name: [detect_crisis(t, sensitivity=name).level for t in texts] for name in SENSITIVITIES}
    assert all(h >= s >= low for h, s, low in zip(levels["high"], levels["standard"], levels["low"], strict=True))
    assert sum(levels["high"]) > sum(levels["low"]), "the setting changes something"


def _stub(reading: Reading, hold_confidence: float = 0.9) -> CrisisModel:
    """A model that gives every message it can read the same probabilities."""

    class Stub(CrisisModel):
        def read(self, normalized):
            return reading

    thresholds = dict.fromkeys(SENSITIVITIES, (0.5, 0.5, 0.5))
    words = LinearTextModel({}, np.zeros(0), np.zeros((0, 4)), np.zeros(4))
    return Stub(words, thresholds, hold_confidence, concern_threshold=0.5)


@pytest.fixture
def model_reads(monkeypatch):
    def use(crisis, severe, plan, hold_confidence=0.9, other=0.0):
        reading = Reading(crisis, severe, plan, other)
        monkeypatch.setattr(crisis_model, "load", lambda: _stub(reading, hold_confidence))

    return use


def test_the_model_may_give_level_three_but_holds_only_when_very_sure(model_reads):
    model_reads(0.9, 0.8, 0.7)
    result = detect_crisis("i sorted out my passwords and left the cat with my sister")
    assert result.level == 3 and result.signals == ("language_model", "language_model_plan")
    assert not result.holdable
    model_reads(0.99, 0.97, 0.95)
    assert detect_crisis("i sorted out my passwords and left the cat with my sister").holdable


def test_levels_follow_the_heads_in_order(model_reads):
    model_reads(0.9, 0.3, 0.9)  # a plan reading without the severe one is not level 3
    assert detect_crisis("everything feels grey and pointless these days").level == 1
    model_reads(0.3, 0.9, 0.9)
    assert detect_crisis("everything feels grey and pointless these days").level == 0


def test_the_model_does_not_overrule_who_is_at_risk(model_reads):
    model_reads(0.99, 0.99, 0.99)
    # Negated, about a patient, about someone else: the patterns read it and set it aside.
    assert detect_crisis("I would never kill myself, I love my life").level == 0
    assert detect_crisis("my patient took the whole bottle of tylenol last night").level == 0
    friend = detect_crisis("my roommate said she wants to kill herself and has pills saved")
    assert friend.concern_for_other and friend.level == 0


def test_hyperbole_reaches_level_three_only_if_the_model_reads_a_plan(model_reads):
    model_reads(0.1, 0.1, 0.1)
    joke = detect_crisis("gonna kms lol this exam is brutal")
    assert joke.level == 2 and not joke.holdable
    model_reads(0.99, 0.99, 0.99)
    assert detect_crisis("gonna kms lol this exam is brutal").level == 3


def test_the_model_reads_someone_else_at_risk_where_the_patterns_did_not(model_reads):
    text = "my roommate gave away her guitar and texted me thank you for everything"
    model_reads(0.1, 0.1, 0.1, other=0.9)
    result = detect_crisis(text)
    assert result.level == 0 and result.concern_for_other and result.other_level == 2
    assert "language_model_concern" in result.signals
    model_reads(0.9, 0.1, 0.1, other=0.9)  # the author at risk: their own level decides, not a friend's
    own = detect_crisis("gave away my guitar today and texted everyone thank you for everything")
    assert own.level == 1 and not own.concern_for_other
    model_reads(0.1, 0.1, 0.1, other=0.1)
    assert not detect_crisis(text).concern_for_other


def test_short_messages_are_left_to_the_patterns(model_reads):
    model_reads(0.99, 0.99, 0.99)
    assert detect_crisis("my match results!").level == 0


def test_words_the_model_never_saw_are_no_evidence():
    model = crisis_model.load()
    assert model.read(model_text(normalize("zxqv blorp wug"))) == crisis_model.NO_READING


def test_training_learns_and_is_deterministic():
    texts = [
        ("i want to disappear and never wake up", 1), ("nobody would miss me if i was gone", 1),
        ("i keep thinking about ending it", 2), ("i have the pills counted out for tonight", 3),
        ("i wrote the letters and gave the cat away", 3), ("i want to hurt myself again", 2),
        ("anyone want to study pharm tonight", 0), ("the cafeteria pizza is back", 0),
        ("uworld block done, 70 percent", 0), ("pills for the pharm quiz: know the doses", 0),
        ("letters of rec are due friday", 0), ("my cat knocked over my coffee again", 0),
    ]  # fmt: skip
    lines = [json.dumps({"text": t, "level": level, "about": "self" if level else "none"}) for t, level in texts]
    lines += lines  # every word and pair appears twice: all make the vocabulary
    to_model_text = lambda text: model_text(normalize(text))  # noqa: E731
    previous = _stub(Reading(), 0.9)
    first, _ = crisis_model_train(lines, to_model_text, previous)
    second, _ = crisis_model_train(lines, to_model_text, previous)
    assert first.words.same_weights(second.words, tolerance=0.0)
    assert first.read(to_model_text("i want to never wake up")).crisis > 0.5
    assert first.read(to_model_text("pharm study block tonight")).crisis < 0.5


def crisis_model_train(lines, to_model_text, previous):
    from moderation.crisis_training import train

    return train(lines, to_model_text, cross_validate=False, previous=previous)
