"""The livelock guard: the same return N times within M minutes stops the work, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from l_building import l_building_spec
from sys1_support import office, rig

from pepa.agent.experiment import run_experiment
from pepa.agent.metrics import summarize
from pepa.agent.oscillation import oscillations
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.sys1.config import LivelockConfig
from pepa.agent.sys1.executor import HandleState
from pepa.agent.sys1.livelock import LivelockGuard, ReturnKind
from pepa.agent.sys1.recorder import LIVELOCK
from pepa.agent.sys2.replanner import UNFIXABLE
from pepa.agent.trace import DayTrace
from pepa.messages import SkillCall, SkillStatus
from pepa.sim.robot_adapter import run_world

CFG = LivelockConfig(returns=4, window_s=600.0, spot_m=2.0)


def test_the_same_floor_change_n_times_within_the_window_is_a_livelock() -> None:
    guard = LivelockGuard(CFG)
    for i in range(3):
        guard.floor_changed(100.0 * i, 3 + i % 2, 4 - i % 2, 10.0, 2.5 + 0.1 * i)
        assert guard.pending is None
    guard.floor_changed(300.0, 4, 3, 10.5, 2.6)
    lock = guard.take()
    assert lock is not None and lock.last.kind == ReturnKind.FLOOR_CHANGE
    assert lock.last.floors == (3, 4) and lock.count == 4
    assert "floor 3 and floor 4" in lock.reason and lock.reason.startswith("livelock")
    assert guard.take() is None and guard.stopped == [lock]


def test_the_same_blocked_spot_n_times_is_a_livelock() -> None:
    guard = LivelockGuard(CFG)
    for i in range(4):
        guard.blocked(60.0 * i, 2, 63.8, 2.6)
    lock = guard.take()
    assert lock is not None and lock.last.kind == ReturnKind.BLOCKED
    assert "blocked at floor 2 (63.8, 2.6)" in lock.reason


def test_returns_spread_out_elsewhere_or_of_another_kind_are_no_livelock() -> None:
    guard = LivelockGuard(CFG)
    t = 0.0
    for _ in range(10):  # the same stairs, but slower than N within M
        guard.floor_changed(t, 0, 1, 5.0, 3.0)
        t += CFG.window_s / (CFG.returns - 1) + 1.0
    for i in range(10):  # as often, but each time somewhere else
        guard.floor_changed(t + i, 1, 2, 5.0 + 3.0 * i, 3.0)
    for i in range(3):  # other floors, other kinds at the same spot
        guard.floor_changed(t + 20 + i, 2, 3, 5.0, 3.0)
        guard.blocked(t + 20 + i, 2, 5.0, 3.0)
    assert guard.pending is None


def test_a_step_that_succeeds_between_returns_is_progress() -> None:
    guard = LivelockGuard(CFG)
    for i in range(3 * CFG.returns):
        guard.floor_changed(10.0 * i, 2 + i % 2, 3 - i % 2, 1.6, 4.6)
        if i % (CFG.returns - 1) == CFG.returns - 2:
            guard.progress()  # e.g. each explore of the floor above succeeded
    assert guard.pending is None


def test_after_a_livelock_the_count_starts_again() -> None:
    guard = LivelockGuard(CFG)
    for i in range(4):
        guard.blocked(float(i), 0, 1.0, 1.0)
    assert guard.take() is not None
    for i in range(3):
        guard.blocked(10.0 + i, 0, 1.0, 1.0)
    assert guard.pending is None


def test_sys1_stops_work_caught_in_an_oscillation_with_a_failure_sys2_does_not_repeat() -> None:
    """A constructed oscillation: the robot is carried between two floors at one spot while
    a long rest runs; the guard stops the rest as a failure, records it, and counts it."""
    r = rig(config=None)
    sys1 = r.sys1
    n = sys1.config.livelock.returns
    h = sys1.run(SkillCall(skill="rest", args={"duration_s": 3600}))
    world = r.world
    floors = (0, 1)
    for i in range(n):
        world.robot.carry(floors[(i + 1) % 2])
        run_world(world, sys1, world.now + 60.0)
        if i < n - 1:
            assert not h.done, f"stopped after only {i + 1} returns"
    assert h.state == HandleState.FAILURE and h.reason.startswith("livelock")
    res = h.results[-1]
    assert res.status == SkillStatus.FAILURE and res.reason.startswith("livelock")
    assert any(word in res.reason for word in UNFIXABLE)
    assert [e for e in r.sink.items if e.kind == LIVELOCK]
    assert len(sys1.ctx.livelock.stopped) == 1


def test_a_normal_hour_of_errands_across_floors_trips_no_livelock() -> None:
    r = rig()
    for place in ("meeting_room_atlas", "robotics_lab", "dock", "sales_office", "home"):
        h = r.call("navigate", place=place, limit_s=1800)
        assert h.state == HandleState.SUCCESS, h.reason
    for floor in (1, 2, 1, 0):
        assert r.call("take_stairs", floor=floor, limit_s=1800).state == HandleState.SUCCESS
    assert r.call("explore", floor=1, limit_s=3600).state == HandleState.SUCCESS
    assert not r.sys1.ctx.livelock.stopped and r.sys1.ctx.livelock.pending is None


def test_the_summary_counts_the_livelocks_of_every_day() -> None:
    days = [
        DayTrace(day=0, start=0.0, end=10.0, livelocks=[(5.0, 1, 2.0, 3.0)]),
        DayTrace(day=1, start=86400.0, end=86410.0),
        DayTrace(day=2, start=172800.0, end=172810.0, livelocks=[(1.0, 0, 0, 0), (2.0, 0, 0, 0)]),
    ]
    summary = summarize(days, [], office(), personality="Curious", seed=0)
    assert summary.livelocks_stopped == 3


@pytest.mark.slow
def test_a_normal_morning_of_curious_in_an_l_shaped_building_trips_no_livelock(
    tmp_path: Path,
) -> None:
    world = tmp_path / "l_building.yaml"
    world.write_text(yaml.safe_dump(l_building_spec()), encoding="utf-8")
    config = RuntimeConfig(
        personality="curious", seed=1, world=str(world), day_start_h=8.0, day_end_h=13.0
    )
    summary = run_experiment(config, 1, tmp_path / "run")
    assert summary.stairs_climbs > 0, "the morning never used the stairs"
    assert summary.livelocks_stopped == 0 and summary.rescues == 0
    trace = DayTrace.model_validate_json(
        next((tmp_path / "run").rglob("day-0000.json")).read_text(encoding="utf-8")
    )
    assert not oscillations(trace)
