"""Sys1's route planner: inline (the in-process runtime) or on a worker thread (a robot)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sys1_support import QUIET, office, rig

from pepa.agent.sys1.executor import Sys1
from pepa.agent.sys1.planner import InlinePlanner, ThreadedPlanner
from pepa.agent.sys1.recorder import ListSink
from pepa.building.routing import NoRouteError
from pepa.clock import at
from pepa.messages import SkillCall
from pepa.sim.robot_adapter import SimRobot, WorldTruth, run_world
from pepa.sim.world import World


def threaded_rig(finished: list[int]) -> tuple[World, Sys1, ThreadedPlanner]:
    """Sys1 with a threaded planner; ``finished`` gets an entry per job done."""
    b = office()
    world = World(b, seed=1, start_time=at(0, 9.0), event_config=QUIET)
    planner = ThreadedPlanner(on_ready=lambda: finished.append(1))
    robot = SimRobot(world)
    sys1 = Sys1(robot, b, sink=ListSink(), truth=WorldTruth(world), now=world.now, planner=planner)
    return world, sys1, planner


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.01)
    return cond()


def test_inline_planner_hands_out_finished_jobs() -> None:
    p = InlinePlanner()
    assert p.submit(lambda: 42).result() == 42
    job = p.submit(lambda: (_ for _ in ()).throw(NoRouteError("walled in")))
    assert job.done
    with pytest.raises(NoRouteError, match="walled in"):
        job.result()


def test_inline_navigation_never_waits_for_its_route() -> None:
    r = rig()
    h = r.sys1.run(SkillCall(skill="navigate", args={"place": "reception"}))
    r.sys1.tick(r.world.now)
    assert r.sys1.ctx.moving, "the first tick plans and moves (the search ran inline)"
    r.sys1.cancel("test over")
    assert h.done


def test_control_ticks_go_on_while_the_search_runs_on_the_worker() -> None:
    finished: list[int] = []
    world, sys1, planner = threaded_rig(finished)
    gate = threading.Event()
    try:
        planner.submit(gate.wait)  # the worker is busy: the route search queues behind this
        h = sys1.run(SkillCall(skill="navigate", args={"place": "reception"}))
        started = time.perf_counter()
        for _ in range(10):
            sys1.tick(world.now)
            world.skip(world.now + 0.05)
        assert time.perf_counter() - started < 1.0, "ticks do not wait for the search"
        assert not h.done and not sys1.ctx.moving, "the robot stands while the route is searched"
        gate.set()
        assert wait_for(lambda: len(finished) == 2), "the planner says when the route is ready"
        sys1.tick(world.now)  # at once, not a control period later
        assert sys1.ctx.moving, "the first tick after the search moves the robot"
        run_world(world, sys1, world.now + 600.0)
        assert h.done and h.results[-1].status.value == "success", h.reason
    finally:
        gate.set()
        planner.close()


def test_the_battery_reserve_does_not_search_the_way_to_the_dock_in_the_tick() -> None:
    finished: list[int] = []
    world, sys1, planner = threaded_rig(finished)
    world.battery.energy_wh = 0.17 * world.battery.config.capacity_wh
    gate = threading.Event()
    try:
        planner.submit(gate.wait)  # the worker is busy: every search queues behind this
        h = sys1.run(SkillCall(skill="patrol", args={"floor": 2}))
        started = time.perf_counter()
        for _ in range(10):
            sys1.tick(world.now)
            world.skip(world.now + 0.05)
        assert time.perf_counter() - started < 1.0, "ticks do not wait for the way to the dock"
        assert not h.done, "the reserve is not judged before the way to the dock is known"
        gate.set()
        end = world.now + 3600.0
        while not h.done and world.now < end:
            run_world(world, sys1, world.now + 1.0)
            time.sleep(0.002)  # let the worker search
        assert h.state.value == "cancelled" and "battery reserve" in h.reason, h.reason
    finally:
        gate.set()
        planner.close()


def test_a_cancelled_skill_drops_its_queued_search() -> None:
    finished: list[int] = []
    world, sys1, planner = threaded_rig(finished)
    gate = threading.Event()
    try:
        planner.submit(gate.wait)
        sys1.run(SkillCall(skill="navigate", args={"place": "reception"}))
        sys1.tick(world.now)  # the route search is queued behind the gate
        sys1.cancel("changed my mind")
        gate.set()
        last = planner.submit(lambda: "after")
        assert wait_for(lambda: last.done) and last.result() == "after"
        planner.close()  # the worker's callbacks are over
        assert len(finished) == 2, "the gate and the last job ran; the dropped search did not"
        assert not sys1.busy and not sys1.ctx.moving
    finally:
        gate.set()
        planner.close()


def test_a_closed_planner_refuses_work() -> None:
    planner = ThreadedPlanner()
    planner.close()
    with pytest.raises(RuntimeError, match="closed"):
        planner.submit(lambda: 1)
