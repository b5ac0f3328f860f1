"""Elevator cars: every transition, several calls at once, capacity, out of service, riding."""

from __future__ import annotations

import math

import pytest

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.elevator import ElevatorCar, ElevatorError, ElevatorState
from pepa.sim.world import World


@pytest.fixture(scope="module")
def office():
    return load_building()


@pytest.fixture()
def car(office) -> ElevatorCar:
    return ElevatorCar(office.elevators[0], start_time=0.0)


def _run(car: ElevatorCar, until: float) -> None:
    car.advance(until)


def test_idle_car_goes_through_every_state_for_one_call(car) -> None:
    spec = car.spec
    assert car.state == ElevatorState.IDLE and car.floor == 0
    assert car.call(2, now=0.0)
    assert car.state == ElevatorState.MOVING and car.direction == 1
    _run(car, spec.travel_s_per_floor * 2 - 0.01)
    assert car.state == ElevatorState.MOVING and car.floor == 1  # passing floor 1
    assert car.position(spec.travel_s_per_floor * 1.5) == pytest.approx(1.5)
    t = spec.travel_s_per_floor * 2
    _run(car, t)
    assert car.state == ElevatorState.DOORS_OPENING and car.floor == 2
    t += spec.door_move_s
    _run(car, t)
    assert car.state == ElevatorState.DOORS_OPEN and car.doors_open
    t += spec.door_dwell_s
    _run(car, t)
    assert car.state == ElevatorState.DOORS_CLOSING
    t += spec.door_move_s
    _run(car, t)
    assert car.state == ElevatorState.IDLE and car.next_time is None
    states = [s for _, s, _ in car.transitions]
    assert states == ["moving", "passing", "doors_opening", "doors_open", "doors_closing", "idle"]


def test_hall_call_at_the_cars_floor_opens_the_doors(car) -> None:
    car.call(0, now=0.0)
    assert car.state == ElevatorState.DOORS_OPENING
    _run(car, car.spec.door_move_s)
    assert car.doors_open


def test_calls_from_several_floors_at_once_are_all_served_in_sweep_order(car) -> None:
    car.call(2, now=0.0)
    car.call(1, now=0.0)
    _run(car, 1.0)
    car.call(0, now=1.0)  # behind the car: served after the up sweep
    stops = []
    t = 1.0
    while t < 200.0:
        t += 0.5
        car.advance(t)
        if car.state == ElevatorState.DOORS_OPEN and (not stops or stops[-1] != car.floor):
            stops.append(car.floor)
    assert stops == [1, 2, 0]
    assert car.state == ElevatorState.IDLE and not car.hall_calls and not car.car_calls


def test_car_calls_and_a_call_picked_up_on_the_way(car) -> None:
    car.call(0, now=0.0)
    _run(car, car.spec.door_move_s)
    car.board("alice", 1)
    car.press(2, now=car.spec.door_move_s)
    t = car.spec.door_move_s + car.spec.door_dwell_s + car.spec.door_move_s
    _run(car, t + 0.5)
    assert car.state == ElevatorState.MOVING
    car.call(1, now=t + 0.5)  # floor 1 calls while the car travels up past it
    stops = []
    while t < 200.0:
        t += 0.5
        car.advance(t)
        if car.state == ElevatorState.DOORS_OPEN and (not stops or stops[-1] != car.floor):
            stops.append(car.floor)
    assert stops == [1, 2]


def test_capacity_is_enforced_and_boarding_needs_open_doors(car) -> None:
    with pytest.raises(ElevatorError, match="doors are not open"):
        car.board("bob")
    car.call(0, now=0.0)
    _run(car, car.spec.door_move_s)
    for i in range(car.spec.capacity):
        car.board(f"p{i}")
    with pytest.raises(ElevatorError, match="full"):
        car.board("one_more")
    car.alight("p0")
    car.board("one_more")
    assert car.load == car.spec.capacity


