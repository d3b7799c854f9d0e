"""The crisis detector against the labelled development set (/work/shared/data/crisis_dev.jsonl).

The set lives outside the repository: set CRISIS_DEV_SET to its path, or keep the shared layout
(<repo>/../shared/data/crisis_dev.jsonl).

The crisis patterns were written against these sentences, so a score here measures how well the detector
remembers them, not how well it reads new messages: it is a regression guard (a broken or weakened detector
fails it), not a measure of quality. The real measure is the blind held-out sets in
tests/moderation/test_crisis_model.py (and the final held-out sets in docs/benchmarks.md), written by people
who saw neither the patterns nor the training data. The behaviour tests in test_crisis.py use messages of
their own.
"""

import json
import os
from pathlib import Path

import pytest

from moderation.crisis import detect_crisis
from tests.services import IN_CI

# Floors a little under what the detector measures on this set today (60 messages, 30 crisis: recall 1.00,
# false-positive rate 0.00, level agreement 0.98). Recall 1.0 on a set the patterns were written against is
# memory, not skill, so the floor allows three misses in 30 rather than demanding a perfect score.
MIN_RECALL = 0.9  # crisis messages that reach level 1 or more
MAX_FALSE_POSITIVE_RATE = 0.1  # at most 1 in 10 non-crisis messages get a level
MIN_LEVEL_AGREEMENT = 0.75  # the exact level matches the reviewer's for most messages


def dev_set_path() -> Path:
    override = os.environ.get("CRISIS_DEV_SET")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "crisis_dev.jsonl"


@pytest.fixture(scope="module")
def scored():
    path = dev_set_path()
    if not path.is_file():
        message = f"crisis dev set not found at {path} (it lives outside the repo; set CRISIS_DEV_SET)"
        if IN_CI:  # CI runs with shared/ beside the clone: a missing set there is a broken set-up
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row, detect_crisis(row["text"]).level) for row in rows]


def summary(scored) -> str:
    crisis = [(row, level) for row, level in scored if row["label"] == "crisis"]
    calm = [(row, level) for row, level in scored if row["label"] != "crisis"]
    recall = sum(level >= 1 for _, level in crisis) / len(crisis)
    false_positive_rate = sum(level > 0 for _, level in calm) / len(calm)
    agreement = sum(level == row["level"] for row, level in scored) / len(scored)
    misses = [
        f"  expected {row['level']}, got {level}: {row['text']}" for row, level in scored if level != row["level"]
    ]
    return "\n".join(
        [
            f"dev set: {len(scored)} messages ({len(crisis)} crisis, {len(calm)} not)",
            f"recall {recall:.2f}, false-positive rate {false_positive_rate:.2f}, level agreement {agreement:.2f}",
            *misses,
        ]
    )


def test_crisis_messages_get_a_level(scored):
    missed = [row["text"] for row, level in scored if row["label"] == "crisis" and level < 1]
    crisis_count = sum(row["label"] == "crisis" for row, _ in scored)
    recall = 1 - len(missed) / crisis_count
    print(summary(scored))
    assert recall >= MIN_RECALL, f"{summary(scored)}\nmissed: {missed}"


def test_few_non_crisis_messages_get_a_level(scored):
    raised = [row["text"] for row, level in scored if row["label"] != "crisis" and level > 0]
    calm_count = sum(row["label"] != "crisis" for row, _ in scored)
    assert len(raised) / calm_count <= MAX_FALSE_POSITIVE_RATE, f"{summary(scored)}\nraised: {raised}"


def test_levels_mostly_agree_with_the_reviewer(scored):
    agreement = sum(level == row["level"] for row, level in scored) / len(scored)
    assert agreement >= MIN_LEVEL_AGREEMENT, summary(scored)
