"""A robot left where Sys1's map does not let it plan from still finds its way to the dock.

Regression: after the stairs (a descent stopped on the mid landing, or a morning that starts
there) or a ride that left it in a car with the doors shut, every route used to fail with
"start or goal is not connected" and the battery ran empty.
"""

from __future__ import annotations

import math

from sys1_support import Rig, rig

from pepa.agent.sys1.executor import HandleState
from pepa.messages import SkillCall
from pepa.sim.robot import RobotBase
from pepa.sim.robot_adapter import run_world


def _docked(r: Rig) -> None:
    h = r.call("navigate", place="dock", limit_s=1800)
    assert h.state == HandleState.SUCCESS, h.reason
    p = r.sys1.ctx.pose
    dock = r.world.building.dock
    assert p.floor == r.world.building.room(dock.room).floor
    assert abs(p.x - dock.x) < 1.0 and abs(p.y - dock.y) < 1.0


def test_robot_stopped_on_the_stairs_landing_after_a_descent_routes_to_the_dock() -> None:
    r = rig()
    assert r.call("take_stairs", floor=1, limit_s=1800).state == HandleState.SUCCESS
    r.sys1.run(SkillCall(skill="take_stairs", args={"floor": 0}))
    end = r.world.now + 600
    while r.world.robot.region != "mid" and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 0.5)
    assert r.world.robot.region == "mid", "the descent never reached the mid landing"
    r.sys1.cancel("stopped on the stairs")
    # Sys1 first takes the robot off the stairs by itself; the way to the dock starts there
    end = r.world.now + 300
    run_world(r.world, r.sys1, r.world.now + 1.0)
    while r.sys1.busy and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 5.0)
    assert r.world.robot.region == "floor"
    _docked(r)


def test_morning_on_a_blocked_stairs_cell_routes_from_the_nearest_free_cell() -> None:
    r = rig()
    b = r.world.building
    r.world.robot = RobotBase(b, seed=1, x=1.6, y=4.6, theta=0.0, floor=0)
    r.sys1.ctx.refresh(r.world.now)
    fc = r.sys1.ctx.cspace[0]
    assert fc.blocked_closed[fc.grid.to_cell(1.6, 4.6)], "the pose is meant to be blocked"
    route = r.sys1.ctx.route(r.sys1.ctx.resolve("dock"))
    assert route.legs[0].points[0] == (1.6, 4.6)
    _docked(r)


def test_robot_shut_in_an_elevator_car_gets_out_and_reaches_the_dock() -> None:
    r = rig()
    w = r.world
    e = w.building.elevators[0]
    hall = r.sys1.ctx.router.nodes[r.sys1.ctx.router.hall_nodes[(e.id, 0)]]
    h = r.call("navigate", place="elevator_lobby_0")
    assert h.state == HandleState.SUCCESS, h.reason
    w.robot.x, w.robot.y = hall.x, hall.y  # in front of the doors
    w.robot.theta = math.atan2(e.car_center[1] - w.robot.y, e.car_center[0] - w.robot.x)
    w.call_elevator(e.id, 0)
    end = w.now + 300
    while not w.elevator_status(e.id).doors_open and w.now < end:
        w.step(0.5)
    stop_x = e.car_center[0] + 0.45  # short of the centre, clear of the doorway
    w.robot.v, w.robot.w = 0.5, 0.0
    while w.robot.x > stop_x and w.now < end:
        w.step(0.1)
    w.robot.stop()
    while w.elevator_status(e.id).doors_open and w.now < end:
        w.step(1.0)
    assert w.aboard == e.id and not w.elevator_status(e.id).doors_open
    r.sys1.ctx.refresh(w.now)
    _docked(r)
    assert w.aboard is None