def test_obstructed_doorway_keeps_the_doors_open(car) -> None:
    blocked = {"on": True}
    car.doorway_blocked = lambda c: blocked["on"]
    car.call(0, now=0.0)
    t = car.spec.door_move_s + car.spec.door_dwell_s + 5.0
    _run(car, t)
    assert car.state == ElevatorState.DOORS_OPEN
    blocked["on"] = False
    _run(car, t + 1.0)
    assert car.state == ElevatorState.DOORS_CLOSING


def test_closing_doors_reopen_for_a_call_at_the_floor(car) -> None:
    car.call(0, now=0.0)
    t = car.spec.door_move_s + car.spec.door_dwell_s + 0.5
    _run(car, t)
    assert car.state == ElevatorState.DOORS_CLOSING
    car.call(0, now=t)
    assert car.state == ElevatorState.DOORS_OPENING


def test_out_of_service_car_refuses_calls_and_parks_then_returns(car) -> None:
    car.call(2, now=0.0)
    car.set_out_of_service(True, now=1.0)
    assert not car.call(1, now=1.0)
    _run(car, 100.0)
    assert car.state == ElevatorState.OUT_OF_SERVICE
    assert not car.call(0, now=100.0)
    car.set_out_of_service(False, now=101.0)
    assert car.state == ElevatorState.IDLE
    assert car.call(0, now=101.0)
    assert car.state == ElevatorState.MOVING


def test_unserved_floor_is_an_error(car) -> None:
    with pytest.raises(ElevatorError, match="does not serve floor 7"):
        car.call(7, now=0.0)


def _drive_to(world: World, p: tuple[float, float], tol: float = 0.2, limit: int = 600) -> bool:
    for _ in range(limit):
        r = world.robot
        d = math.hypot(p[0] - r.x, p[1] - r.y)
        if d < tol:
            world.set_cmd_vel(0.0, 0.0)
            return True
        err = (math.atan2(p[1] - r.y, p[0] - r.x) - r.theta + math.pi) % (2 * math.pi) - math.pi
        world.set_cmd_vel(0.0 if abs(err) > 0.4 else min(0.6, d), 2.0 * err)
        world.step(0.1)
    return False


def test_robot_calls_waits_boards_rides_and_exits_without_teleporting(office) -> None:
    w = World(office, seed=0, start_time=at(5, 7.0), passengers_per_hour=0)
    e = office.elevators[0]
    lobby = office.room(e.door(0).lobby)
    hall = (e.door(0).center[0] + 1.1, e.door(0).center[1])
    r = w.robot
    r.floor, r.x, r.y, r.theta = 0, lobby.center[0], hall[1], math.pi
    # the closed door stops the robot
    assert not _drive_to(w, e.car_center, limit=80)
    assert w.aboard is None and r.collisions > 0
    assert w.call_elevator(e.id, 1)  # the car is at floor 0: call it to another floor first
    w.skip(w.now + 60.0)
    assert w.elevator_status(e.id).floor == 1
    assert w.call_elevator(e.id, 0)
    while not (w.elevator_status(e.id).doors_open and w.elevator_status(e.id).floor == 0):
        w.skip(w.next_change_time())
    assert _drive_to(w, e.car_center, tol=0.3)
    assert w.aboard == e.id and w.elevator_status(e.id).load == 2
    with pytest.raises(ElevatorError):
        w.press_elevator_button(office.elevators[1].id, 2)
    assert w.press_elevator_button(e.id, 2)
    while w.elevator_status(e.id).state != "moving":
        w.skip(w.next_change_time())
    here = (w.robot.x, w.robot.y)
    seen_floors = set()
    while w.elevator_status(e.id).state == "moving":
        w.set_cmd_vel(0.5, 0.0)  # the doors are shut: the robot cannot move in the car
        w.step(0.5)
        seen_floors.add(w.robot.floor)
        assert (w.robot.x, w.robot.y) == here
    while not (w.elevator_status(e.id).floor == 2 and w.elevator_status(e.id).doors_open):
        w.skip(w.next_change_time())
    assert seen_floors >= {1, 2}
    assert _drive_to(w, hall)
    assert w.aboard is None and w.robot.floor == 2
    assert w.stats.elevator_rides == 1 and 2 in w.stats.floors_visited
