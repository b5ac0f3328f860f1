"""The one clock: discrete-event time is exact and repeatable; wall time can be sped up."""

from __future__ import annotations

import pytest

from pepa.clock import (
    DAY_S,
    ExternalClock,
    SimClock,
    WallClock,
    at,
    day_of,
    format_time,
    hour_of_day,
    weekday_of,
)


def test_events_fire_in_time_order_then_schedule_order() -> None:
    clock = SimClock()
    fired: list[tuple[str, float]] = []
    clock.schedule(5.0, lambda: fired.append(("b", clock.now())))
    clock.schedule(2.0, lambda: fired.append(("a", clock.now())))
    clock.schedule(5.0, lambda: fired.append(("c", clock.now())))
    clock.advance(10.0)
    assert fired == [("a", 2.0), ("b", 5.0), ("c", 5.0)]
    assert clock.now() == 10.0


def test_cancelled_event_does_not_fire() -> None:
    clock = SimClock()
    fired: list[int] = []
    handle = clock.schedule_in(1.0, lambda: fired.append(1))
    handle.cancel()
    clock.advance(2.0)
    assert fired == []
    assert clock.next_event_time() is None


def test_events_scheduled_by_events_fire_in_the_same_advance() -> None:
    clock = SimClock()
    fired: list[float] = []

    def tick() -> None:
        fired.append(clock.now())
        if len(fired) < 3:
            clock.schedule_in(1.0, tick)

    clock.schedule(0.5, tick)
    clock.advance(10)
    assert fired == [0.5, 1.5, 2.5]


def test_time_cannot_go_backwards() -> None:
    clock = SimClock(start=100.0)
    with pytest.raises(ValueError, match="back in time"):
        clock.advance_to(50.0)
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="before now"):
        clock.schedule(10.0, lambda: None)


def test_calendar_helpers_agree() -> None:
    t = at(9, 12.5)
    assert day_of(t) == 9
    assert hour_of_day(t) == pytest.approx(12.5)
    assert weekday_of(t) == 2  # day 0 is a Monday
    assert format_time(t) == "day 9 Wed 12:30:00"
    assert day_of(DAY_S - 1e-6) == 0


def test_wall_clock_runs_faster_with_speed() -> None:
    clock = WallClock(start=50.0, speed=1000.0)
    t0 = clock.now()
    clock.sleep(20.0)  # 20 simulated seconds = 20 ms of wall time
    assert clock.now() - t0 >= 20.0
    with pytest.raises(ValueError, match="speed"):
        WallClock(speed=0)


def test_external_clock_only_moves_forward() -> None:
    clock = ExternalClock(start=10.0)
    clock.set(12.0)
    clock.set(11.0)
    assert clock.now() == 12.0
