"""Every figure of the study on a hand-made day trace with known values."""

from __future__ import annotations

import pytest
from study_support import hand_made_trace, office

from pepa.agent import metrics
from pepa.agent.study.heatmap import HeatMap, mean_heatmap
from pepa.agent.study.memory_qa import boardings, meetings, where_at


def test_distance_from_sampled_poses_when_no_odometer() -> None:
    assert metrics.path_length(hand_made_trace()) == pytest.approx(10.0)


def test_odometer_distance_wins_over_the_poses() -> None:
    tr = hand_made_trace().model_copy(update={"distance_m": 12.5})
    assert metrics.path_length(tr) == 12.5


def test_revisit_ratio_counts_returns_to_known_rooms() -> None:
    entries = metrics.room_entries([hand_made_trace()])
    assert entries == ["corridor_0", "robotics_lab", "corridor_0"]
    assert metrics.revisit_ratio(entries) == pytest.approx(1 / 3)
    assert metrics.revisit_ratio([]) == 0.0


def test_time_share_per_activity_category() -> None:
    share = metrics.time_share([hand_made_trace()])
    assert share["explore"] == pytest.approx(0.2)
    assert share["social"] == pytest.approx(0.4)
    assert share["rest"] == pytest.approx(0.4)
    assert sum(share.values()) == pytest.approx(1.0)


def test_social_interactions_and_expressions_count_successes_only() -> None:
    tr = hand_made_trace()
    assert metrics.social_interactions([tr]) == 1  # the failed approach does not count
    assert metrics.expressions([tr]) == 1
    assert metrics.expressions([tr, hand_made_trace(1)]) == 2


def test_battery_mean_is_time_weighted() -> None:
    assert metrics.battery_mean([hand_made_trace()]) == pytest.approx(0.355)


def test_place_share_holds_each_room_until_the_next_entry() -> None:
    assert metrics.place_share([hand_made_trace()]) == {"corridor_0": 0.4, "robotics_lab": 0.6}


def test_risky_events_are_overrides_plus_battery_dips() -> None:
    tr = hand_made_trace()
    assert metrics.low_battery_episodes([tr]) == 1
    assert metrics.risky_events([tr], safety_overrides=3) == 4
    assert metrics.low_battery_episodes([tr], threshold=0.01) == 0


def test_summary_of_the_hand_made_day() -> None:
    s = metrics.summarize([hand_made_trace()], [], office(), personality="Lazy", seed=0)
    assert s.distance_m == 10.0
    assert s.rooms_visited == 2 and s.floors_visited == 1
    assert s.revisit_ratio == pytest.approx(0.3333, abs=1e-4)
    assert s.social_interactions == 1
    assert s.battery_min == 1.0  # the trace's own minimum field (no recorder filled it)
    assert 0.0 < s.coverage < 0.1  # a few square metres of the whole office


def test_heatmap_holds_the_robot_time_in_the_right_cells() -> None:
    hm = HeatMap.from_traces([hand_made_trace()], office())
    assert hm.total_s() == pytest.approx(1000.0)
    grid = hm.array(0)
    x0, y0 = hm.origin
    assert grid[int(10 - y0), int(10 - x0)] == pytest.approx(400.0)
    assert grid[int(14 - y0), int(13 - x0)] == pytest.approx(600.0)
    assert hm.array(1).sum() == 0.0
    both = mean_heatmap([hm, HeatMap.empty(office())])
    assert both.total_s() == pytest.approx(500.0)


def test_ground_truth_of_the_world_log_and_skills() -> None:
    tr = hand_made_trace()
    assert boardings(tr) == {"elevator_b": 2, "elevator_a": 1}
    assert meetings([tr], office()) == {"robotics_lab": {"alice"}}
    assert where_at(tr, office(), tr.start + 150) == "robotics_lab"
    assert where_at(tr, office(), tr.start - 1) is None
