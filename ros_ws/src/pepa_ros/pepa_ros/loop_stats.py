"""Deadline bookkeeping of a periodic loop on the wall clock (the sim loop, Sys1's control)."""

from __future__ import annotations

import math


class TimerDeadlines:
    """The deadlines of a ROS timer: a fixed grid from the timer's start.

    A ROS (rcl) timer stays in phase: one that falls behind skips the periods it missed and is
    due again on its grid, it does not restart its period from the late call. Lateness is
    therefore measured from the deadline that follows the previous tick's, not from the
    previous tick's start (which would count every tick after one late one as late).
    ``start_s`` must be taken just before the timer is created, so the grid is never later than
    the timer's own.
    """

    def __init__(self, period_s: float, start_s: float) -> None:
        if period_s <= 0:
            raise ValueError(f"TimerDeadlines: period_s must be > 0, got {period_s}")
        self.period_s = period_s
        self._anchor = start_s
        self._last = start_s  # the grid point of the previous tick (the start counts as one)

    def late(self, now_s: float) -> float:
        """How late a tick that starts at ``now_s`` is (s); call once per tick."""
        late = max(0.0, now_s - (self._last + self.period_s))
        # A tick on a grid point is that point's (1e-9 absorbs the division's rounding).
        periods = math.floor((now_s - self._anchor) / self.period_s + 1e-9)
        self._last = self._anchor + periods * self.period_s
        return late


class LoopStats:
    """Ticks, deadline misses and the worst lateness of a loop.

    ``long_steps`` counts the misses whose step itself overran the period (the loop's own
    work), as against ticks that only started late (the process or its GIL was busy).
    """

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self.ticks = 0
        self.misses = 0
        self.long_steps = 0
        self.max_late_s = 0.0
        self.max_step_s = 0.0

    def record(self, late_s: float, step_s: float) -> None:
        """A tick is a miss when it started a full period late or took longer than one."""
        self.ticks += 1
        self.max_late_s = max(self.max_late_s, late_s)
        self.max_step_s = max(self.max_step_s, step_s)
        if late_s > self.period_s or step_s > self.period_s:
            self.misses += 1
        if step_s > self.period_s:
            self.long_steps += 1

    @property
    def miss_ratio(self) -> float:
        return self.misses / self.ticks if self.ticks else 0.0
