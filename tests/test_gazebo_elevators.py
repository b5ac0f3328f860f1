"""PEPA's elevator state machines and battery model on Gazebo's terms: joint targets from the
state machine, boarding and the doorway from the robot's pose, energy from odometry."""

from __future__ import annotations

import itertools
import math

import pytest

from pepa.building.layout import Building, load_building
from pepa.messages import ElevatorCall
from pepa.sim.elevator import ElevatorError
from pepa.sim.gazebo import names
from pepa.sim.gazebo.battery import OdometryBattery
from pepa.sim.gazebo.elevators import ElevatorBank


@pytest.fixture(scope="module")
def office() -> Building:
    return load_building()


def _run(bank: ElevatorBank, t0: float, t1: float, step: float = 0.1) -> dict[str, list[float]]:
    """Every joint target from t0 to t1."""
    seen: dict[str, list[float]] = {}
    t = t0
    while t <= t1:
        for topic, value in bank.joint_targets(t).items():
            seen.setdefault(topic, []).append(value)
        t += step
    return seen


def test_a_hall_call_lifts_the_car_to_the_floor_and_opens_that_floors_door(
    office: Building,
) -> None:
    e = office.elevators[0]
    elevation = {f.level: f.elevation_m for f in office.floors}
    target = max(e.floors, key=elevation.__getitem__)
    rise = elevation[target] - elevation[e.start_floor]
    bank = ElevatorBank(office, 0.0)
    assert bank.call(ElevatorCall(elevator=e.id, floor=target), 0.0)
    travel = abs(target - e.start_floor) * e.travel_s_per_floor
    seen = _run(bank, 0.0, travel + e.door_move_s + 1.0)
    heights = seen[names.car_topic(e.id)]
    assert heights[0] == 0.0
    steps = [b - a for a, b in itertools.pairwise(heights)]
    assert min(steps) >= 0.0
    # never teleports: each 0.1 s step is at most a storey's share of the travel time
    storey = max(b - a for a, b in itertools.pairwise(sorted(elevation.values())))
    assert max(steps) <= storey / e.travel_s_per_floor * 0.1 + 1e-9
    assert 0 < heights[len(heights) // 3] < rise
    assert math.isclose(heights[-1], rise)
    door = seen[names.door_topic(e.id, target)]
    assert door[0] == 0.0 and math.isclose(door[-1], e.door(target).width_m)
    assert max(seen[names.door_topic(e.id, e.start_floor)]) == 0.0
    status = bank.status(e.id, travel + e.door_move_s + 1.0)
    assert status.floor == target and status.doors_open


def test_the_robot_in_the_doorway_holds_the_doors_and_boards_when_inside(
    office: Building,
) -> None:
    e = office.elevators[0]
    floor = e.start_floor
    z = {f.level: f.elevation_m for f in office.floors}[floor]
    bank = ElevatorBank(office, 0.0)
    bank.call(ElevatorCall(elevator=e.id, floor=floor), 0.0)
    bank.advance(e.door_move_s + 0.1)
    assert bank.status(e.id, e.door_move_s + 0.1).doors_open
    door = e.door(floor)
    bank.robot_at(door.center[0], door.center[1], z, e.door_move_s + 0.2)
    late = e.door_move_s + 3 * e.door_dwell_s
    bank.advance(late)
    assert bank.status(e.id, late).doors_open  # held open while the robot stands in it
    cx, cy = e.car_center
    bank.robot_at(cx, cy, z, late + 0.1)
    status = bank.status(e.id, late + 0.1)
    assert status.robot_aboard and status.load == 2
    other = next(f for f in e.floors if f != floor)
    assert bank.call(ElevatorCall(elevator=e.id, floor=other, button="car"), late + 0.2)
    end = late + 0.2 + e.door_dwell_s + 2 * e.door_move_s + abs(other - floor) * 3.0 + 5.0
    bank.advance(end)
    assert bank.status(e.id, end).floor == other


def test_unknown_elevators_and_unserved_floors_are_refused_by_name(office: Building) -> None:
    bank = ElevatorBank(office, 0.0)
    with pytest.raises(ElevatorError, match="unknown elevator 'nope'"):
        bank.call(ElevatorCall(elevator="nope", floor=0), 0.0)
    e = office.elevators[0]
    with pytest.raises(ElevatorError, match="does not serve floor 9"):
        bank.call(ElevatorCall(elevator=e.id, floor=9), 0.0)


def test_the_battery_drains_with_motion_and_charges_on_the_dock(office: Building) -> None:
    dock = office.spec.dock
    z = {f.level: f.elevation_m for f in office.floors}[office.room(dock.room).floor]
    idle, moving = OdometryBattery(office), OdometryBattery(office)
    for i in range(40):
        idle.update(5.0 * i, dock.x + 2.0, dock.y - 2.0, z, 0.0, 0.0)
        moving.update(5.0 * i, dock.x + 2.0, dock.y - 2.0, z, 0.8, 0.0)
    assert moving.soc < idle.soc < 1.0
    assert not moving.charging and not idle.charging
    start = moving.soc
    for i in range(40, 200):
        moving.update(5.0 * i, dock.x, dock.y, z, 0.0, 0.0)
    assert moving.charging and moving.soc > start
    # a gap in odometry (a paused simulation) is not integrated
    before = idle.soc
    idle.update(10_000.0, dock.x + 2.0, dock.y - 2.0, z, 0.0, 0.0)
    assert idle.soc == before
