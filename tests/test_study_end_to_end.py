"""A tiny real study: two personalities, one seed, one short day, in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pepa.agent.study.runner import StudyConfig, run_study


@pytest.mark.slow
def test_a_tiny_study_runs_and_reports(tmp_path: Path) -> None:
    cfg = StudyConfig(
        days=1,
        seeds=1,
        personalities=["Lazy", "Curious"],
        day_start_h=8.0,
        day_end_h=9.5,
        qa_per_kind=2,
    )
    result = run_study(cfg, tmp_path, show_progress=False)
    assert result.findings.personalities == ["Curious", "Lazy"]
    for name in ("report.md", "report.html", "claims.json", "plots/heatmap_lazy.png"):
        assert (tmp_path / name).is_file(), name
    claims = {c["id"]: c for c in json.loads((tmp_path / "claims.json").read_text())["claims"]}
    assert claims["working_most_completed"]["verdict"] == "skipped"
    (lazy,) = claims["lazy_least_distance"]["differences"]
    assert lazy["subject"] == "Lazy" and lazy["other"] == "Curious" and lazy["other_mean"] > 0
    # one seed x one day: no interval can be drawn, so nothing passes by accident
    assert claims["lazy_least_distance"]["verdict"] == "inconclusive"
    for run in ("lazy-s0", "curious-s0"):
        record = json.loads((tmp_path / "runs" / run / "record.json").read_text())
        assert len(record["days"]) == 1 and record["qa"], run
        assert record["measures"]["growth"]["curve"][0][0] == 0.0, run
        assert (tmp_path / "runs" / run / "summary.json").is_file()
    # started again, the study reads its finished runs back instead of living them again
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/record.json")}
    again = run_study(cfg, tmp_path, show_progress=False)
    assert again.findings.table == result.findings.table
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
