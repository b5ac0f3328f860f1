"""Stability as divergence: how much a personality's days differ from each other, compared with
how much two personalities' days differ, with bootstrap confidence intervals across seeds.

A personality is *stable* when its day-to-day Jensen–Shannon divergence (over where it spends
its time and what it spends it on) is small next to the divergence between personalities on
the same day of the same world (same seed), which holds the people and events fixed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Distribution = Mapping[str, float]
#: a run of one personality: its seed, or (building, seed) in a study over several buildings
RunKey = int | tuple[str, int]
#: personality -> run -> day -> distribution
DayDistributions = Mapping[str, Mapping[RunKey, Sequence[Distribution]]]

BOOTSTRAP_SAMPLES = 1000
CONFIDENCE = 0.95


def js_divergence(p: Distribution, q: Distribution) -> float:
    """Jensen–Shannon divergence in bits (0 for equal, 1 for disjoint distributions).

    Inputs are normalised first; an all-zero distribution is an error, since a day on which
    nothing was measured has no shape to compare.
    """
    keys = sorted(set(p) | set(q))
    a = np.array([max(0.0, float(p.get(k, 0.0))) for k in keys])
    b = np.array([max(0.0, float(q.get(k, 0.0))) for k in keys])
    if a.sum() <= 0 or b.sum() <= 0:
        raise ValueError("js_divergence: a distribution has no mass (all values are zero)")
    a, b = a / a.sum(), b / b.sum()
    m = 0.5 * (a + b)

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return min(1.0, max(0.0, 0.5 * kl(a) + 0.5 * kl(b)))


def _has_mass(d: Distribution) -> bool:
    return sum(max(0.0, v) for v in d.values()) > 0


def within_run(days: Sequence[Distribution]) -> float | None:
    """Mean divergence over every pair of days of one run (None with fewer than two days)."""
    usable = [d for d in days if _has_mass(d)]
    pairs = list(itertools.combinations(usable, 2))
    if not pairs:
        return None
    return float(np.mean([js_divergence(a, b) for a, b in pairs]))


def between_runs(a: Sequence[Distribution], b: Sequence[Distribution]) -> float | None:
    """Mean divergence between two runs on the same days (day d against day d)."""
    vals = [
        js_divergence(x, y) for x, y in zip(a, b, strict=False) if _has_mass(x) and _has_mass(y)
    ]
    return float(np.mean(vals)) if vals else None


class Estimate(BaseModel):
    """A statistic with its bootstrap confidence interval across seeds."""

    model_config = ConfigDict(extra="forbid")
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0

    def text(self, digits: int = 3) -> str:
        if self.value is None:
            return "n/a"
        if self.low is None or self.high is None:
            return f"{self.value:.{digits}f}"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


class Stability(BaseModel):
    """Within- and between-personality divergence of one kind of distribution."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    within: dict[str, Estimate]
    within_all: Estimate
    between: Estimate
    between_pairs: dict[str, Estimate]
    gap: Estimate = Field(
        default_factory=lambda: Estimate(value=None),
        description="between minus within, both from the same resampled seeds",
    )


def _mean(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return float(np.mean(got)) if got else None


def _bootstrap(
    stat: Callable[[Sequence[RunKey]], float | None],
    seeds: Sequence[RunKey],
    rng: np.random.Generator,
    samples: int,
) -> Estimate:
    value = stat(seeds)
    if value is None:
        return Estimate(value=None, n=len(seeds))
    if len(seeds) < 2:
        return Estimate(value=value, n=len(seeds))
    draws = []
    for _ in range(samples):
        pick = [seeds[i] for i in rng.integers(0, len(seeds), size=len(seeds))]
        v = stat(pick)
        if v is not None:
            draws.append(v)
    if not draws:
        return Estimate(value=value, n=len(seeds))
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return Estimate(value=value, low=float(low), high=float(high), n=len(seeds))


def stability(
    kind: str,
    data: DayDistributions,
    *,
    seed: int = 0,
    samples: int = BOOTSTRAP_SAMPLES,
) -> Stability:
    """Within vs between divergence; seeds are resampled with replacement for the intervals."""
    names = sorted(data)
    seeds = sorted({s for runs in data.values() for s in runs})
    rng = np.random.default_rng(seed)
    # Every statistic is a mean over seeds of per-seed figures: compute those once, and let
    # the bootstrap resample them.
    per_within = {n: {s: within_run(data[n][s]) for s in data[n]} for n in names}
    pairs = list(itertools.combinations(names, 2))
    per_between = {
        (a, b): {s: between_runs(data[a][s], data[b][s]) for s in data[a] if s in data[b]}
        for a, b in pairs
    }

    def within_of(n: str, ss: Sequence[RunKey]) -> float | None:
        return _mean([per_within[n].get(s) for s in ss])

    def between_of(a: str, b: str, ss: Sequence[RunKey]) -> float | None:
        return _mean([per_between[(a, b)].get(s) for s in ss])

    within = {n: _bootstrap(partial(within_of, n), seeds, rng, samples) for n in names}
    within_all = _bootstrap(
        lambda ss: _mean([within_of(n, ss) for n in names]), seeds, rng, samples
    )
    between_pairs = {
        f"{a}~{b}": _bootstrap(partial(between_of, a, b), seeds, rng, samples) for a, b in pairs
    }
    between = _bootstrap(
        lambda ss: _mean([between_of(a, b, ss) for a, b in pairs]), seeds, rng, samples
    )

    def gap_of(ss: Sequence[RunKey]) -> float | None:
        w = _mean([within_of(n, ss) for n in names])
        b = _mean([between_of(a, b, ss) for a, b in pairs])
        return None if w is None or b is None else b - w

    return Stability(
        kind=kind,
        within=within,
        within_all=within_all,
        between=between,
        between_pairs=between_pairs,
        gap=_bootstrap(gap_of, seeds, rng, samples),
    )
