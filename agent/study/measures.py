"""The study's measures of one run, per day and for its first day's exploration.

Each claim of the study is tested on one of these. They are chosen so that they cannot
saturate: a *rate* or a *shape* rather than a total that every personality reaches (coverage
growth instead of final coverage, the entropy and top-5 share of the visits instead of a
revisit ratio that grows with the number of room entries, acceptance as a share of the
requests actually sent). Per-day values let the statistics resample seeds x days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent import metrics
from pepa.agent.sys2.site_map import TRANSIT_KINDS
from pepa.agent.trace import DayTrace
from pepa.building.layout import Building
from pepa.clock import day_of
from pepa.messages import RequestState, UserRequest

_ACCEPTED = {RequestState.ACCEPTED, RequestState.IN_PROGRESS}


class DayMeasures(BaseModel):
    """One day's measures; ``None`` where the day has nothing to measure (no requests)."""

    model_config = ConfigDict(extra="forbid")
    day: int = Field(ge=0)
    rooms: int = Field(ge=0, description="distinct places visited (transit spaces aside)")
    visit_entropy: float = Field(ge=0.0, description="bits, over the places' visit counts")
    top5_share: float = Field(ge=0.0, le=1.0)
    rest_share: float = Field(ge=0.0, le=1.0)
    distance_m: float = Field(ge=0.0)
    social_interactions: int = Field(ge=0)
    expressions: int = Field(ge=0)
    battery_min: float
    risky_events: int = Field(ge=0)
    requests_received: int = Field(ge=0)
    requests_accepted: int = Field(ge=0)
    requests_completed: int = Field(ge=0)
    acceptance_rate: float | None = None
    completion_delay_h: float | None = None
    set_similarity: float | None = Field(default=None, description="vs the previous day")
    sequence_similarity: float | None = Field(default=None, description="vs the previous day")


class CoverageGrowth(BaseModel):
    """How fast the first day made the building known (from a fresh map)."""

    model_config = ConfigDict(extra="forbid")
    curve: list[tuple[float, float]] = Field(description="(hours, share of reachable area)")
    coverage_auc: float = Field(ge=0.0, le=1.0, description="mean share seen over the day")
    t50_h: float = Field(ge=0.0)
    t90_h: float = Field(ge=0.0)
    share_per_hour: float = Field(ge=0.0, description="share seen per hour until 90 %")


