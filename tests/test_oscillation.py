"""The trace's own check for livelocks: travelling far while staying among a few spots."""

from __future__ import annotations

import itertools
import math

from pepa.agent.oscillation import OscillationRule, oscillations, undetected
from pepa.agent.trace import DayTrace, PoseRow

RULE = OscillationRule(window_s=600.0, step_s=60.0, min_travel_m=100.0, max_spots=12)


def _trace(poses: list[PoseRow], livelocks: list[tuple[float, int, float, float]]) -> DayTrace:
    return DayTrace(day=0, start=0.0, end=poses[-1][0] + 1.0, poses=poses, livelocks=livelocks)


def _stairs_flip_flop(t0: float, n: int) -> list[PoseRow]:
    """Back and forth over 8 m between a landing on floor 3 and one on floor 4, every 10 s."""
    out: list[PoseRow] = []
    for i in range(n):
        floor = 3 + (i // 2) % 2
        out.append((t0 + 10.0 * i, floor, 60.0 + 8.0 * (i % 2), 2.6, 0.0, 0.8))
    return out


def _tour(t0: float, n: int) -> list[PoseRow]:
    """Rounds of a 40 m x 30 m ellipse of corridors at 0.8 m/s (far travel, many spots)."""
    out: list[PoseRow] = []
    per_round = 110.0 / (0.8 * 5.0)  # poses per round, 5 s apart
    for i in range(n):
        a = 2 * math.pi * i / per_round
        out.append((t0 + 5.0 * i, 1, 20 + 20 * math.cos(a), 15 + 15 * math.sin(a), a, 0.9))
    return out


def test_a_flip_flop_on_the_stairs_is_an_oscillation_and_undetected_without_a_stop() -> None:
    trace = _trace(_stairs_flip_flop(0.0, 200), [])
    found = oscillations(trace, RULE)
    assert len(found) == 1 and found[0].floors == [3, 4]
    assert found[0].travel_m >= RULE.min_travel_m
    assert undetected(trace, RULE) == found


def test_an_oscillation_the_guard_stopped_is_not_undetected() -> None:
    trace = _trace(_stairs_flip_flop(0.0, 200), [(700.0, 3, 60.0, 2.6)])
    assert oscillations(trace, RULE) and not undetected(trace, RULE)


def test_a_tour_of_the_building_or_standing_still_is_no_oscillation() -> None:
    tour = _trace(_tour(0.0, 600), [])
    assert sum(math.dist(a[2:4], b[2:4]) for a, b in itertools.pairwise(tour.poses)) > 1000
    assert not oscillations(tour, RULE)
    still = [(10.0 * i, 0, 5.0, 5.0, 0.0, 1.0) for i in range(300)]
    assert not oscillations(_trace(still, []), RULE)
