"""The study's non-saturating measures on hand-made traces whose answers are known."""

from __future__ import annotations

import itertools
import math

import pytest
from study_support import hand_made_trace, office

from pepa.agent import metrics
from pepa.agent.trace import DayTrace

HOUR = 3600.0


def _stay(rooms: list[str], poses: list[tuple[float, float, float]], hours: float) -> DayTrace:
    """A day of ``hours`` that enters ``rooms`` in turn and passes the (t, x, y) poses."""
    t0 = 8 * HOUR
    n = max(1, len(rooms))
    return DayTrace(
        day=0,
        start=t0,
        end=t0 + hours * HOUR,
        poses=[(t0 + t, 0, x, y, 0.0, 1.0) for t, x, y in poses],
        rooms=[(t0 + i * hours * HOUR / n, r) for i, r in enumerate(rooms)],
    )


def test_a_robot_that_never_leaves_a_room_has_visit_entropy_zero() -> None:
    counts = metrics.visit_counts([_stay(["robotics_lab"], [(0, 10, 10)], 8)])
    assert metrics.visit_entropy(counts) == 0.0
    assert metrics.top_share(counts) == 1.0


def test_even_visits_to_n_places_have_entropy_log2_n() -> None:
    rooms = [f"room_{i}" for i in range(8)]
    counts = metrics.visit_counts([_stay(rooms, [(0, 10, 10)], 8)])
    assert metrics.visit_entropy(counts) == pytest.approx(math.log2(8))
    assert metrics.top_share(counts) == pytest.approx(5 / 8)


def test_top_share_grows_when_visits_concentrate() -> None:
    spread = {f"r{i}": 2 for i in range(10)}
    focused = {"r0": 11, **{f"r{i}": 1 for i in range(1, 10)}}
    assert metrics.top_share(focused) > metrics.top_share(spread)
    assert metrics.visit_entropy(focused) < metrics.visit_entropy(spread)
    assert metrics.top_share({}) == 0.0 and metrics.visit_entropy({}) == 0.0


def test_visit_counts_merge_a_stay_and_count_returns() -> None:
    assert metrics.visit_counts([hand_made_trace()]) == {"corridor_0": 2, "robotics_lab": 1}


def test_day_to_day_similarity_of_sets_and_sequences() -> None:
    assert metrics.set_similarity(["a", "b"], ["b", "a"]) == 1.0
    assert metrics.set_similarity(["a", "b"], ["c"]) == 0.0
    assert metrics.set_similarity(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert metrics.sequence_similarity(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert metrics.sequence_similarity(["a", "b", "c"], ["c", "b", "a"]) < 0.5
    assert metrics.sequence_similarity([], []) == 1.0


def test_coverage_growth_stops_when_the_robot_stops_moving() -> None:
    # it drives along the lab's corridor for the first hour, then stands still for three
    poses = [(i * 360.0, 10.0 + i * 1.5, 10.0) for i in range(11)]
    curve = metrics.coverage_growth(_stay(["corridor_0"], poses, 4), office())
    assert curve[0][0] == 0.0 and curve[-1][0] == pytest.approx(4.0)
    seen = [c for _, c in curve]
    assert all(b >= a for a, b in itertools.pairwise(seen))  # never shrinks
    after_first_hour = [c for h, c in curve if h >= 1.0]
    assert len(set(after_first_hour)) == 1 and after_first_hour[0] > seen[0]


def test_a_faster_explorer_has_the_larger_coverage_auc_and_earlier_milestones() -> None:
    fast = [(0.0, 0.0), (1.0, 0.6), (2.0, 0.95), (8.0, 1.0)]
    slow = [(0.0, 0.0), (1.0, 0.1), (2.0, 0.3), (6.0, 0.95), (8.0, 1.0)]
    # both end the day having seen everything: the end point cannot tell them apart
    assert metrics.coverage_auc(fast) > metrics.coverage_auc(slow)
    assert metrics.time_to_coverage(fast, 0.5) == 1.0
    assert metrics.time_to_coverage(slow, 0.9) == 6.0
    # never reached: censored at the end of the curve
    assert metrics.time_to_coverage([(0.0, 0.0), (8.0, 0.4)], 0.5) == 8.0


def test_a_robot_standing_still_all_day_has_a_flat_curve() -> None:
    curve = metrics.coverage_growth(_stay(["robotics_lab"], [(0, 10, 10)], 2), office())
    assert len({c for _, c in curve}) == 1
    assert metrics.coverage_auc(curve) == pytest.approx(curve[0][1])


def test_coverage_growth_rejects_a_bad_step() -> None:
    with pytest.raises(ValueError, match="step_s"):
        metrics.coverage_growth(hand_made_trace(), office(), step_s=0)


def test_passing_through_transit_spaces_is_not_a_visit() -> None:
    # a traveller crosses the corridor between every two of five offices
    offices = [f"office_{i}" for i in range(5)]
    rooms = [r for o in offices for r in (o, "corridor")][:-1]
    trace = _stay(rooms, [(0, 10, 10)], 8)
    traveller = metrics.visit_counts([trace], passing={"corridor"})
    assert traveller == dict.fromkeys(offices, 1)
    assert metrics.visits([trace], passing={"corridor"}) == offices
    # counted as visits, the corridor would make the traveller look concentrated
    with_transit = metrics.visit_counts([trace])
    assert metrics.top_share(with_transit, 1) > metrics.top_share(traveller, 1)


def test_run_measures_leave_the_buildings_transit_spaces_out() -> None:
    from pepa.agent.study.measures import run_measures

    day = run_measures([hand_made_trace()], [], office()).days[0]
    assert day.rooms == 1  # the robotics lab; corridor_0 is a corridor
    assert day.visit_entropy == 0.0 and day.top5_share == 1.0
