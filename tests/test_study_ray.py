"""The study on Ray (a local ``ray.init()`` here) gives the local runner's claims, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pepa.agent.study.ray_runner import LOCAL
from pepa.agent.study.runner import StudyConfig, run_study


def _records(out: Path) -> dict[str, dict]:
    """Each run's record without what a machine's speed decides (wall and CPU time)."""
    records = {}
    for path in sorted((out / "runs").glob("*/record.json")):
        record = json.loads(path.read_text())
        records[path.parent.name] = {
            k: v for k, v in record.items() if k not in ("wall_s", "cpu_s")
        }
    return records


@pytest.mark.slow
def test_ray_and_local_runners_give_identical_claims(tmp_path: Path) -> None:
    cfg = StudyConfig(
        days=1,
        seeds=1,
        personalities=["Lazy", "Curious"],
        day_start_h=8.0,
        day_end_h=9.0,
        qa_per_kind=2,
        workers=2,
    )
    run_study(cfg, tmp_path / "local", show_progress=False)
    run_study(cfg, tmp_path / "ray", show_progress=False, ray_address=LOCAL)
    local, ray = (json.loads((tmp_path / d / "claims.json").read_text()) for d in ("local", "ray"))
    assert ray == local
    assert _records(tmp_path / "ray") == _records(tmp_path / "local")
    assert len(_records(tmp_path / "ray")) == len(cfg.specs())
