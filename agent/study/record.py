"""One run of the study, reduced to what the report needs: its summary, its days' activity and
place distributions, its reward weights over the days, where it spent its time, and its
memory QA. Everything is read back from the run's data directory, after the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from pepa.agent import metrics
from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.heatmap import HeatMap
from pepa.agent.study.measures import RunMeasures, run_measures
from pepa.agent.study.memory_qa import QAResult
from pepa.agent.sys3.reflection_log import ReflectionLog
from pepa.agent.trace import TRACE_DIR, DayTrace
from pepa.building.layout import Building
from pepa.messages import UserRequest
from pepa.personalities.model import Personality

_TRACE = TypeAdapter(DayTrace)


class RunSet(StrEnum):
    """Which set of runs: the study's own (``main``) or the extra runs under the busy request
    load that the request claims are measured on."""

    MAIN = "main"
    BUSY = "busy"


class RunSpec(BaseModel):
    """Which run: a personality, a seed, an ablation (``none`` for the full agent) and, in a
    study over several buildings, which building."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    personality: str = Field(min_length=1)
    seed: int = Field(ge=0)
    ablation: Ablation = Ablation.NONE
    world: str = Field(
        default="", pattern=r"^[a-z0-9-]*$", description="building label; '' for the only one"
    )
    runs: RunSet = RunSet.MAIN

    @property
    def name(self) -> str:
        base = f"{self.personality.lower()}-s{self.seed}"
        if self.world:
            base = f"{self.world}-{base}"
        if self.runs != RunSet.MAIN:
            base = f"{base}-{self.runs.value}"
        return base if self.ablation == Ablation.NONE else f"{base}-{self.ablation.value}"


class DayProfile(BaseModel):
    """One day's shape: what the robot spent its time on, and where."""

    model_config = ConfigDict(extra="forbid")
    day: int
    activity: dict[str, float]
    places: dict[str, float]
    distance_m: float
    battery_min: float
    battery_mean: float


class RunRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: RunSpec
    summary: metrics.Summary
    battery_mean: float
    expressions: int
    safety_overrides: int
    risky_events: int
    days: list[DayProfile]
    weights: list[dict[str, float]] = Field(
        description="reward weights at the start, then after each day's reflection"
    )
    heatmap: HeatMap
    measures: RunMeasures
    qa: list[QAResult] = Field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = Field(default=0.0, description="the worker's CPU time (user + system)")


def full_runs(records: Iterable[RunRecord], runs: RunSet = RunSet.MAIN) -> list[RunRecord]:
    """The full agent's runs (no ablation) of one run set."""
    return [r for r in records if r.spec.ablation == Ablation.NONE and r.spec.runs == runs]


def read_traces(run_dir: Path) -> list[DayTrace]:
    """The day traces the runtime saved, in day order; a run without any is an error."""
    files = sorted((run_dir / TRACE_DIR).glob("day-*.json"))
    if not files:
        raise FileNotFoundError(f"{run_dir / TRACE_DIR}: no day traces (did the run finish?)")
    out = []
    for path in files:
        try:
            out.append(_TRACE.validate_json(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise ValueError(f"{path}: not a day trace ({exc})") from None
    return sorted(out, key=lambda t: t.day)


def weights_over_days(
    run_dir: Path, personality: Personality, days: int
) -> list[dict[str, float]]:
    """Initial weights, then each day's ``weights_after`` (unchanged on a day without one)."""
    log = ReflectionLog(run_dir)
    current = personality.weights()
    out = [dict(current)]
    for day in range(days):
        r = log.read(day)
        if r is not None and r.weights_after:
            current = dict(r.weights_after)
        out.append(dict(current))
    return out


def build_record(
    spec: RunSpec,
    run_dir: Path,
    building: Building,
    personality: Personality,
    *,
    summary: metrics.Summary,
    requests: Sequence[UserRequest],
    safety_times: Sequence[float],
    qa: list[QAResult],
    wall_s: float,
) -> RunRecord:
    """The record of a finished run: ``summary`` is the experiment's own summary;
    ``safety_times`` are when the safety guard overrode the robot."""
    traces = read_traces(run_dir)
    days = [
        DayProfile(
            day=tr.day,
            activity=metrics.time_share([tr]),
            places=metrics.place_share([tr]),
            distance_m=round(metrics.path_length(tr), 1),
            battery_min=round(tr.battery_min, 4),
            battery_mean=round(metrics.battery_mean([tr]), 4),
        )
        for tr in traces
    ]
    return RunRecord(
        spec=spec,
        summary=summary,
        battery_mean=round(metrics.battery_mean(traces), 4),
        expressions=metrics.expressions(traces),
        safety_overrides=len(safety_times),
        risky_events=metrics.risky_events(traces, len(safety_times)),
        days=days,
        weights=weights_over_days(run_dir, personality, len(traces)),
        heatmap=HeatMap.from_traces(traces, building),
        measures=run_measures(traces, requests, building, safety_times),
        qa=qa,
        wall_s=round(wall_s, 2),
    )


__all__ = [
    "DayProfile",
    "RunRecord",
    "RunSet",
    "RunSpec",
    "build_record",
    "full_runs",
    "read_traces",
]
