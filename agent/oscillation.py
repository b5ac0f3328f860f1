"""Going nowhere, read from a day's trace: the robot travels far but stays among a few spots.

The livelock guard (:mod:`pepa.agent.sys1.livelock`) watches Sys1's own reports while it runs;
this is the independent check afterwards, from the sampled poses alone: within any window of
``window_s`` the robot drove at least ``min_travel_m`` yet every pose fell into at most
``max_spots`` squares of ``spot_m`` — back and forth over the same ground, as on a stairwell
it cannot leave. An oscillation with no livelock stopped during it (or ``grace_s`` after) was
not caught.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.trace import DayTrace


class OscillationRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    window_s: float = Field(default=1800.0, gt=0)
    step_s: float = Field(default=300.0, gt=0)
    min_travel_m: float = Field(default=150.0, gt=0)
    max_spots: int = Field(default=30, ge=1)
    spot_m: float = Field(default=2.0, gt=0)
    grace_s: float = Field(default=600.0, ge=0)


class Oscillation(BaseModel):
    """A stretch of a day (merged overlapping windows) spent going back and forth."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: float
    end: float
    travel_m: float
    spots: int
    floors: list[int]


def oscillations(trace: DayTrace, rule: OscillationRule | None = None) -> list[Oscillation]:
    """Every stretch of ``trace`` that matches the rule (see the module docstring)."""
    rule = rule or OscillationRule()
    poses = trace.poses
    found: list[Oscillation] = []
    t = trace.start
    lo = 0
    while t < trace.end:
        t_end = t + rule.window_s
        while lo < len(poses) and poses[lo][0] < t:
            lo += 1
        travel = 0.0
        spots: set[tuple[int, int, int]] = set()
        prev = None
        for row in poses[lo:]:
            if row[0] > t_end:
                break
            _, floor, x, y = row[0], row[1], row[2], row[3]
            spots.add((floor, math.floor(x / rule.spot_m), math.floor(y / rule.spot_m)))
            if prev is not None and prev[1] == floor:
                travel += math.hypot(x - prev[2], y - prev[3])
            prev = row
        if travel >= rule.min_travel_m and len(spots) <= rule.max_spots:
            floors = sorted({s[0] for s in spots})
            last = found[-1] if found else None
            if last is not None and last.end >= t:  # overlapping windows: one stretch
                found[-1] = Oscillation(
                    start=last.start,
                    end=min(t_end, trace.end),
                    travel_m=round(max(last.travel_m, travel), 1),
                    spots=max(last.spots, len(spots)),
                    floors=sorted({*last.floors, *floors}),
                )
            else:
                found.append(
                    Oscillation(
                        start=t,
                        end=min(t_end, trace.end),
                        travel_m=round(travel, 1),
                        spots=len(spots),
                        floors=floors,
                    )
                )
        t += rule.step_s
    return found


def undetected(trace: DayTrace, rule: OscillationRule | None = None) -> list[Oscillation]:
    """The oscillations of ``trace`` during which the livelock guard stopped nothing."""
    rule = rule or OscillationRule()
    stops = [row[0] for row in trace.livelocks]
    return [
        o
        for o in oscillations(trace, rule)
        if not any(o.start <= s <= o.end + rule.grace_s for s in stops)
    ]
