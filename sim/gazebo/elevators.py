"""PEPA's elevator state machines driving Gazebo's elevator joints.

The same :class:`pepa.sim.elevator.ElevatorCar` the simulated office runs decides where each car
goes and when its doors open; this module turns its state into joint targets (the car's
height from its start floor, each landing door's opening) and keeps it informed of the
robot: boarding and leaving as the robot's pose enters or leaves a shaft, and holding the
doors while the robot stands in the doorway. No ROS here: the elevator bridge node feeds it
times, poses and calls and publishes what it returns.
"""

from __future__ import annotations

import math

from pepa.building.layout import Building
from pepa.messages import ElevatorCall, ElevatorStatus
from pepa.sim.elevator import ElevatorCar, ElevatorError, ElevatorState
from pepa.sim.gazebo import names
from pepa.sim.gazebo.pose import level_at_height
from pepa.sim.robot import RobotConfig

ROBOT_RIDER = "robot"
ROBOT_LOAD_UNITS = 2  # the robot takes the room of two people, as in the simulated office
#: The doors stay open while the robot is this far beyond its radius from a doorway's centre.
DOORWAY_REACH_M = 0.45


class ElevatorBank:
    """Every elevator of a building, stepped on the simulation's clock."""

    def __init__(
        self, building: Building, start_time: float, robot: RobotConfig | None = None
    ) -> None:
        self.building = building
        self.robot_radius_m = (robot or RobotConfig()).radius_m
        self.elevation = {f.level: f.elevation_m for f in building.floors}
        self.cars = {e.id: ElevatorCar(e, start_time) for e in building.elevators}
        for car in self.cars.values():
            car.doorway_blocked = self._doorway_blocked
        self.robot_xy: tuple[float, float] | None = None
        self.robot_floor: int | None = None
        self.aboard: str | None = None

    # --- inputs ---------------------------------------------------------------------------

    def call(self, call: ElevatorCall, now: float) -> bool:
        """A hall or car button; ElevatorError names an unknown car or unserved floor."""
        car = self.cars.get(call.elevator)
        if car is None:
            raise ElevatorError(
                f"unknown elevator {call.elevator!r}; this building has {sorted(self.cars)}"
            )
        car.advance(now)
        return car.call(call.floor, now) if call.button == "hall" else car.press(call.floor, now)

    def robot_at(self, x: float, y: float, z: float, now: float) -> None:
        """The robot's pose in the building (metres; ``z`` the height of its base)."""
        self.advance(now)
        self.robot_xy = (x, y)
        self.robot_floor = level_at_height(self.building, z)
        inside = None
        for e in self.building.elevators:
            x0, y0, x1, y1 = e.shaft
            if x0 <= x <= x1 and y0 <= y <= y1:
                inside = e.id
        if inside == self.aboard:
            return
        try:
            if self.aboard is not None:
                self.cars[self.aboard].alight(ROBOT_RIDER)
            if inside is not None:
                self.cars[inside].board(ROBOT_RIDER, ROBOT_LOAD_UNITS)
        except ElevatorError:
            return  # doors not open yet: the physics let the robot through; retry next pose
        self.aboard = inside

    def advance(self, now: float) -> None:
        for car in self.cars.values():
            car.advance(now)

    def _doorway_blocked(self, car: ElevatorCar) -> bool:
        if self.robot_xy is None or self.robot_floor != car.floor:
            return False
        cx, cy = car.spec.door(car.floor).center
        reach = self.robot_radius_m + DOORWAY_REACH_M
        return math.hypot(self.robot_xy[0] - cx, self.robot_xy[1] - cy) < reach

    # --- outputs --------------------------------------------------------------------------

    def status(self, elevator_id: str, now: float) -> ElevatorStatus:
        car = self.cars[elevator_id]
        return ElevatorStatus(
            elevator=car.id,
            time=now,
            floor=car.floor,
            state=car.state.value,
            direction=max(-1, min(1, car.direction)),
            doors_open=car.doors_open,
            hall_calls=sorted(car.hall_calls),
            car_calls=sorted(car.car_calls),
            load=car.load,
            capacity=car.spec.capacity,
            robot_aboard=self.aboard == car.id,
        )

    def car_height(self, elevator_id: str, now: float) -> float:
        """The car's joint target: metres above its start floor, between floors while moving."""
        car = self.cars[elevator_id]
        pos = car.position(now)
        low = math.floor(pos)
        e_low = self.elevation[low]
        e_high = self.elevation.get(low + 1, e_low)
        return e_low + (pos - low) * (e_high - e_low) - self.elevation[car.spec.start_floor]

    def door_opening(self, elevator_id: str, level: int, now: float) -> float:
        """How far (m) the landing door on ``level`` stands open."""
        car = self.cars[elevator_id]
        if car.floor != level or car.state == ElevatorState.MOVING:
            return 0.0
        moving = min(1.0, max(0.0, (now - car.state_since) / car.spec.door_move_s))
        frac = {
            ElevatorState.DOORS_OPENING: moving,
            ElevatorState.DOORS_OPEN: 1.0,
            ElevatorState.DOORS_CLOSING: 1.0 - moving,
        }.get(car.state, 0.0)
        return frac * car.spec.door(level).width_m

    def joint_targets(self, now: float) -> dict[str, float]:
        """Every joint target by its topic (see :mod:`pepa.sim.gazebo.names`)."""
        self.advance(now)
        out: dict[str, float] = {}
        for e in self.building.elevators:
            out[names.car_topic(e.id)] = self.car_height(e.id, now)
            for level in e.floors:
                out[names.door_topic(e.id, level)] = self.door_opening(e.id, level, now)
        return out
