"""Report generation: the files exist and hold the tables, the plots and the claims."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from study_support import office, record

from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.analysis import analyse
from pepa.agent.study.report import write_report


def _records() -> list:
    recs = []
    for s in range(2):
        recs += [
            record("Curious", s, coverage=0.6, distance=3000, growth=0.7 + 0.01 * s),
            record("Lazy", s, distance=200, rest=0.6, growth=0.3),
            record("Curious", s, ablation=Ablation.NO_MEMORY, coverage=0.4),
            record("Lazy", s, ablation=Ablation.NO_MEMORY, distance=300),
        ]
    return recs


def test_report_files_hold_tables_plots_and_claims(tmp_path: Path) -> None:
    recs = _records()
    findings = analyse(recs)
    paths = write_report(findings, recs, tmp_path, building=office(), wall_s=12.0)
    md = paths["md"].read_text(encoding="utf-8")
    page = paths["html"].read_text(encoding="utf-8")
    for title in (
        "Trait alignment",
        "Measures, main runs (mean",
        "Per personality",
        "Share of time per activity category",
        "Requests",
        "Reward weights",
        "Jensen–Shannon divergence of the activity distribution",
        "Ablations side by side",
        "Memory QA accuracy per question type",
    ):
        assert title in md and title in page
    assert "| Curious | no_memory |" in md
    images = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "plots").glob("*.png"))
    assert {
        "plots/figures.png",
        "plots/time_share.png",
        "plots/requests.png",
        "plots/weights.png",
        "plots/stability.png",
        "plots/ablations.png",
        "plots/heatmap_curious.png",
        "plots/heatmap_lazy.png",
        "plots/forest.png",
        "plots/coverage_growth.png",
    } <= set(images)
    for rel in images:
        assert f"]({rel})" in md and f'src="{rel}"' in page
        with Image.open(tmp_path / rel) as im:
            assert im.size[0] > 200 and im.size[1] > 100
    claims = json.loads(paths["claims"].read_text(encoding="utf-8"))
    assert claims["personalities"] == ["Curious", "Lazy"] and claims["seeds"] == [0, 1]
    by_id = {c["id"]: c for c in claims["claims"]}
    cov = by_id["curious_fastest_coverage"]
    assert cov["passed"] is True and cov["differences"][0]["other"] == "Lazy"
    assert cov["differences"][0]["subject_mean"] == 0.705
    assert "Curious−Lazy +0.405 [" in md  # the claims table shows the interval
    assert by_id["working_most_completed"]["verdict"] == "skipped"
    assert claims["passed"] == sum(c["passed"] for c in claims["claims"])


def test_a_study_of_ablations_only_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="no run of the full agent"):
        analyse([record("Lazy", 0, ablation=Ablation.NO_MEMORY)])
