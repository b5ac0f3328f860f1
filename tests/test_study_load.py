"""The study's request load: named scenarios or a rate, passed on to every run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepa.agent.study.cli import _busy_load, _load, _worlds
from pepa.agent.study.record import RunSet
from pepa.agent.study.runner import LOADS, StudyConfig, generate_worlds
from pepa.building.layout import load_building


def test_named_loads_and_rates_are_understood() -> None:
    assert _load("busy") == LOADS["busy"] and _load("Default") is None
    assert _load("1.5") == 1.5


@pytest.mark.parametrize("text", ["hectic", "-1", "50"])
def test_a_bad_load_names_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="--load"):
        _load(text)


def test_runs_keep_the_default_day_and_busy_runs_get_the_busy_load(tmp_path: Path) -> None:
    cfg = StudyConfig(days=3, seeds=2, personalities=["Lazy"], workers=1)
    main, busy = (
        [s for s in cfg.specs() if s.runs == runs] for runs in (RunSet.MAIN, RunSet.BUSY)
    )
    assert len(main) == len(busy) == 2
    job = cfg.job(main[0], tmp_path)
    assert job.requests_per_person_hour is None and job.days == 3
    job = cfg.job(busy[0], tmp_path)
    assert job.requests_per_person_hour == LOADS["busy"] and job.days == cfg.busy_days == 1
    assert job.run_dir == tmp_path / "runs" / "lazy-s0-busy"
    rate = cfg.model_copy(update={"requests_per_person_hour": 0.25})
    assert rate.job(main[0], tmp_path).requests_per_person_hour == 0.25
    none = cfg.model_copy(update={"busy_requests_per_person_hour": None})
    assert all(s.runs == RunSet.MAIN for s in none.specs())


def test_busy_load_option() -> None:
    assert _busy_load("busy") == LOADS["busy"] and _busy_load("none") is None
    with pytest.raises(ValueError, match="--busy-load"):
        _busy_load("default")


def test_generated_worlds_give_every_run_its_building(tmp_path: Path) -> None:
    cfg = StudyConfig(days=1, seeds=2, personalities=["Lazy", "Curious"], generated_worlds=2)
    specs = cfg.specs()
    assert len(specs) == 2 * 2 * 2 * 2 and {s.world for s in specs} == {"gen-0", "gen-1"}
    assert len({s.name for s in specs}) == len(specs)  # each run its own directory
    generate_worlds(cfg, tmp_path)
    for spec in specs:
        world = Path(cfg.job(spec, tmp_path).world or "")
        assert world.parent == tmp_path / "worlds" and world.stem == spec.world
        assert load_building(world).floor_levels  # a valid building
    before = (tmp_path / "worlds" / "gen-1.yaml").stat().st_mtime_ns
    generate_worlds(cfg, tmp_path)  # a resumed study keeps its buildings
    assert (tmp_path / "worlds" / "gen-1.yaml").stat().st_mtime_ns == before


def test_worlds_option_is_checked() -> None:
    assert _worlds(None) == 0 and _worlds("generated:3") == 3
    with pytest.raises(ValueError, match="--worlds"):
        _worlds("office.yaml")
    with pytest.raises(ValueError, match="not both"):
        StudyConfig(days=1, seeds=1, personalities=["Lazy"], world="x.yaml", generated_worlds=1)
