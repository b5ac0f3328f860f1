"""The livelock guard: work that keeps coming back to the same spot without getting anywhere.

A robot can be busy for hours and still go nowhere: a goal no floor holds makes it cross the
same stairs back and forth, a doorway that keeps blocking sends it to the same spot again and
again. No single failure says so; the repetition does. Sys1 reports every *return* — a change
of floor off the elevators (which two floors, where; a car moves only when called, so a ride
is a transfer) and every blocked spot it notes — and the same return
``returns`` times within ``window_s`` of simulated time, with no step of work succeeding in
between, is a livelock: Sys1 stops the running work with a failure and a reason (so Sys2
replans with something else), records it as an experience and counts it. A step that succeeds
is progress and clears the count: a robot sent up and down the same stairs by one errand after
another (each explore of the floor above succeeding) is busy, not stuck.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from pepa.agent.sys1.config import LivelockConfig


class ReturnKind(StrEnum):
    """What came back: the same change of floor, or the same blocked spot."""

    FLOOR_CHANGE = "floor_change"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Return:
    """One event of a kind at a place: floors are (from, to) sorted, or (floor, floor)."""

    time: float
    kind: ReturnKind
    floors: tuple[int, int]
    x: float
    y: float

    def same_spot(self, other: Return, spot_m: float) -> bool:
        return (
            self.kind == other.kind
            and self.floors == other.floors
            and math.hypot(self.x - other.x, self.y - other.y) <= spot_m
        )


@dataclass(frozen=True)
class Livelock:
    """A detected livelock: the return that completed it, how many there were, since when."""

    last: Return
    count: int
    since: float

    @property
    def reason(self) -> str:
        ev = self.last
        lo, hi = ev.floors
        minutes = (ev.time - self.since) / 60.0
        where = f"({ev.x:.1f}, {ev.y:.1f})"
        if ev.kind == ReturnKind.FLOOR_CHANGE:
            what = f"changed between floor {lo} and floor {hi} at {where}"
        else:
            what = f"was blocked at floor {lo} {where}"
        return f"livelock: {what} {self.count} times in {minutes:.0f} min without progress"


class LivelockGuard:
    """Counts returns in a sliding window of simulated time; see the module docstring."""

    def __init__(self, config: LivelockConfig | None = None) -> None:
        self.config = config or LivelockConfig()
        self._recent: deque[Return] = deque()
        self.pending: Livelock | None = None
        self.stopped: list[Livelock] = []

    def floor_changed(
        self, now: float, from_floor: int, to_floor: int, x: float, y: float
    ) -> None:
        lo, hi = sorted((from_floor, to_floor))
        self._add(Return(now, ReturnKind.FLOOR_CHANGE, (lo, hi), x, y))

    def blocked(self, now: float, floor: int, x: float, y: float) -> None:
        self._add(Return(now, ReturnKind.BLOCKED, (floor, floor), x, y))

    def _add(self, ev: Return) -> None:
        c = self.config
        recent = self._recent
        while recent and recent[0].time < ev.time - c.window_s:
            recent.popleft()
        recent.append(ev)
        same = [r for r in recent if r.same_spot(ev, c.spot_m)]
        if len(same) < c.returns:
            return
        # counted once: the next livelock at this spot needs as many returns again
        self._recent = deque(r for r in recent if not r.same_spot(ev, c.spot_m))
        self.pending = Livelock(last=ev, count=len(same), since=same[0].time)

    def progress(self) -> None:
        """A step of work succeeded: what came back before it was on the way there."""
        self._recent.clear()
        self.pending = None

    def take(self) -> Livelock | None:
        """The livelock waiting to be acted on (once): the caller stops the work."""
        found, self.pending = self.pending, None
        if found is not None:
            self.stopped.append(found)
        return found
