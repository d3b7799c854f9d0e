"""The harassment language model: does a message attack, demean or threaten another member?

Why: the rules catch slurs and a list of insults, but personal attacks worded any other way passed
("You people are pathetic idiots"). One logistic-regression head over the same words-and-pairs
representation as the crisis model (``moderation.text_model``), trained on blind-written harassment and
on heated but legitimate venting about exams, attendings and the system, plus every crisis training
message as a non-harassment example (so "I want to kill myself" is distress, not an attack).

It only flags a message for moderators (``abuse:language_model``); holding or blocking stays the rules'
decision. Pure: it reads nothing but its argument and the arrays in ``moderation/data/harassment_model.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from moderation.text_model import LinearTextModel, load_arrays

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = DATA_DIR / "harassment_model.npz"
TRAINING_PATH = DATA_DIR / "harassment_training.jsonl"


@dataclass(frozen=True)
class HarassmentModel:
    words: LinearTextModel
    # At or above this probability a message is flagged (chosen by cross-validation, see harassment_training).
    threshold: float

    def probability(self, normalized: str) -> float:
        probabilities = self.words.probabilities(normalized)
        return 0.0 if probabilities is None else float(probabilities[0])

    def flags(self, normalized: str) -> bool:
        return self.probability(normalized) >= self.threshold

    def save(self, path: Path) -> None:
        np.savez_compressed(path, **self.words.arrays(), threshold=np.float32(self.threshold))

    @classmethod
    def from_arrays(cls, stored) -> HarassmentModel:
        return cls(LinearTextModel.from_arrays(stored), float(stored["threshold"]))


@cache
def load() -> HarassmentModel | None:
    """Return the shipped model, or None if its file is missing (then only the rules judge abuse)."""
    stored = load_arrays(MODEL_PATH)
    return None if stored is None else HarassmentModel.from_arrays(stored)
