"""Summary metrics on hand-made traces: distances, rooms, revisits, time shares, coverage."""

from __future__ import annotations

import math

import pytest

from pepa.agent.metrics import (
    CATEGORIES,
    CoverageMap,
    request_counts,
    revisit_ratio,
    room_entries,
    summarize,
    time_share,
)
from pepa.agent.trace import Activity, DayTrace, TraceRecorder
from pepa.building.layout import Building, load_building
from pepa.messages import RequestState, UserRequest


@pytest.fixture(scope="module")
def building() -> Building:
    return load_building()


def _walk(day: int, start: float) -> DayTrace:
    """A robot walking 10 m east along the ground-floor corridor, then resting."""
    rec = TraceRecorder(day, start)
    rec.begin(start, "explore", "explore floor 0", "goal")
    for i in range(101):
        t = start + i
        kept = rec.pose(t, 0, 5.0 + 0.1 * i, 12.0, 0.0, 1.0 - 0.001 * i)
        if kept:
            rec.room(t, "corridor_0" if i < 60 else "reception")
    rec.begin(start + 100, "rest", "rest", "idle")
    rec.skill(start + 100, "explore", "success", "explore", [])
    rec.skill(start + 150, "greet", "success", "social", ["alice"])
    rec.skill(start + 160, "greet", "failure", "social", ["bob"])
    return rec.finish(start + 300, 10.0, 1, 0)


def test_trace_keeps_sparse_poses_and_room_entries() -> None:
    tr = _walk(0, 28_800.0)
    # 10 m walked, one pose per half metre at most
    assert 15 <= len(tr.poses) <= 25
    assert [r for _, r in tr.rooms] == ["corridor_0", "reception"]
    assert tr.battery_min == pytest.approx(0.9, abs=1e-3)
    assert [a.category for a in tr.activities] == ["explore", "rest"]
    assert tr.activities[-1].end == 28_800.0 + 300


def test_revisit_ratio_counts_returns_to_known_rooms() -> None:
    assert revisit_ratio([]) == 0.0
    assert revisit_ratio(["a", "b", "c"]) == 0.0
    assert revisit_ratio(["a", "b", "a", "b"]) == pytest.approx(0.5)
    a = DayTrace(day=0, start=0, end=1, rooms=[(0, "a"), (1, "a"), (2, "b")])
    b = DayTrace(day=1, start=0, end=1, rooms=[(0, "b"), (1, "a")])
    assert room_entries([a, b]) == ["a", "b", "a"]


def test_time_share_sums_to_one_over_catalogue_categories() -> None:
    tr = DayTrace(
        day=0,
        start=0,
        end=100,
        activities=[
            Activity(start=0, end=30, category="explore"),
            Activity(start=30, end=40, category="social"),
            Activity(start=40, end=100, category="charge"),
        ],
    )
    share = time_share([tr])
    assert set(share) == set(CATEGORIES)
    assert math.isclose(sum(share.values()), 1.0, abs_tol=1e-3)
    assert share["explore"] == pytest.approx(0.3)
    assert share["charge"] == pytest.approx(0.6)
    assert time_share([]) == dict.fromkeys(CATEGORIES, 0.0)


def test_coverage_grows_with_the_area_seen_and_stays_a_share(building: Building) -> None:
    cover = CoverageMap(building)
    assert cover.coverage() == 0.0
    cover.add(_walk(0, 28_800.0))
    once = cover.coverage()
    assert 0.0 < once < 0.2
    cover.add(_walk(1, 115_200.0))  # the same walk adds nothing new
    assert cover.coverage() == pytest.approx(once)
    far = TraceRecorder(2, 0.0)
    for i in range(60):
        far.pose(float(i), 1, 5.0 + 0.5 * i, 12.0, 0.0, 1.0)
    cover.add(far.finish(60.0, 30.0, 0, 0))
    assert once < cover.coverage() <= 1.0


def test_request_counts_follow_each_request_history() -> None:
    done = UserRequest(text="bring the mail to alice", created_at=1.0)
    done.move_to(RequestState.DEFERRED, 2.0, "busy")
    done.move_to(RequestState.ACCEPTED, 3.0, "taken up")
    done.move_to(RequestState.IN_PROGRESS, 4.0)
    done.move_to(RequestState.DONE, 5.0)
    declined = UserRequest(text="fly to the moon", created_at=1.0)
    declined.move_to(RequestState.DECLINED, 1.0, "unknown place")
    failed = UserRequest(text="go to the lab", created_at=1.0)
    failed.move_to(RequestState.ACCEPTED, 2.0)
    failed.move_to(RequestState.FAILED, 3.0, "no route")
    waiting = UserRequest(text="go to the kitchen", created_at=1.0)
    c = request_counts([done, declined, failed, waiting])
    assert (c.received, c.accepted, c.deferred, c.declined) == (4, 2, 1, 1)
    assert (c.completed, c.failed, c.open) == (1, 1, 1)


def test_summary_of_two_days(building: Building) -> None:
    carried = _walk(1, 115_200.0)
    carried.rescues = 1  # that night it was carried to the dock
    s = summarize(
        [carried, _walk(0, 28_800.0)],
        [],
        building,
        personality="Curious",
        seed=3,
    )
    assert s.days == 2
    assert [d.day for d in s.per_day] == [0, 1]
    assert s.distance_m == pytest.approx(20.0)
    assert (s.floors_visited, s.rooms_visited) == (1, 2)
    assert s.revisit_ratio == pytest.approx(0.5)  # corridor, reception, corridor, reception
    assert s.elevator_rides == 2
    assert s.social_interactions == 2  # the failed greeting does not count
    assert s.skill_attempts == 6 and s.skill_failures == 2
    assert s.battery_min == pytest.approx(0.9, abs=1e-3)
    assert s.rescues == 1
    assert 0.0 < s.coverage <= 1.0
    assert math.isclose(sum(s.time_share.values()), 1.0, abs_tol=1e-3)
