"""The crisis language model: how likely a message is crisis language, and how severe, from its words.

Why: blind evaluations (docs/moderation.md) showed hand-written patterns catch under half of crisis
messages worded in ways nobody wrote a pattern for. A logistic regression over the message's words and
word pairs (``moderation.text_model``), trained on thousands of labelled messages written blind
(``moderation/data``), generalises to new wording far better. Three heads share one representation; each
answers "at least this level?": ``crisis`` (level >= 1, the author's own risk), ``severe`` (>= 2) and
``plan`` (3: a plan, means at hand, preparation or an act in progress). The level is how many heads say
yes, in order. A fourth head, ``other``, reads concern for someone else at risk (level 2 or more for that
person), which the patterns catch poorly.

Thresholds come from cross-validation that leaves one blind writer's set out at a time
(``moderation.crisis_training``), one set per sensitivity (``SENSITIVITIES``): the deployment chooses with
``CRISIS_SENSITIVITY``. ``hold_confidence`` is the plan probability above which the model alone is
trusted to hold a message out of the room (see ``moderation.pipeline``).

Pure: it reads nothing but its arguments and the arrays loaded once from ``moderation/data/crisis_model.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from moderation.text_model import LinearTextModel, load_arrays

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = DATA_DIR / "crisis_model.npz"
TRAINING_PATH = DATA_DIR / "crisis_training.jsonl"
HEADS = ("crisis", "severe", "plan", "other")
# From most to fewest alerts. "high" favours recall (the default): a false alarm costs a moderator
# seconds, a miss can cost a life.
SENSITIVITIES = ("high", "standard", "low")
DEFAULT_SENSITIVITY = "high"


@dataclass(frozen=True)
class Reading:
    """The model's probabilities for one message: at least level 1, at least 2, level 3, someone else at risk."""

    crisis: float = 0.0
    severe: float = 0.0
    plan: float = 0.0
    other: float = 0.0


NO_READING = Reading()


@dataclass(frozen=True)
class CrisisModel:
    words: LinearTextModel
    # sensitivity -> threshold of the crisis, severe and plan heads
    thresholds: dict[str, tuple[float, float, float]]
    hold_confidence: float
    # At or above this "other" probability, someone else is read as at risk (one setting for all sensitivities).
    concern_threshold: float

    def read(self, normalized: str) -> Reading:
        """Return the probabilities for a normalised message; all 0 when the model knows none of its words."""
        probabilities = self.words.probabilities(normalized)
        if probabilities is None:
            return NO_READING
        return Reading(*probabilities.tolist())

    def level(self, reading: Reading, sensitivity: str = DEFAULT_SENSITIVITY) -> int:
        """Return the level the reading gives at ``sensitivity``: how many heads, in order, pass their threshold."""
        level = 0
        for probability, threshold in zip(
            (reading.crisis, reading.severe, reading.plan), self.thresholds[sensitivity], strict=True
        ):
            if probability < threshold:
                break
            level += 1
        return level

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            **self.words.arrays(),
            sensitivities=np.array(SENSITIVITIES),
            thresholds=np.array([self.thresholds[s] for s in SENSITIVITIES], dtype=np.float32),
            hold_confidence=np.float32(self.hold_confidence),
            concern_threshold=np.float32(self.concern_threshold),
        )

    @classmethod
    def from_arrays(cls, stored) -> CrisisModel:
        thresholds = {
            name: tuple(float(t) for t in row)
            for name, row in zip(stored["sensitivities"].tolist(), stored["thresholds"], strict=True)
        }
        return cls(
            LinearTextModel.from_arrays(stored),
            thresholds,
            float(stored["hold_confidence"]),
            float(stored["concern_threshold"]),
        )


@cache
def load() -> CrisisModel | None:
    """Return the shipped model, or None if its file is missing (then only the patterns run)."""
    stored = load_arrays(MODEL_PATH)
    return None if stored is None else CrisisModel.from_arrays(stored)
