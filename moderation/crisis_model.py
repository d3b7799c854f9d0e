"""A small linear model of crisis language: the recall net under the crisis patterns.

Why: blind evaluations (docs/moderation.md) showed the hand-written patterns in ``moderation.crisis`` catch
under half of crisis messages worded in ways nobody wrote a pattern for, while a plain word and word-pair
model trained on labelled messages generalises to new wording far better. The patterns keep every
judgement they make (idioms, negation, someone else, a patient); the model only reads messages in which
they found nothing, and raises them to level 1 (crisis language) or 2 (it also reads a plan), never 3, so
a moderator looks and the author gets the support card. It is a logistic regression over TF-IDF weighted
words and word pairs of the normalised text, trained in pure Python (no new dependency) by
``python manage.py train_crisis_model`` from ``moderation/data/crisis_training.jsonl``; the weights ship
in ``moderation/data/crisis_model.json``.

Everything here is pure: ``probability`` reads nothing but its argument and the loaded weights.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from moderation.normalize import tokenize

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = DATA_DIR / "crisis_model.json"
TRAINING_PATH = DATA_DIR / "crisis_training.jsonl"
_PUNCTUATION = frozenset(".,!?;:")
# Chosen by 5-fold cross-validation on the training data, never on the held-out set: the crisis threshold
# is the lowest that raises under 1 in 100 ordinary chat messages; the plan threshold called no level-1
# or level-2 message a plan when trained on one blind set and tested on the other.
CRISIS_THRESHOLD = 0.7
PLAN_THRESHOLD = 0.6


def features(normalized: str) -> Counter[str]:
    """Return the words and word pairs of a normalised text with their counts (pairs never cross punctuation)."""
    grams: Counter[str] = Counter()
    previous = None
    for token in tokenize(normalized):
        if token in _PUNCTUATION or not token:
            previous = None
            continue
        grams[token] += 1
        if previous is not None:
            grams[f"{previous} {token}"] += 1
        previous = token
    return grams


@dataclass(frozen=True)
class CrisisModel:
    idf: dict[str, float]
    weights: dict[str, float]
    bias: float
    # Messages at or above this probability are level 1 when no pattern found anything.
    threshold: float

    def evidence(self, normalized: str) -> float | None:
        """Return how far the message's own words push towards the positive class (the score without the bias).

        None when the model knows none of its words: no evidence at all, whatever the bias says.
        """
        vector = _tfidf(features(normalized), self.idf)
        if not vector:
            return None
        return sum(self.weights.get(gram, 0.0) * value for gram, value in vector.items())

    def probability(self, normalized: str) -> float:
        """Return the model's probability for a normalised message; 0 when none of its words is known."""
        evidence = self.evidence(normalized)
        return 0.0 if evidence is None else _sigmoid(self.bias + evidence)

    def says_yes(self, normalized: str) -> bool:
        """At or above the threshold, and because of the message's words rather than the prior alone."""
        evidence = self.evidence(normalized)
        return evidence is not None and evidence > 0 and _sigmoid(self.bias + evidence) >= self.threshold

    def payload(self) -> dict:
        return {
            "threshold": self.threshold,
            "bias": round(self.bias, 6),
            # Only grams with a weight matter at prediction time, but idf must cover them all for the norm.
            "idf": {gram: round(value, 6) for gram, value in sorted(self.idf.items())},
            "weights": {gram: round(value, 6) for gram, value in sorted(self.weights.items()) if abs(value) > 1e-6},
        }

    @classmethod
    def from_payload(cls, payload: dict) -> CrisisModel:
        return cls(
            idf=payload["idf"], weights=payload["weights"], bias=payload["bias"], threshold=payload["threshold"]
        )


@dataclass(frozen=True)
class CrisisModels:
    """The two shipped models: is this crisis language at all, and (among crisis messages) is it a plan."""

    # Crisis language of any level, against ordinary and hard non-crisis messages.
    crisis: CrisisModel
    # Among crisis messages: level 3 (plan, means, intent, preparation, an act) against levels 1 and 2.
    plan: CrisisModel

    def to_json(self) -> str:
        payload = {"crisis": self.crisis.payload(), "plan": self.plan.payload()}
        return json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def train_all(rows: Sequence[tuple[str, int]]) -> CrisisModels:
    """Train both models from (model text, reviewed level 0..3) pairs."""
    crisis = train([(text, 1 if level > 0 else 0) for text, level in rows], threshold=CRISIS_THRESHOLD)
    plan = train([(text, 1 if level == 3 else 0) for text, level in rows if level > 0], threshold=PLAN_THRESHOLD)
    return CrisisModels(crisis=crisis, plan=plan)


def _tfidf(grams: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear term frequency times idf, L2-normalised, over the grams the model knows."""
    vector = {gram: (1.0 + math.log(count)) * idf[gram] for gram, count in grams.items() if gram in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {gram: v / norm for gram, v in vector.items()} if norm else {}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def train(
    examples: Sequence[tuple[str, int]],
    *,
    l2: float = 1e-3,
    epochs: int = 60,
    learning_rate: float = 0.5,
    threshold: float = CRISIS_THRESHOLD,
    seed: int = 7,
) -> CrisisModel:
    """Fit a logistic regression on (normalised text, 0 or 1) pairs; deterministic for a given seed.

    Classes are weighted so each counts as much as the other, whatever their sizes. Stochastic gradient
    descent with AdaGrad step sizes: a few seconds for a few thousand messages.
    """
    documents = [features(text) for text, _label in examples]
    document_frequency: Counter[str] = Counter()
    for grams in documents:
        document_frequency.update(grams.keys())
    n = len(documents)
    idf = {gram: math.log((1 + n) / (1 + df)) + 1.0 for gram, df in document_frequency.items()}
    vectors = [_tfidf(grams, idf) for grams in documents]
    labels = [label for _text, label in examples]
    positives = sum(labels)
    class_weight = {1: n / (2 * max(1, positives)), 0: n / (2 * max(1, n - positives))}

    weights: dict[str, float] = {}
    squared: dict[str, float] = {}
    bias, bias_squared = 0.0, 0.0
    order = list(range(n))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            vector, label = vectors[i], labels[i]
            score = bias + sum(weights.get(gram, 0.0) * value for gram, value in vector.items())
            error = (_sigmoid(score) - label) * class_weight[label]
            for gram, value in vector.items():
                w = weights.get(gram, 0.0)
                gradient = error * value + l2 * w
                squared[gram] = squared.get(gram, 0.0) + gradient * gradient
                weights[gram] = w - learning_rate * gradient / (math.sqrt(squared[gram]) + 1e-8)
            bias_squared += error * error
            bias -= learning_rate * error / (math.sqrt(bias_squared) + 1e-8)
    return CrisisModel(idf=idf, weights=weights, bias=bias, threshold=threshold)


def training_examples(lines: Iterable[str], normalize) -> list[tuple[str, int]]:
    """Return (normalised text, reviewed level 0..3) pairs from JSON lines with ``text`` and ``level``.

    Messages about someone else at risk (``note`` mentions "other") are left out: the model speaks only to
    the author's own risk; concern for others is the patterns' job.
    """
    examples = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        if "other" in item.get("note", ""):
            continue
        examples.append((normalize(item["text"]), int(item["level"])))
    return examples


@cache
def load() -> CrisisModels | None:
    """Return the shipped models, or None if their file is missing (then only the patterns run)."""
    try:
        payload = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return CrisisModels(
        crisis=CrisisModel.from_payload(payload["crisis"]), plan=CrisisModel.from_payload(payload["plan"])
    )
