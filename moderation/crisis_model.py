"""The crisis language model: how likely a message is crisis language, and how severe, from its words.

Why: blind evaluations (docs/moderation.md) showed hand-written patterns catch under half of crisis
messages worded in ways nobody wrote a pattern for. A logistic regression over the message's words and
word pairs, trained on thousands of labelled messages written blind (``moderation/data``), generalises
to new wording far better. Three heads share one TF-IDF representation; each answers "at least this
level?": ``crisis`` (level >= 1, the author's own risk), ``severe`` (>= 2) and ``plan`` (3: a plan, means
at hand, preparation or an act in progress). The level is how many heads say yes, in order.

Thresholds come from cross-validation that leaves one blind writer's set out at a time
(``moderation.crisis_training``), one set per sensitivity (``SENSITIVITIES``): the deployment chooses with
``CRISIS_SENSITIVITY``. ``hold_confidence`` is the plan probability above which the model alone is
trusted to hold a message out of the room (see ``moderation.pipeline``).

Everything here is pure: it reads nothing but its arguments and the weights loaded once from
``moderation/data/crisis_model.npz`` (numpy arrays: a compact binary file, reviewed by its training data
and the CI check that rebuilds it, not by diff).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from moderation.normalize import tokenize

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = DATA_DIR / "crisis_model.npz"
TRAINING_PATH = DATA_DIR / "crisis_training.jsonl"
HEADS = ("crisis", "severe", "plan")
# From most to fewest alerts. "high" favours recall (the default): a false alarm costs a moderator
# seconds, a miss can cost a life.
SENSITIVITIES = ("high", "standard", "low")
DEFAULT_SENSITIVITY = "high"
_PUNCTUATION = frozenset(".,!?;:")
_NEGATIONS = frozenset({"not", "no", "never", "nor", "without", "nothing", "nobody"})


def features(normalized: str) -> Counter[str]:
    """Return the words and word pairs of a normalised text with their counts (pairs never cross punctuation).

    Words after a negation in the same clause are marked ("i would never hurt myself" gives "~hurt",
    "~myself"), so that "never hurt myself" does not read like "hurt myself".
    """
    grams: Counter[str] = Counter()
    previous = None
    negated = False
    for token in tokenize(normalized):
        if token in _PUNCTUATION or not token:
            previous = None
            negated = False
            continue
        if token in _NEGATIONS:
            negated = True
        elif negated:
            token = "~" + token
        grams[token] += 1
        if previous is not None:
            grams[f"{previous} {token}"] += 1
        previous = token
    return grams


@dataclass(frozen=True)
class Reading:
    """The model's probabilities for one message: at least level 1, at least 2, and level 3."""

    crisis: float = 0.0
    severe: float = 0.0
    plan: float = 0.0


NO_READING = Reading()


@dataclass(frozen=True)
class CrisisModel:
    index: dict[str, int]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (features, heads)
    bias: np.ndarray  # (heads,)
    # sensitivity -> threshold per head, in HEADS order
    thresholds: dict[str, tuple[float, float, float]]
    hold_confidence: float

    def read(self, normalized: str) -> Reading:
        """Return the probabilities for a normalised message; all 0 when the model knows none of its words."""
        grams = features(normalized)
        ids, values = [], []
        for gram, count in grams.items():
            i = self.index.get(gram)
            if i is not None:
                ids.append(i)
                values.append(1.0 + math.log(count))
        if not ids:
            return NO_READING
        weights = np.asarray(values) * self.idf[ids]
        weights /= np.linalg.norm(weights)
        scores = weights @ self.coef[ids] + self.bias
        crisis, severe, plan = (1.0 / (1.0 + np.exp(-scores))).tolist()
        return Reading(crisis, severe, plan)

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
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        np.savez_compressed(
            path,
            vocabulary=np.array(vocabulary),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            bias=self.bias.astype(np.float32),
            sensitivities=np.array(SENSITIVITIES),
            thresholds=np.array([self.thresholds[s] for s in SENSITIVITIES], dtype=np.float32),
            hold_confidence=np.float32(self.hold_confidence),
        )

    @classmethod
    def from_file(cls, path: Path) -> CrisisModel:
        with np.load(path, allow_pickle=False) as stored:
            vocabulary = stored["vocabulary"].tolist()
            thresholds = {
                name: tuple(float(t) for t in row)
                for name, row in zip(stored["sensitivities"].tolist(), stored["thresholds"], strict=True)
            }
            return cls(
                index={gram: i for i, gram in enumerate(vocabulary)},
                idf=stored["idf"].astype(np.float64),
                coef=stored["coef"].astype(np.float64),
                bias=stored["bias"].astype(np.float64),
                thresholds=thresholds,
                hold_confidence=float(stored["hold_confidence"]),
            )


@cache
def load() -> CrisisModel | None:
    """Return the shipped model, or None if its file is missing (then only the patterns run)."""
    if not MODEL_PATH.exists():
        return None
    return CrisisModel.from_file(MODEL_PATH)
