"""Training the harassment model (``moderation.harassment_model``): a build-time tool, never imported by the server.

Examples: ``moderation/data/harassment_training.jsonl`` (harassment and heated-but-legitimate messages
written blind) plus every message of ``crisis_training.jsonl`` as not harassment (distress, clinical talk
and ordinary chat must never read as an attack). Five folds, assigned by a hash of the text so they are
stable; the threshold is the lowest whose out-of-fold false alarms stay within FALSE_ALARM_BUDGET on all
non-harassment messages and within VENTING_BUDGET on the heated venting of the harassment set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np

from moderation.harassment_model import HarassmentModel
from moderation.text_training import fit, lowest_within, out_of_fold

C = 3.0
FOLDS = 5
FALSE_ALARM_BUDGET = 0.01
VENTING_BUDGET = 0.08


def examples(
    harassment_lines: Sequence[str], crisis_lines: Sequence[str], model_text
) -> tuple[list, np.ndarray, np.ndarray]:
    """Return (texts, is_harassment, is_venting) over both files."""
    texts, positive, venting = [], [], []
    for line in harassment_lines:
        if line.strip():
            item = json.loads(line)
            texts.append(model_text(item["text"]))
            positive.append(item["label"] == "harassment")
            venting.append(item["label"] != "harassment")
    for line in crisis_lines:
        if line.strip():
            texts.append(model_text(json.loads(line)["text"]))
            positive.append(False)
            venting.append(False)
    return texts, np.array(positive), np.array(venting)


def _fold(text: str) -> int:
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % FOLDS


def train(harassment_lines, crisis_lines, model_text, *, cross_validate=True, previous: HarassmentModel | None = None):
    """Return (model, report); without ``cross_validate`` the threshold is ``previous``'s (a cheap check)."""
    texts, positive, venting = examples(harassment_lines, crisis_lines, model_text)
    labels = positive[:, None]
    words = fit(texts, labels, C)
    report: dict = {"messages": len(texts), "harassment": int(positive.sum())}
    if not cross_validate:
        return HarassmentModel(words, previous.threshold), report
    oof = out_of_fold(texts, labels, np.array([_fold(t) for t in texts]), C)[:, 0]
    threshold = max(lowest_within(oof[~positive], FALSE_ALARM_BUDGET), lowest_within(oof[venting], VENTING_BUDGET))
    report["cross_validation"] = {
        "threshold": threshold,
        "harassment_flagged": round(float((oof[positive] >= threshold).mean()), 3),
        "venting_flagged": round(float((oof[venting] >= threshold).mean()), 3),
        "other_messages_flagged": round(float((oof[~positive & ~venting] >= threshold).mean()), 4),
    }
    return HarassmentModel(words, threshold), report
