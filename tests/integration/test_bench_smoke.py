"""The fan-out harness (bench/fanout.py) still runs end to end: a smoke test at a tiny load, not the benchmark.

It starts the three kinds of server the benchmark compares (our server on PostgreSQL + Redis, the Channels
tutorial chat, the plain websockets server), runs one short phase of each scenario and renders the report.
Speed is not asserted: only that every message reached every member once, in order.
"""

import json

import pytest

from bench import fanout, report
from tests import services as test_services

pytestmark = pytest.mark.integration


def test_fanout_harness_measures_every_kind_of_server_and_renders_the_report(tmp_path, monkeypatch):
    postgres, redis = test_services.require_postgres(), test_services.require_redis()
    monkeypatch.setattr(fanout, "POSTGRES", postgres)
    monkeypatch.setattr(fanout, "REDIS", redis)
    path = fanout.main(
        [
            "--only",
            "raw,tutorial-memory,ours-production",
            "--seconds",
            "1",
            "--loads",
            "100",
            "--saturation",
            "0",
            # The machine may be busy with other tests: this checks that nothing is lost, not how fast.
            "--grace",
            "20",
            "--members",
            "3",
            "--output",
            str(tmp_path),
            "--no-report",
        ]
    )
    run = json.loads(path.read_text())
    assert [r["config"] for r in run["results"]] == ["raw", "tutorial-memory", "ours-production"]
    for result in run["results"]:
        assert "error" not in result, result.get("error")
        for load in result["fanout"]["loads"]:
            assert load["messages_sent"] > 0 and load["expected"] == load["messages_sent"] * 3
            assert (load["delivered"], load["duplicates"], load["reordered"]) == (load["expected"], 0, 0), load
            assert load["p99_ms"] is not None
    ours = run["results"][-1]["fanout"]["loads"]
    crisis = next(load for load in ours if "crisis_alerts_sent" in load)
    assert crisis["crisis_alerts_received"] == crisis["crisis_alerts_sent"] > 0, (
        "every crisis alert reached the moderator"
    )

    section = report.render(run, [run], plot_path=None)
    assert "| plain `websockets` broadcast (no framework) |" in section
    assert "| ours, PostgreSQL + Redis, 1 process |" in section
