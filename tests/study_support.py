"""Shared set-up for the study tests: a hand-made day trace with known figures, and run records
built from chosen figures (for the claims and the report)."""

from __future__ import annotations

from functools import lru_cache

from pepa.agent.metrics import CATEGORIES, RequestCounts, Summary
from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.heatmap import HeatMap
from pepa.agent.study.measures import CoverageGrowth, DayMeasures, RunMeasures
from pepa.agent.study.record import DayProfile, RunRecord, RunSet, RunSpec
from pepa.agent.trace import Activity, DayTrace, SkillEnd
from pepa.building.layout import DEFAULT_WORLD, Building, load_building
from pepa.clock import at

T0 = at(0, 8.0)


@lru_cache(maxsize=1)
def office() -> Building:
    return load_building(DEFAULT_WORLD)


def hand_made_trace(day: int = 0) -> DayTrace:
    """A 1000 s day with known figures.

    distance 10 m (a 3-4-5 move there and back); rooms corridor -> lab -> corridor (revisit
    1/3; place share corridor 0.4, lab 0.6); activities explore 200 s, social 400 s, rest
    400 s; battery held 1.0 for 100 s, 0.8 for 100 s, 0.05 for 500 s, 0.5 for 300 s (mean
    0.355, one dip below 10 %); skills: greet alice (success, social), express (success),
    approach bob (failure), dock_and_charge (success); the world boarded elevator_b twice and
    elevator_a once.
    """
    t = at(day, 8.0)
    return DayTrace(
        day=day,
        start=t,
        end=t + 1000,
        poses=[
            (t, 0, 10.0, 10.0, 0.0, 1.0),
            (t + 100, 0, 13.0, 14.0, 0.0, 0.8),
            (t + 200, 0, 13.0, 14.0, 0.0, 0.05),
            (t + 700, 0, 10.0, 10.0, 0.0, 0.5),
        ],
        rooms=[(t, "corridor_0"), (t + 100, "robotics_lab"), (t + 700, "corridor_0")],
        activities=[
            Activity(start=t, end=t + 200, category="explore"),
            Activity(start=t + 200, end=t + 600, category="social"),
            Activity(start=t + 600, end=t + 1000, category="rest"),
        ],
        skills=[
            SkillEnd(t=t + 300, skill="greet", status="success", category="social",
                     people=["alice"]),
            SkillEnd(t=t + 350, skill="express", status="success", category="express"),
            SkillEnd(t=t + 400, skill="approach_person", status="failure", category="social",
                     people=["bob"]),
            SkillEnd(t=t + 800, skill="dock_and_charge", status="success", category="charge"),
        ],
        world_log=[
            (t + 10, "robot boarded elevator_b at floor 0"),
            (t + 40, "robot left elevator_b at floor 1"),
            (t + 50, "robot boarded elevator_b at floor 1"),
            (t + 60, "robot boarded elevator_a at floor 0"),
            (t + 70, "battery recharged: robot can move again"),
        ],
        charging_s=420.0,
    )  # fmt: skip


def record(
    personality: str,
    seed: int,
    *,
    ablation: Ablation = Ablation.NONE,
    days: int = 3,
    coverage: float = 0.3,
    revisit: float = 0.5,
    distance: float = 1000.0,
    social: int = 5,
    expressions: int = 2,
    completed: int = 3,
    battery_min: float = 0.4,
    risky: int = 2,
    rest: float = 0.2,
    activity_days: list[dict[str, float]] | None = None,
    place_days: list[dict[str, float]] | None = None,
    growth: float = 0.5,
    entropy: float = 2.0,
    top5: float = 0.6,
    acceptance: float = 0.8,
    jitter: float = 0.0,
    runs: RunSet = RunSet.MAIN,
) -> RunRecord:
    """A run record with the given figures (everything else plausible and fixed); the per-day
    measures are the run's figures spread evenly over its days, each day's moved by
    ``jitter`` x (day - 1) so that days can differ."""
    share = dict.fromkeys(CATEGORIES, 0.0)
    share.update({"rest": rest, "explore": 1.0 - rest})
    summary = Summary(
        personality=personality,
        seed=seed,
        days=days,
        distance_m=distance,
        floors_visited=2,
        floors=[0, 1],
        rooms_visited=8,
        coverage=coverage,
        revisit_ratio=revisit,
        elevator_rides=3,
        stairs_climbs=1,
        time_share=share,
        social_interactions=social,
        requests=RequestCounts(received=5, accepted=4, deferred=1, completed=completed),
        battery_min=battery_min,
        skill_attempts=40,
        skill_failures=2,
    )
    acts = activity_days or [share] * days
    places = place_days or [{"robotics_lab": 0.5, "corridor_0": 0.5}] * days
    return RunRecord(
        spec=RunSpec(personality=personality, seed=seed, ablation=ablation, runs=runs),
        summary=summary,
        battery_mean=min(1.0, battery_min + 0.3),
        expressions=expressions,
        safety_overrides=risky,
        risky_events=risky,
        days=[
            DayProfile(
                day=d,
                activity=acts[d],
                places=places[d],
                distance_m=distance / days,
                battery_min=battery_min,
                battery_mean=battery_min + 0.3,
            )
            for d in range(days)
        ],
        weights=[{"novelty": 0.5 + 0.01 * d, "social": 0.2} for d in range(days + 1)],
        heatmap=HeatMap.from_traces([hand_made_trace(0)], office()),
        measures=RunMeasures(
            days=[
                DayMeasures(
                    day=d,
                    rooms=8,
                    visit_entropy=entropy + jitter * (d - 1),
                    top5_share=min(1.0, top5 + jitter * (d - 1) / 10),
                    rest_share=rest,
                    distance_m=distance / days + jitter * (d - 1),
                    social_interactions=social,
                    expressions=expressions,
                    battery_min=battery_min,
                    risky_events=risky,
                    requests_received=5,
                    requests_accepted=round(5 * acceptance),
                    requests_completed=completed,
                    acceptance_rate=acceptance,
                    completion_delay_h=0.5,
                )
                for d in range(days)
            ],
            growth=CoverageGrowth(
                curve=[(0.0, 0.0), (8.0, coverage)],
                coverage_auc=growth,
                t50_h=4.0,
                t90_h=8.0,
                share_per_hour=coverage / 8.0,
            ),
        ),
    )
