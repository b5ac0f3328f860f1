"""Deadline bookkeeping of the ROS loops: lateness against the timer's own grid."""

from __future__ import annotations

import pytest
from pepa_ros.loop_stats import LoopStats, TimerDeadlines

P = 0.05


def run(starts: list[float]) -> tuple[list[float], LoopStats]:
    grid = TimerDeadlines(P, 0.0)
    stats = LoopStats(P)
    lates = []
    for s in starts:
        late = grid.late(s)
        lates.append(round(late, 6))
        stats.record(late, 0.001)
    return lates, stats


def test_ticks_on_the_grid_are_on_time() -> None:
    lates, stats = run([P * k + 0.002 for k in range(1, 41)])
    assert max(lates) == pytest.approx(0.002) and stats.misses == 0


def test_one_late_tick_is_one_miss_and_the_timer_is_on_time_again() -> None:
    # due at 0.10, starts at 0.16 (the timer skipped 0.15), then on its grid again at 0.20...
    lates, stats = run([0.05, 0.16, 0.20, 0.25, 0.30])
    assert lates == [0.0, 0.06, 0.0, 0.0, 0.0]
    assert stats.misses == 1 and stats.max_late_s == pytest.approx(0.06)


def test_a_tick_that_catches_up_a_skipped_period_is_not_late() -> None:
    # due at 0.15 but run at 0.205 (a miss); the timer had not skipped 0.20 and runs again
    lates, stats = run([0.05, 0.10, 0.205, 0.207, 0.25])
    assert lates == [0.0, 0.0, 0.055, 0.0, 0.0]
    assert stats.misses == 1


def test_a_stall_of_several_periods_counts_from_the_missed_deadline() -> None:
    lates, stats = run([0.05, 0.30, 0.35])
    assert lates == [0.0, 0.2, 0.0] and stats.misses == 1


def test_a_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period_s"):
        TimerDeadlines(0.0, 0.0)


def test_a_long_step_is_told_apart_from_a_late_start() -> None:
    stats = LoopStats(P)
    stats.record(0.0, 0.001)
    stats.record(0.06, 0.001)  # started late: the process was busy elsewhere
    stats.record(0.0, 0.07)  # its own work overran the period
    assert stats.misses == 2 and stats.long_steps == 1
    assert stats.max_step_s == pytest.approx(0.07) and stats.max_late_s == pytest.approx(0.06)
