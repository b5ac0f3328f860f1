"""The study's request load: named scenarios or a rate, passed on to every run."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.study import runner
from agent.study.cli import _load
from agent.study.runner import LOADS, StudyConfig
from agent.study.worker import WorkerJob


def test_named_loads_and_rates_are_understood() -> None:
    assert _load("busy") == LOADS["busy"] and _load("Default") is None
    assert _load("1.5") == 1.5


@pytest.mark.parametrize("text", ["hectic", "-1", "50"])
def test_a_bad_load_names_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="--load"):
        _load(text)


def test_the_study_defaults_to_the_busy_load_and_passes_it_to_each_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = StudyConfig(days=1, seeds=1, personalities=["Lazy"], workers=1)
    assert cfg.requests_per_person_hour == LOADS["busy"]
    jobs: list[WorkerJob] = []

    def capture(job: WorkerJob, _progress: object) -> None:  # instead of a worker process
        jobs.append(job)
        raise RuntimeError("captured")

    monkeypatch.setattr(runner, "_run_worker", capture)
    with pytest.raises(RuntimeError, match="captured"):
        runner.run_all(cfg.model_copy(update={"requests_per_person_hour": 0.25}), tmp_path)
    assert jobs[0].requests_per_person_hour == 0.25
