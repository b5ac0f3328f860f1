"""Figures per personality across seeds: mean, standard deviation, minimum and maximum.

The study's tables, plots and claims all read the same :class:`Spread` values, so a number in
the claims is the number in the table next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from pepa.agent.metrics import CATEGORIES
from pepa.agent.study.record import RunRecord


class Spread(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mean: float
    std: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("Spread.of: no values")
        a = np.asarray(values, dtype=float)
        return cls(
            mean=float(a.mean()),
            std=float(a.std(ddof=1)) if len(a) > 1 else 0.0,
            min=float(a.min()),
            max=float(a.max()),
            n=len(a),
        )

    def text(self, digits: int = 2) -> str:
        if self.n > 1:
            return f"{self.mean:.{digits}f} ± {self.std:.{digits}f}"
        return f"{self.mean:.{digits}f}"


def _time_share(category: str) -> Callable[[RunRecord], float]:
    """The share of a run's time spent in ``category`` (0 when it spent none)."""
    return lambda r: r.summary.time_share.get(category, 0.0)


#: The per-run figures the study reports, by name, in report order.
FIGURES: dict[str, Callable[[RunRecord], float]] = {
    "coverage": lambda r: r.summary.coverage,
    "revisit_ratio": lambda r: r.summary.revisit_ratio,
    "distance_m": lambda r: r.summary.distance_m,
    "floors_visited": lambda r: r.summary.floors_visited,
    "rooms_visited": lambda r: r.summary.rooms_visited,
    "elevator_rides": lambda r: r.summary.elevator_rides,
    "stairs_climbs": lambda r: r.summary.stairs_climbs,
    "social_interactions": lambda r: r.summary.social_interactions,
    "expressions": lambda r: r.expressions,
    "requests_received": lambda r: r.summary.requests.received,
    "requests_accepted": lambda r: r.summary.requests.accepted,
    "requests_deferred": lambda r: r.summary.requests.deferred,
    "requests_declined": lambda r: r.summary.requests.declined,
    "requests_completed": lambda r: r.summary.requests.completed,
    "requests_failed": lambda r: r.summary.requests.failed,
    "battery_min": lambda r: r.summary.battery_min,
    "battery_mean": lambda r: r.battery_mean,
    "risky_events": lambda r: r.risky_events,
    "safety_overrides": lambda r: r.safety_overrides,
    "skill_failures": lambda r: r.summary.skill_failures,
    **{f"time_{c}": _time_share(c) for c in CATEGORIES},
}


def group(records: Sequence[RunRecord]) -> dict[str, list[RunRecord]]:
    """Records by personality (names as the records spell them), in name order."""
    out: dict[str, list[RunRecord]] = {}
    for r in sorted(records, key=lambda r: (r.spec.personality.lower(), r.spec.seed)):
        out.setdefault(r.spec.personality, []).append(r)
    return out


def spreads(records: Sequence[RunRecord]) -> dict[str, dict[str, Spread]]:
    """Personality -> figure -> spread across its seeds."""
    return {
        name: {fig: Spread.of([fn(r) for r in runs]) for fig, fn in FIGURES.items()}
        for name, runs in group(records).items()
    }


def weights_by_day(runs: Sequence[RunRecord]) -> dict[str, list[Spread]]:
    """Feature -> spread across seeds of the weight at each point (start, after day 1, ...)."""
    if not runs:
        return {}
    points = min(len(r.weights) for r in runs)
    features = sorted(runs[0].weights[0])
    return {
        f: [Spread.of([r.weights[i].get(f, 0.0) for r in runs]) for i in range(points)]
        for f in features
    }
