"""Training the crisis language model (``moderation.crisis_model``): a build-time tool, never imported by the server.

Needs the ``dev`` extra (scikit-learn). Deterministic: the same data and library versions give the same
weights. ``python manage.py train_crisis_model`` runs it and writes ``moderation/data/crisis_model.npz``.

How thresholds are chosen, never on the final held-out set: every blind writer's set (``source``) is left
out in turn, the heads are trained on the others and read the left-out set, so each message gets a
probability from a model that never saw its writer's wording. Per sensitivity, the crisis head's threshold
is the lowest whose out-of-fold false alarms stay within that sensitivity's budget on ordinary chat and on
hard non-crisis messages (``FALSE_ALARM_BUDGETS``); the severe and plan heads' are the lowest that put at
most the budgeted share of non-crisis messages at their level. ``hold_confidence`` is the lowest plan
probability at which out-of-fold level-3 calls were right at least HOLD_PRECISION of the time.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from moderation.crisis_model import HEADS, SENSITIVITIES, CrisisModel, features

# Regularisation of the logistic regressions, chosen by the leave-one-writer-out cross-validation.
C = 3.0
# A word or word pair must appear in this many training messages to be in the vocabulary.
MIN_DOCUMENT_FREQUENCY = 2
# Out-of-fold false alarms each sensitivity allows: (ordinary chat raised, hard non-crisis raised,
# non-crisis reaching level 2, non-crisis reaching level 3).
FALSE_ALARM_BUDGETS = {
    "high": (0.04, 0.10, 0.03, 0.01),
    "standard": (0.02, 0.05, 0.015, 0.005),
    "low": (0.01, 0.025, 0.0075, 0.0025),
}
# The model alone holds a message from the room only where, out of fold, its level-3 calls were right this
# often, and at most this share of ordinary and hard non-crisis messages would have been held.
HOLD_PRECISION = 0.98
HOLD_FALSE_ALARMS = 0.0005


@dataclass(frozen=True)
class Example:
    text: str  # the model text: normalised, idioms blanked (moderation.crisis.model_text)
    level: int  # the author's own risk, 0..3 (0 for messages about someone else)
    source: str  # who wrote it: one blind set
    group: str  # crisis, other (someone else at risk), hard (non-crisis that sounds like it) or ordinary


def examples_from_jsonl(lines: Iterable[str], model_text) -> list[Example]:
    """Return training examples from JSON lines with ``text``, ``level``, ``about`` and ``source``."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        level = int(item["level"]) if item.get("about", "self") == "self" else 0
        group = item.get("group") or ("crisis" if level else "hard")
        out.append(Example(model_text(item["text"]), level, item.get("source", ""), group))
    return out