class RunMeasures(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[DayMeasures]
    growth: CoverageGrowth


def coverage_growth(trace: DayTrace, building: Building) -> CoverageGrowth:
    curve = metrics.coverage_growth(trace, building)
    t90 = metrics.time_to_coverage(curve, 0.9)
    reached = max((c for h, c in curve if h <= t90), default=0.0)
    return CoverageGrowth(
        curve=curve,
        coverage_auc=round(metrics.coverage_auc(curve), 5),
        t50_h=metrics.time_to_coverage(curve, 0.5),
        t90_h=t90,
        share_per_hour=round(reached / t90, 5) if t90 > 0 else 0.0,
    )


def _done_at(request: UserRequest) -> float | None:
    return next((e.time for e in request.history if e.state == RequestState.DONE), None)


def _request_figures(requests: Sequence[UserRequest]) -> dict[str, float | int | None]:
    accepted = [r for r in requests if _ACCEPTED & ({e.state for e in r.history} | {r.state})]
    done = [r for r in requests if r.state == RequestState.DONE]
    finished = ((r, _done_at(r)) for r in done)
    delays = [max(0.0, t - r.created_at) for r, t in finished if t is not None]
    return {
        "requests_received": len(requests),
        "requests_accepted": len(accepted),
        "requests_completed": len(done),
        "acceptance_rate": round(len(accepted) / len(requests), 4) if requests else None,
        "completion_delay_h": round(sum(delays) / len(delays) / 3600.0, 4) if delays else None,
    }


def run_measures(
    traces: Sequence[DayTrace],
    requests: Iterable[UserRequest],
    building: Building,
    safety_times: Iterable[float] = (),
) -> RunMeasures:
    """Every day's measures; a request belongs to the day it was sent, a safety override to
    the day it happened. Visits leave out the building's transit spaces (corridors, elevator
    lobbies, stairwells)."""
    if not traces:
        raise ValueError("run_measures: the run has no day traces")
    traces = sorted(traces, key=lambda t: t.day)
    by_day: dict[int, list[UserRequest]] = {}
    for r in requests:
        by_day.setdefault(day_of(r.created_at), []).append(r)
    overrides: dict[int, int] = {}
    for t in safety_times:
        overrides[day_of(t)] = overrides.get(day_of(t), 0) + 1
    days: list[DayMeasures] = []
    previous: list[str] | None = None
    passing = {r.id for r in building.rooms if r.kind in TRANSIT_KINDS}
    for tr in traces:
        counts = metrics.visit_counts([tr], passing)
        sequence = metrics.visits([tr], passing)
        days.append(
            DayMeasures(
                day=tr.day,
                rooms=len(counts),
                visit_entropy=round(metrics.visit_entropy(counts), 5),
                top5_share=round(metrics.top_share(counts), 5),
                rest_share=metrics.time_share([tr])["rest"],
                distance_m=round(metrics.path_length(tr), 1),
                social_interactions=metrics.social_interactions([tr]),
                expressions=metrics.expressions([tr]),
                battery_min=round(tr.battery_min, 4),
                risky_events=metrics.risky_events([tr], overrides.get(tr.day, 0)),
                set_similarity=None
                if previous is None
                else round(metrics.set_similarity(previous, sequence), 4),
                sequence_similarity=None
                if previous is None
                else round(metrics.sequence_similarity(previous, sequence), 4),
                **_request_figures(by_day.get(tr.day, [])),
            )
        )
        previous = sequence
    return RunMeasures(days=days, growth=coverage_growth(traces[0], building))


class Unit(StrEnum):
    """What a measure's values are per, hence what the statistics resample."""

    DAY = "day"  # one value per seed x day
    RUN = "run"  # one value per seed (the first day's exploration)


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    label: str
    unit: Unit


#: Every measure a claim may name, with its label, in report order.
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(name="coverage_auc", label="coverage growth (mean share seen, day 1)",
                unit=Unit.RUN),
        Measure(name="t50_h", label="hours to 50 % of the area (day 1)", unit=Unit.RUN),
        Measure(name="t90_h", label="hours to 90 % of the area (day 1)", unit=Unit.RUN),
        Measure(name="share_per_hour", label="area share seen per hour until 90 % (day 1)",
                unit=Unit.RUN),
        Measure(name="rooms", label="distinct places per day", unit=Unit.DAY),
        Measure(name="visit_entropy", label="visit entropy (bits)", unit=Unit.DAY),
        Measure(name="top5_share", label="top-5 share of visits", unit=Unit.DAY),
        Measure(name="set_similarity", label="day-to-day similarity of visited places",
                unit=Unit.DAY),
        Measure(name="sequence_similarity", label="day-to-day similarity of visit sequences",
                unit=Unit.DAY),
        Measure(name="rest_share", label="rest share", unit=Unit.DAY),
        Measure(name="distance_m", label="distance per day (m)", unit=Unit.DAY),
        Measure(name="social_interactions", label="social interactions per day",
                unit=Unit.DAY),
        Measure(name="expressions", label="expressions per day", unit=Unit.DAY),
        Measure(name="battery_min", label="battery margin (daily minimum charge)",
                unit=Unit.DAY),
        Measure(name="risky_events", label="risky events per day", unit=Unit.DAY),
        Measure(name="requests_received", label="requests sent per day", unit=Unit.DAY),
        Measure(name="acceptance_rate", label="share of requests accepted", unit=Unit.DAY),
        Measure(name="requests_completed", label="requests completed per day", unit=Unit.DAY),
        Measure(name="completion_delay_h", label="completion delay (h)", unit=Unit.DAY),
    )
}  # fmt: skip


def values(run: RunMeasures, measure: str) -> dict[int, float]:
    """The run's values of ``measure``: day -> value (a per-run measure is filed under day 0);
    days where the measure is undefined are left out."""
    m = MEASURES.get(measure)
    if m is None:
        raise ValueError(f"unknown measure {measure!r}; known: {', '.join(MEASURES)}")
    if m.unit == Unit.RUN:
        return {0: float(getattr(run.growth, measure))}
    out = {}
    for d in run.days:
        v = getattr(d, measure)
        if v is not None:
            out[d.day] = float(v)
    return out
