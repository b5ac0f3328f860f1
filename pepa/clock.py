"""The one clock of the cognitive core.

Nothing in ``agent/``, ``memory/``, ``personalities/`` or ``sim/`` reads the wall time
directly: it asks a :class:`Clock`. A :class:`SimClock` is a discrete-event clock (days can be
run as fast as the CPU allows, and repeated exactly); a :class:`WallClock` follows real time,
optionally sped up; on ROS a clock fed from ``/clock`` implements the same protocol.

Time is seconds since the simulation epoch: day 0 at 00:00, a Monday.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

DAY_S = 86_400.0
HOUR_S = 3_600.0
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_of(t: float) -> int:
    return int(t // DAY_S)


def hour_of_day(t: float) -> float:
    """Hours since midnight, e.g. 12.5 for 12:30."""
    return (t % DAY_S) / HOUR_S


def weekday_of(t: float) -> int:
    """0 = Monday … 6 = Sunday."""
    return day_of(t) % 7


def at(day: int, hour: float) -> float:
    """Seconds since the epoch of ``hour`` o'clock on ``day``."""
    return day * DAY_S + hour * HOUR_S


def format_time(t: float) -> str:
    """'day 2 Wed 12:05:09' — for logs, captions and the console."""
    s = int(t % DAY_S)
    clock = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"day {day_of(t)} {WEEKDAYS[weekday_of(t)][:3]} {clock}"


@runtime_checkable
class Clock(Protocol):
    """What the core needs from time."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(order=True)
class _Event:
    time: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class EventHandle:
    """Returned by :meth:`SimClock.schedule`; cancel() keeps the event from firing."""

    def __init__(self, event: _Event) -> None:
        self._event = event

    @property
    def time(self) -> float:
        return self._event.time

    def cancel(self) -> None:
        self._event.cancelled = True


class SimClock:
    """A discrete-event clock: time moves only when the owner advances it.

    Events scheduled at the same time fire in the order they were scheduled, so a run is
    exactly repeatable.
    """

    def __init__(self, start: float = 0.0) -> None:
        if start < 0:
            raise ValueError(f"clock start must be >= 0, got {start}")
        self._now = float(start)
        self._queue: list[_Event] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def schedule(self, at_time: float, action: Callable[[], None]) -> EventHandle:
        if at_time < self._now:
            raise ValueError(f"cannot schedule at {at_time}, before now ({self._now})")
        ev = _Event(at_time, next(self._seq), action)
        heapq.heappush(self._queue, ev)
        return EventHandle(ev)

    def schedule_in(self, delay: float, action: Callable[[], None]) -> EventHandle:
        return self.schedule(self._now + max(0.0, delay), action)

    def next_event_time(self) -> float | None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0].time if self._queue else None

    def advance(self, seconds: float) -> None:
        """Move time forward, firing every event that falls due on the way."""
        if seconds < 0:
            raise ValueError(f"cannot advance by a negative time ({seconds})")
        self.advance_to(self._now + seconds)

    def advance_to(self, t: float) -> None:
        if t < self._now:
            raise ValueError(f"cannot go back in time from {self._now} to {t}")
        while True:
            nxt = self.next_event_time()
            if nxt is None or nxt > t:
                break
            ev = heapq.heappop(self._queue)
            self._now = ev.time
            ev.action()
        self._now = t


class WallClock:
    """Real time, optionally sped up by ``speed``, starting at simulated time ``start``."""

    def __init__(self, start: float = 0.0, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be > 0, got {speed}")
        self.speed = speed
        self._start = start
        self._t0 = _time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._start + (_time.monotonic() - self._t0) * self.speed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            _time.sleep(seconds / self.speed)

    def set_speed(self, speed: float) -> None:
        """Change the speed without a jump in the simulated time."""
        if speed <= 0:
            raise ValueError(f"clock speed must be > 0, got {speed}")
        with self._lock:
            now_m = _time.monotonic()
            self._start += (now_m - self._t0) * self.speed
            self._t0 = now_m
            self.speed = speed


class ExternalClock:
    """Time set from outside, e.g. from ROS ``/clock`` (``use_sim_time``)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._cond = threading.Condition()

    def now(self) -> float:
        with self._cond:
            return self._now

    def set(self, t: float) -> None:
        with self._cond:
            if t >= self._now:
                self._now = t
                self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """Block until the external time has moved on by ``seconds`` (or 5 s of wall time)."""
        with self._cond:
            target = self._now + seconds
            self._cond.wait_for(lambda: self._now >= target, timeout=5.0)
