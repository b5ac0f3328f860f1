"""Differences between two personalities on one measure, with a bootstrap interval.

The resampling unit is one (world, seed, day) — one (world, seed) for a first-day measure.
Two personalities run on the same seed and day meet the same people, requests and events, so
the comparison is *paired*: the unit's two values are differenced, units are drawn with
replacement, and the 2.5 and 97.5 percentiles of the resampled mean difference are the 95 %
interval. The effect size is Cohen's d (mean difference over the pooled standard deviation of
the two personalities' unit values).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict

BOOTSTRAP_SAMPLES = 2000
CONFIDENCE = 0.95


class Difference(BaseModel):
    """``subject`` minus ``other`` on one measure, over their common units."""

    model_config = ConfigDict(extra="forbid")
    subject: str
    other: str
    subject_mean: float
    other_mean: float
    diff: float
    low: float | None = None
    high: float | None = None
    effect_size: float | None = None
    units: int

    def side(self) -> int:
        """+1 when the interval lies above zero, -1 below, 0 when it holds zero (or is
        missing: too few units to resample)."""
        if self.low is None or self.high is None:
            return 0
        if self.low > 0:
            return 1
        if self.high < 0:
            return -1
        return 0

    def text(self, digits: int = 3) -> str:
        ci = "" if self.low is None else f" [{self.low:.{digits}g}, {self.high:.{digits}g}]"
        d = "" if self.effect_size is None else f", d={self.effect_size:.2f}"
        return f"{self.subject}−{self.other} {self.diff:+.{digits}g}{ci}{d}"


def paired_difference(
    subject: str,
    other: str,
    x: Mapping[Hashable, float],
    y: Mapping[Hashable, float],
    rng: np.random.Generator,
    samples: int = BOOTSTRAP_SAMPLES,
) -> Difference:
    """The paired bootstrap of ``x - y`` over the units both have."""
    common = sorted(set(x) & set(y), key=repr)
    if not common:
        raise ValueError(f"{subject} and {other} have no unit (seed x day) in common")
    a = np.array([x[u] for u in common], dtype=float)
    b = np.array([y[u] for u in common], dtype=float)
    d = a - b
    pooled = float(np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)) if len(common) > 1 else 0.0
    out = Difference(
        subject=subject,
        other=other,
        subject_mean=float(a.mean()),
        other_mean=float(b.mean()),
        diff=float(d.mean()),
        effect_size=float(d.mean() / pooled) if pooled > 0 else None,
        units=len(common),
    )
    if len(common) < 2:
        return out
    draws = d[rng.integers(0, len(d), size=(samples, len(d)))].mean(axis=1)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    out.low, out.high = float(low), float(high)
    return out
