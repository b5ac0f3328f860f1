"""Deadline bookkeeping of a periodic loop on the wall clock (the sim loop, Sys1's control)."""

from __future__ import annotations


class LoopStats:
    """Ticks, deadline misses and the worst lateness of a loop."""

    def __init__(self, period_s: float) -> None:
        self.period_s = period_s
        self.ticks = 0
        self.misses = 0
        self.max_late_s = 0.0
        self.max_step_s = 0.0

    def record(self, late_s: float, step_s: float) -> None:
        """A tick is a miss when it started a full period late or took longer than one."""
        self.ticks += 1
        self.max_late_s = max(self.max_late_s, late_s)
        self.max_step_s = max(self.max_step_s, step_s)
        if late_s > self.period_s or step_s > self.period_s:
            self.misses += 1

    @property
    def miss_ratio(self) -> float:
        return self.misses / self.ticks if self.ticks else 0.0
