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

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from moderation.crisis_model import SENSITIVITIES, CrisisModel
from moderation.text_training import fit, lowest_within, out_of_fold

# Regularisation of the logistic regressions, chosen by the leave-one-writer-out cross-validation.
C = 3.0
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
# The "other" head learns concern for someone at this risk level or more (what the pipeline escalates). Its
# threshold is the lowest that, out of fold, reads at most CONCERN_FALSE_ALARMS of ordinary and hard messages
# and at most CONCERN_SELF_FALSE_ALARMS of the author's own crisis messages as someone else at risk.
OTHER_AT_RISK_LEVEL = 2
CONCERN_FALSE_ALARMS = 0.005
CONCERN_SELF_FALSE_ALARMS = 0.03


@dataclass(frozen=True)
class Example:
    text: str  # the model text: normalised, idioms marked (moderation.crisis.model_text)
    level: int  # the author's own risk, 0..3 (0 for messages about someone else)
    source: str  # who wrote it: one blind set
    group: str  # crisis, other (someone else at risk), hard (non-crisis that sounds like it) or ordinary
    other_level: int = 0  # for group "other": that person's risk, 0..3


def examples_from_jsonl(lines: Iterable[str], model_text) -> list[Example]:
    """Return training examples from JSON lines with ``text``, ``level``, ``about``, ``group`` and ``source``."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        level = int(item["level"]) if item.get("about", "self") == "self" else 0
        group = item.get("group") or ("crisis" if level else "hard")
        other_level = int(item.get("other_level", 0)) if item.get("about") == "other" else 0
        out.append(Example(model_text(item["text"]), level, item.get("source", ""), group, other_level))
    return out


def _labels(examples: Sequence[Example]) -> np.ndarray:
    """Messages x heads (crisis, severe, plan, other): what each head should say yes to."""
    levels = np.array([e.level for e in examples])
    other = np.array([e.other_level >= OTHER_AT_RISK_LEVEL for e in examples])
    return np.stack([levels >= 1, levels >= 2, levels >= 3, other], axis=1)


def choose_thresholds(examples: Sequence[Example], oof: np.ndarray) -> tuple[dict[str, tuple], float, float]:
    groups = np.array([e.group for e in examples])
    ordinary, hard = oof[groups == "ordinary"], oof[groups == "hard"]
    calm_mask = (groups == "ordinary") | (groups == "hard")
    calm = oof[calm_mask]
    thresholds = {}
    for name in SENSITIVITIES:
        ordinary_budget, hard_budget, severe_budget, plan_budget = FALSE_ALARM_BUDGETS[name]
        crisis = max(lowest_within(ordinary[:, 0], ordinary_budget), lowest_within(hard[:, 0], hard_budget))
        raised = calm[calm[:, 0] >= crisis]
        # Budgets are shares of all non-crisis messages; only those the crisis head raised can reach 2 or 3.
        share = len(calm) / max(1, len(raised))
        severe = lowest_within(raised[:, 1], min(1.0, severe_budget * share))
        at_two = raised[raised[:, 1] >= severe]
        plan = lowest_within(at_two[:, 2], min(1.0, plan_budget * len(calm) / max(1, len(at_two))))
        thresholds[name] = (crisis, max(severe, 0.5), max(plan, 0.5))
    # A less sensitive setting never alerts where a more sensitive one would not: each head's threshold
    # only rises from high to low (the severe and plan budgets are relative, so they could cross).
    for more, less in pairwise(SENSITIVITIES):
        thresholds[less] = tuple(max(a, b) for a, b in zip(thresholds[more], thresholds[less], strict=True))
    labels = _labels(examples)
    is_plan = labels[:, 2]
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
    concern = max(
        lowest_within(oof[calm_mask, 3], CONCERN_FALSE_ALARMS),
        lowest_within(oof[groups == "crisis", 3], CONCERN_SELF_FALSE_ALARMS),
    )
    return thresholds, hold, concern


def train(lines: Sequence[str], model_text, *, cross_validate: bool = True, previous: CrisisModel | None = None):
    """Return (model, report). Without ``cross_validate``, thresholds are taken from ``previous`` (a cheap check)."""
    examples = examples_from_jsonl(lines, model_text)
    texts = [e.text for e in examples]
    labels = _labels(examples)
    words = fit(texts, labels, C)
    report: dict = {"messages": len(examples), "by_level": dict(Counter(e.level for e in examples))}
    if cross_validate:
        oof = out_of_fold(texts, labels, np.array([e.source for e in examples]), C)
        thresholds, hold, concern = choose_thresholds(examples, oof)
        report["cross_validation"] = cv_table(examples, oof, thresholds, hold, concern)
    else:
        thresholds, hold, concern = previous.thresholds, previous.hold_confidence, previous.concern_threshold
    return CrisisModel(words, thresholds, hold, concern), report


def cv_table(examples: Sequence[Example], oof: np.ndarray, thresholds: dict, hold: float, concern: float) -> dict:
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
    other = np.array([e.other_level >= OTHER_AT_RISK_LEVEL for e in examples])
    table["concern"] = {
        "threshold": concern,
        "other_at_risk_read": round(float((oof[other, 3] >= concern).mean()), 3),
        "ordinary_or_hard_read": round(
            float((oof[(groups == "ordinary") | (groups == "hard"), 3] >= concern).mean()), 4
        ),
        "own_crisis_read": round(float((oof[groups == "crisis", 3] >= concern).mean()), 3),
    }
    return table
