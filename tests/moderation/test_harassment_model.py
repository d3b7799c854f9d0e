"""The harassment model flags personal attacks the rules miss, for moderators only, and leaves venting alone."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from moderation import harassment_model, pipeline
from moderation.evaluation import score_harassment
from moderation.pipeline import HARASSMENT_SIGNAL

FINAL = Path(__file__).with_name("data") / "harassment_final_heldout.jsonl"


def review(text):
    return pipeline.review(text, pipeline.ReviewContext(author_anonymous=True))


@pytest.mark.second_pass
def test_the_shipped_model_is_what_the_training_data_gives():
    out = io.StringIO()
    call_command("train_harassment_model", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_a_personal_attack_the_rules_miss_is_flagged_for_moderators():
    # Security review: this was allowed.
    decision = review("You people are pathetic idiots")
    assert decision.action == pipeline.FLAG
    assert HARASSMENT_SIGNAL in decision.reasons


def test_the_model_only_flags_never_holds_or_blocks_on_its_own(monkeypatch):
    model = harassment_model.load()
    monkeypatch.setattr(harassment_model, "load", lambda: type(model)(model.words, threshold=0.0))
    decision = review("see you all at the review session tomorrow")
    assert decision.action == pipeline.FLAG and decision.reason is None


def test_venting_about_the_system_and_distress_are_not_attacks():
    for text in (
        "my attending is an absolute nightmare and this shelf can go to hell",
        "I'm such an idiot, forgot my stethoscope again",
    ):
        decision = review(text)
        assert HARASSMENT_SIGNAL not in decision.reasons, text
    crisis = review("I want to kill myself tonight")
    assert crisis.action == pipeline.ESCALATE and HARASSMENT_SIGNAL not in crisis.reasons


def test_the_final_held_out_set_stays_where_it_was_scored():
    # Written blind, scored once before the first harassment model shipped (43 of 60 attacks, 10 of 100 heated
    # or friendly messages; the rules alone: 12 of 60 and 5 of 100). The shipped model, retrained when the crisis
    # messages it learns from grew, measures 43 of 60 and 15 of 100. A regression floor since.
    rows = [json.loads(line) for line in FINAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = score_harassment(rows)
    print("\n".join(report.lines()))
    assert report.flagged_attacks / report.attacks >= 0.68
    assert report.flagged_other / report.others <= 0.17


def test_no_training_message_is_in_the_held_out_set():
    training = {json.loads(line)["text"].strip().lower() for line in harassment_model.TRAINING_PATH.open()}
    held = {json.loads(line)["text"].strip().lower() for line in FINAL.open() if line.strip()}
    assert held and not training & held
