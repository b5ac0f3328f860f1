"""People the robot leads: they leave their schedule and walk behind it.

Everyone else's position is computed from the time on demand; a led person is the one
exception and is integrated with the robot. They walk the robot's own trail (so they pass
where it passed: doors, corridors, the stairs) at their walking speed and stop a gap behind
it. When the robot drives into an elevator car they squeeze in behind it and ride along; if
the doors close before they are in, or the car is full, the ride is missed and they wait where
the trail left them. Nothing here is random: the same seed gives the same walk.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from pepa.building.layout import Building
from pepa.sim.elevator import ElevatorCar
from pepa.sim.people import PersonState

# How far behind the robot (along its path) a led person walks: a couple of steps, and no
# nearer, so that the robot turning round can read their badge (1.25 m up) with a camera
# 0.5 m off the floor, which needs about 1.6 m.
FOLLOW_GAP_M = 1.8
CAR_GAP_M = 0.3  # squeezed into an elevator car behind the robot
CRUMB_M = 0.25  # spacing of the points recorded along the robot's path
LEAD_REACH_M = 3.0  # a person further away (or out of sight) is not asked along
MAX_TRAIL = 4000  # points (about 1 km) a follower may fall behind before losing the robot
LOST = "lost"  # the barrier put on the trail of someone who fell that far behind
FOLLOWING = "following"


@dataclass(frozen=True)
class TrailPoint:
    """A point of the robot's path as a follower walks it."""

    floor: int
    x: float
    y: float
    # reached from the previous point by riding this elevator (or LOST: never reached)
    ride: str | None = None


@dataclass
class Follower:
    """One led person: where they are and the stretch of the robot's trail ahead of them."""

    person_id: str
    speed_mps: float
    floor: int
    x: float
    y: float
    heading: float
    trail: deque[TrailPoint] = field(default_factory=deque)
    car: str | None = None  # the elevator car they stand in

    @property
    def missed_ride(self) -> bool:
        return any(c.ride is not None for c in self.trail)

    def state(self) -> PersonState:
        return PersonState(
            self.person_id, self.floor, self.x, self.y, self.heading, FOLLOWING, None
        )


class Leading:
    """Everyone the robot leads now, moved along its trail as the world advances."""

    def __init__(self, building: Building) -> None:
        self.building = building
        self.followers: dict[str, Follower] = {}
        self._last: TrailPoint | None = None  # the robot's last recorded point
        self._shafts = [(e.id, e.shaft, frozenset(e.floors)) for e in building.elevators]

    def start(self, state: PersonState, speed_mps: float, robot: TrailPoint) -> Follower:
        f = Follower(state.id, speed_mps, state.floor, state.x, state.y, state.heading)
        self.followers[state.id] = f
        self._last = robot
        return f

    def stop(self, person_id: str, cars: Mapping[str, ElevatorCar]) -> Follower | None:
        f = self.followers.pop(person_id, None)
        if f is not None and f.car is not None:
            car = cars[f.car]
            car.riders.pop(f.person_id, None)  # steps out whatever the doors: they stay put
            f.car = None
        if not self.followers:
            self._last = None
        return f

    def carried(self, car_id: str, floor: int, robot_x: float, robot_y: float) -> None:
        """The robot's car arrived at ``floor``: whoever is in it arrives too; whoever is not
        has the ride on their trail and cannot follow past it."""
        here = TrailPoint(floor, robot_x, robot_y)
        for f in self.followers.values():
            if f.car == car_id:
                f.floor = floor
                f.trail.clear()
            elif not f.missed_ride:
                f.trail.append(TrailPoint(floor, robot_x, robot_y, ride=car_id))
        self._last = here

    def update(
        self,
        dt: float,
        robot: TrailPoint,
        robot_car: str | None,
        cars: Mapping[str, ElevatorCar],
    ) -> None:
        """Record the robot's point and walk every follower ``dt`` seconds along the trail."""
        last = self._last
        if last is None or last.floor != robot.floor or _dist(last, robot) >= CRUMB_M:
            for f in self.followers.values():
                if f.missed_ride:
                    continue
                if len(f.trail) >= MAX_TRAIL:
                    f.trail.append(TrailPoint(robot.floor, robot.x, robot.y, ride=LOST))
                else:
                    f.trail.append(robot)
            self._last = robot
        for f in self.followers.values():
            # in a car with the robot, or stepping out of it behind the robot, they keep
            # close: the doors do not wait for a polite gap
            close = robot_car is not None or f.car is not None
            self._walk(f, dt, robot, CAR_GAP_M if close else FOLLOW_GAP_M, cars)

    # --- one follower ----------------------------------------------------------------------

    def _walk(
        self,
        f: Follower,
        dt: float,
        robot: TrailPoint,
        gap: float,
        cars: Mapping[str, ElevatorCar],
    ) -> None:
        ahead: list[TrailPoint] = []
        for c in f.trail:
            if c.ride is not None:
                break
            ahead.append(c)
        blocked = len(ahead) < len(f.trail)
        if not blocked:
            ahead.append(robot)  # the robot itself is the end of the trail
        else:
            gap = FOLLOW_GAP_M  # wait by the car they missed, not in its shaft
        total = 0.0
        px, py = f.x, f.y
        for c in ahead:
            total += math.hypot(c.x - px, c.y - py)
            px, py = c.x, c.y
        crumbs = len(ahead) - (0 if blocked else 1)
        budget = min(f.speed_mps * dt, total - gap)
        if budget <= 1e-9:
            if not blocked and robot.floor == f.floor:
                f.heading = math.atan2(robot.y - f.y, robot.x - f.x)
            return
        for i, c in enumerate(ahead):
            seg = math.hypot(c.x - f.x, c.y - f.y)
            if seg > budget:
                u = budget / seg
                nx, ny, nfloor = f.x + u * (c.x - f.x), f.y + u * (c.y - f.y), f.floor
            else:
                nx, ny, nfloor = c.x, c.y, c.floor
            if not self._may_step(f, nfloor, nx, ny, cars):
                return
            if seg > 1e-9:
                f.heading = math.atan2(c.y - f.y, c.x - f.x)
            f.x, f.y, f.floor = nx, ny, nfloor
            if seg > budget:
                return
            budget -= seg
            if i < crumbs:
                f.trail.popleft()

    def _may_step(
        self, f: Follower, floor: int, x: float, y: float, cars: Mapping[str, ElevatorCar]
    ) -> bool:
        """Into or out of an elevator car only through open doors (and into it only with room
        to spare); the person is counted in the car's load while inside."""
        inside = self._shaft_at(floor, x, y)
        if inside == f.car:
            return True
        if f.car is not None:
            car = cars[f.car]
            if not (car.doors_open and car.floor == floor):
                return False
            car.alight(f.person_id)
            f.car = None
        if inside is not None:
            car = cars[inside]
            if not (car.doors_open and car.floor == floor) or car.load + 1 > car.spec.capacity:
                return False
            car.board(f.person_id, 1)
            f.car = inside
        return True

    def _shaft_at(self, floor: int, x: float, y: float) -> str | None:
        for eid, (x0, y0, x1, y1), floors in self._shafts:
            if floor in floors and x0 <= x <= x1 and y0 <= y <= y1:
                return eid
        return None


def _dist(a: TrailPoint, b: TrailPoint) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)