def data_digest(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _matrix(examples: Sequence[Example], index: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    rows, cols, values = [], [], []
    for row, example in enumerate(examples):
        entries = [(index[g], 1.0 + math.log(c)) for g, c in features(example.text).items() if g in index]
        if not entries:
            continue
        ids = np.array([i for i, _ in entries])
        weights = np.array([v for _, v in entries]) * idf[ids]
        weights /= np.linalg.norm(weights)
        rows.extend([row] * len(ids))
        cols.extend(ids.tolist())
        values.extend(weights.tolist())
    return csr_matrix((values, (rows, cols)), shape=(len(examples), len(index)))


def _labels(examples: Sequence[Example]) -> np.ndarray:
    levels = np.array([e.level for e in examples])
    return np.stack([levels >= 1, levels >= 2, levels >= 3], axis=1)


def fit_heads(examples: Sequence[Example]) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Return (index, idf, coef, bias) of the three heads trained on ``examples``."""
    from sklearn.linear_model import LogisticRegression

    document_frequency: Counter[str] = Counter()
    for example in examples:
        document_frequency.update(features(example.text).keys())
    vocabulary = sorted(g for g, df in document_frequency.items() if df >= MIN_DOCUMENT_FREQUENCY)
    index = {g: i for i, g in enumerate(vocabulary)}
    n = len(examples)
    idf = np.array([math.log((1 + n) / (1 + document_frequency[g])) + 1.0 for g in vocabulary])
    matrix = _matrix(examples, index, idf)
    labels = _labels(examples)
    coef = np.zeros((len(vocabulary), len(HEADS)))
    bias = np.zeros(len(HEADS))
    for head in range(len(HEADS)):
        regression = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, tol=1e-8)
        regression.fit(matrix, labels[:, head])
        coef[:, head] = regression.coef_[0]
        bias[head] = regression.intercept_[0]
    return index, idf, coef, bias


def out_of_fold(examples: Sequence[Example]) -> np.ndarray:
    """Return (messages, heads) probabilities, each from heads trained without the message's source."""
    probabilities = np.zeros((len(examples), len(HEADS)))
    sources = np.array([e.source for e in examples])
    for source in sorted(set(sources.tolist())):
        held = np.flatnonzero(sources == source)
        kept = [examples[i] for i in np.flatnonzero(sources != source)]
        index, idf, coef, bias = fit_heads(kept)
        scores = _matrix([examples[i] for i in held], index, idf) @ coef + bias
        probabilities[held] = 1.0 / (1.0 + np.exp(-scores))
    return probabilities


def _lowest_within(probabilities: np.ndarray, budget: float) -> float:
    """The lowest threshold (to 0.001) at which at most ``budget`` of ``probabilities`` pass."""
    ranked = np.sort(probabilities)[::-1]
    allowed = math.floor(budget * len(ranked))
    if allowed >= len(ranked):
        return 0.0
    return float(math.floor(ranked[allowed] * 1000) / 1000 + 0.001)


def choose_thresholds(examples: Sequence[Example], oof: np.ndarray) -> tuple[dict[str, tuple], float]:
    groups = np.array([e.group for e in examples])
    ordinary, hard = oof[groups == "ordinary"], oof[groups == "hard"]
    calm = oof[(groups == "ordinary") | (groups == "hard")]
    thresholds = {}
    for name in SENSITIVITIES:
        ordinary_budget, hard_budget, severe_budget, plan_budget = FALSE_ALARM_BUDGETS[name]
        crisis = max(_lowest_within(ordinary[:, 0], ordinary_budget), _lowest_within(hard[:, 0], hard_budget))
        raised = calm[calm[:, 0] >= crisis]
        # Budgets are shares of all non-crisis messages; only those the crisis head raised can reach 2 or 3.
        share = len(calm) / max(1, len(raised))
        severe = _lowest_within(raised[:, 1], min(1.0, severe_budget * share))
        at_two = raised[raised[:, 1] >= severe]
        plan = _lowest_within(at_two[:, 2], min(1.0, plan_budget * len(calm) / max(1, len(at_two))))
        thresholds[name] = (crisis, max(severe, 0.5), max(plan, 0.5))
    labels = _labels(examples)
    is_plan = labels[:, 2]
    calm_mask = (groups == "ordinary") | (groups == "hard")
    hold = 1.0
    for candidate in np.arange(0.50, 1.0, 0.01):
        called = (oof[:, 2] >= candidate) & (oof[:, 1] >= 0.5) & (oof[:, 0] >= thresholds["low"][0])
        if (
            called.sum() >= 20
            and is_plan[called].mean() >= HOLD_PRECISION
            and called[calm_mask].mean() <= HOLD_FALSE_ALARMS
        ):
            hold = float(round(candidate, 2))
            break
    return thresholds, hold


def train(lines: Sequence[str], model_text, *, cross_validate: bool = True, previous: CrisisModel | None = None):
    """Return (model, report). Without ``cross_validate``, thresholds are taken from ``previous`` (a cheap check)."""
    examples = examples_from_jsonl(lines, model_text)
    index, idf, coef, bias = fit_heads(examples)
    report: dict = {"messages": len(examples), "by_level": dict(Counter(e.level for e in examples))}
    if cross_validate:
        oof = out_of_fold(examples)
        thresholds, hold = choose_thresholds(examples, oof)
        report["cross_validation"] = cv_table(examples, oof, thresholds, hold)
    else:
        thresholds, hold = previous.thresholds, previous.hold_confidence
    model = CrisisModel(index=index, idf=idf, coef=coef, bias=bias, thresholds=thresholds, hold_confidence=hold)
    return model, report


def cv_table(examples: Sequence[Example], oof: np.ndarray, thresholds: dict, hold: float) -> dict:
    """Out-of-fold recall per level and alert rate on non-crisis messages, per sensitivity (for the docs)."""
    levels = np.array([e.level for e in examples])
    groups = np.array([e.group for e in examples])
    table = {}
    for name in SENSITIVITIES:
        t = thresholds[name]
        level = (oof[:, 0] >= t[0]).astype(int)
        level += level.astype(bool) & (oof[:, 1] >= t[1])
        level += (level == 2) & (oof[:, 2] >= t[2])
        row = {"thresholds": [round(x, 3) for x in t]}
        for wanted in (1, 2, 3):
            row[f"level{wanted}_raised"] = round(float((level[levels == wanted] >= 1).mean()), 3)
        row["level3_at_3"] = round(float((level[levels == 3] == 3).mean()), 3)
        for group in ("ordinary", "hard"):
            row[f"{group}_raised"] = round(float((level[groups == group] >= 1).mean()), 3)
            row[f"{group}_at_3"] = round(float((level[groups == group] == 3).mean()), 3)
        table[name] = row
    table["hold_confidence"] = hold
    return table
