"""The simulated office as one object a controller drives: robot, elevators, people, events.

Time is event-driven: elevators, events and other passengers have due times, people are
computed from the time on demand, and only the robot — with anyone it leads
(:meth:`World.lead_person`) — is integrated: at the controller's rate while it moves
(:meth:`World.step`), in one jump while it stands still (:meth:`World.skip`).
A controller sees what a robot adapter would give it: ``set_cmd_vel``, the robot state
(pose, floor, odometry, battery, charging), an elevator interface (call from a hall, press a
button inside; boarding and leaving happen by driving through the open doors), people, events,
and a ground-truth ``visible`` query for oracle perception.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import struct
from dataclasses import dataclass, field
from typing import Any

from pepa.building.layout import ELEVATOR_DOOR, OBJECT, WALL, Building
from pepa.building.occupancy import CSpace
from pepa.building.routing import Router
from pepa.clock import DAY_S, SimClock, at
from pepa.sim.battery import Battery, BatteryConfig, on_charger
from pepa.sim.elevator import ElevatorCar, ElevatorError, ElevatorState
from pepa.sim.events import (
    CorridorBlocked,
    CorridorCleared,
    ElevatorBackInService,
    ElevatorOutOfService,
    EventConfig,
    EventGenerator,
    ObjectAppeared,
    PersonRequest,
)
from pepa.sim.leading import LEAD_REACH_M, Leading, TrailPoint
from pepa.sim.people import People, PersonState
from pepa.sim.robot import RobotBase, RobotConfig

log = logging.getLogger(__name__)

ROBOT_RIDER = "robot"
ROBOT_LOAD_UNITS = 2  # the robot takes the room of two people in a car
PANEL_PROUD_M = 0.03  # a call panel's face stands this far off its wall
#: A marker (a badge on someone's chest too) turned further than 75 degrees from the direction
#: back to the viewer is seen edge-on or from behind: it cannot be read.
FACES_VIEWER_COS = math.cos(math.radians(75))
_PACK = struct.Struct("<4di").pack


def faces_viewer(dx: float, dy: float, facing: float, dist: float) -> bool:
    """Whether a marker ``(dx, dy)`` away (``dist`` long, > 0) whose normal points along
    ``facing`` turns to the viewer enough to be read (see :data:`FACES_VIEWER_COS`)."""
    # cosine of the angle between the marker's normal and the direction back to the viewer
    return (-dx * math.cos(facing) - dy * math.sin(facing)) / dist > FACES_VIEWER_COS


@dataclass(frozen=True)
class RobotState:
    t: float
    x: float
    y: float
    theta: float
    floor: int
    z: float
    v: float
    w: float
    odom_x: float
    odom_y: float
    odom_theta: float
    battery_soc: float
    charging: bool
    stopped: bool
    on_stairs: bool
    aboard: str | None  # elevator id when inside a car
    collided: bool


@dataclass(frozen=True)
class ElevatorStatus:
    id: str
    state: str
    floor: int
    position: float
    direction: int
    doors_open: bool
    load: int
    capacity: int
    out_of_service: bool
    hall_calls: tuple[int, ...]
    car_calls: tuple[int, ...]


@dataclass(frozen=True)
class Sighting:
    """Something the robot could see: a landmark, a badge, a call panel or a new object."""

    kind: str  # "landmark", "person", "elevator_panel", "object"
    id: str
    marker_id: int | None
    floor: int
    x: float
    y: float
    distance: float
    bearing: float  # radians, relative to the robot's heading (left positive)
    facing: bool  # the marker faces the robot (incidence below 75 degrees)


#: A sight candidate: kind, id, marker id, x, y, facing (None: any), clearance near it.
_Candidate = tuple[str, str, int | None, float, float, float | None, float]


@dataclass(order=True)
class _Passenger:
    t: float
    id: str = field(compare=False)
    origin: int = field(compare=False)
    dest: int = field(compare=False)
    elevator: str | None = field(default=None, compare=False)


@dataclass
class WorldStats:
    elevator_rides: int = 0
    stairs_climbs: int = 0
    floors_visited: set[int] = field(default_factory=set)
    battery_empty_at: list[float] = field(default_factory=list)
    charging_s: float = 0.0
    min_soc: float = 1.0
    passengers_served: int = 0
    events: int = 0
    rescues: int = 0


class World:
    """Everything of the simulated office, stepped together."""

    def __init__(
        self,
        building: Building,
        seed: int = 0,
        clock: SimClock | None = None,
        *,
        start_time: float | None = None,
        robot_config: RobotConfig | None = None,
        battery_config: BatteryConfig | None = None,
        event_config: EventConfig | None = None,
        passengers_per_hour: float = 12.0,
    ) -> None:
        self.building = building
        self.seed = seed
        if clock is None:
            clock = SimClock(at(0, 7.0) if start_time is None else start_time)
        self.clock = clock
        self.now = clock.now()
        self.cspace = CSpace(building, (robot_config or RobotConfig()).radius_m)
        self.router = Router(building, self.cspace)
        dock = building.dock
        dock_floor = building.room(dock.room).floor
        self.robot = RobotBase(
            building,
            robot_config,
            seed=seed,
            x=dock.x,
            y=dock.y,
            theta=dock.theta_rad,
            floor=dock_floor,
        )
        self.battery = Battery(battery_config)
        self.elevators = {e.id: ElevatorCar(e, self.now) for e in building.elevators}
        self._elevator_index = {e.id: i for i, e in enumerate(building.elevators)}
        for car in self.elevators.values():
            car.doorway_blocked = self._doorway_blocked
            car.on_doors_open = self._on_doors_open
        self.people = People(building, self.router, seed)
        self.leading = Leading(building)
        self.events = EventGenerator(building, seed, event_config)
        self.passengers_per_hour = passengers_per_hour
        self._rng = random.Random(f"{seed}/world")
        self._event_queue: list[Any] = []
        self._passengers: list[_Passenger] = []
        self._waiting: dict[str, list[_Passenger]] = {e: [] for e in self.elevators}
        self._riding: dict[str, list[_Passenger]] = {e: [] for e in self.elevators}
        self._day_loaded = -1
        self._outages: dict[str, int] = dict.fromkeys(self.elevators, 0)
        self.extra_objects: dict[str, ObjectAppeared] = {}
        self.blocked: dict[str, CorridorBlocked] = {}
        self._new_events: list[Any] = []
        self.log: list[tuple[float, str]] = []
        self.stats = WorldStats(floors_visited={dock_floor})
        self._hash = hashlib.sha256()
        self.aboard: str | None = None
        self._fixed_cands: dict[int, list[_Candidate]] = {}
        self._next_change: float | None = None
        self._open_cache: dict[int, frozenset[int]] = {}
        self._load_day(int(self.now // DAY_S))

    # --- the controller's interface -------------------------------------------------------

    def set_cmd_vel(self, v: float, w: float) -> None:
        """Command the base (m/s, rad/s); NaN raises, values beyond the limits are clamped."""
        self.robot.set_cmd_vel(v, w)

    def robot_state(self) -> RobotState:
        r = self.robot
        return RobotState(
            t=self.now,
            x=r.x,
            y=r.y,
            theta=r.theta,
            floor=r.floor,
            z=r.z,
            v=r.v,
            w=r.w,
            odom_x=r.odom_x,
            odom_y=r.odom_y,
            odom_theta=r.odom_theta,
            battery_soc=self.battery.soc,
            charging=self.charging,
            stopped=r.stopped,
            on_stairs=r.on_stairs,
            aboard=self.aboard,
            collided=r.collided,
        )

    @property
    def charging(self) -> bool:
        d = self.building.dock
        r = self.robot
        return r.floor == self.building.room(d.room).floor and on_charger(
            (d.x, d.y), r.x, r.y, r.moving
        )

    def call_elevator(self, elevator_id: str, floor: int) -> bool:
        """Press the hall call button on ``floor``; False when the car is out of service."""
        ok = self._car(elevator_id).call(floor, self.now)
        self._changed()
        return ok

    def press_elevator_button(self, elevator_id: str, floor: int) -> bool:
        """Press a floor button inside the car; the robot must be aboard."""
        if self.aboard != elevator_id:
            raise ElevatorError(f"the robot is not inside elevator {elevator_id}")
        ok = self._car(elevator_id).press(floor, self.now)
        self._changed()
        return ok

    def elevator_status(self, elevator_id: str) -> ElevatorStatus:
        car = self._car(elevator_id)
        return ElevatorStatus(
            id=car.id,
            state=car.state.value,
            floor=car.floor,
            position=car.position(self.now),
            direction=car.direction,
            doors_open=car.doors_open,
            load=car.load,
            capacity=car.spec.capacity,
            out_of_service=car.out_of_service or car.state == ElevatorState.OUT_OF_SERVICE,
            hall_calls=tuple(sorted(car.hall_calls)),
            car_calls=tuple(sorted(car.car_calls)),
        )

    def set_elevator_out_of_service(self, elevator_id: str, out: bool) -> None:
        self._car(elevator_id).set_out_of_service(out, self.now)
        self._changed()
        self.router.set_elevator_available(elevator_id, not out)
        self.log.append(
            (self.now, f"elevator {elevator_id} {'out of' if out else 'back in'} service")
        )

    def people_states(self) -> list[PersonState]:
        return self.people.states(self.now)

    def lead_person(self, person_id: str, leading: bool) -> bool:
        """Ask a person to follow the robot (``leading``) or let them go.

        Asking works when they stand within reach and in sight of the robot on its floor;
        from then on they walk behind it (see :mod:`pepa.sim.leading`) instead of keeping to
        their schedule. Let go, they walk back to where their schedule has them. Returns
        whether the person follows now (asking) or was let go (releasing).
        """
        if person_id not in self.building.people_by_id:
            known = ", ".join(p.id for p in self.building.people)
            raise ValueError(f"lead_person: unknown person {person_id!r}; known: {known}")
        if not leading:
            if self.leading.stop(person_id, self.elevators) is None:
                return True  # was not following: nothing to let go of
            self.people.release(person_id, self.now)
            self.log.append((self.now, f"{person_id} no longer follows the robot"))
            return True
        if person_id in self.leading.followers:
            return True
        st = self.people.state(person_id, self.now)
        r = self.robot
        if (
            st is None
            or st.floor != r.floor
            or math.hypot(st.x - r.x, st.y - r.y) > LEAD_REACH_M
            or not self.line_of_sight(r.floor, (r.x, r.y), (st.x, st.y))
        ):
            return False
        speed = self.building.people_by_id[person_id].walk_speed_mps
        f = self.leading.start(st, speed, TrailPoint(r.floor, r.x, r.y))
        self.people.pin(f.state())
        self.log.append((self.now, f"{person_id} follows the robot"))
        return True

    def _move_followers(self, dt: float) -> None:
        """Walk the people the robot leads (the only people integrated step by step)."""
        r = self.robot
        self.leading.update(dt, TrailPoint(r.floor, r.x, r.y), self.aboard, self.elevators)
        for f in self.leading.followers.values():
            self.people.pin(f.state())

    def poll_events(self) -> list[Any]:
        """Events that happened since the last poll (requests, objects, blockages, outages)."""
        out, self._new_events = self._new_events, []
        return out

    def _car(self, elevator_id: str) -> ElevatorCar:
        try:
            return self.elevators[elevator_id]
        except KeyError:
            raise ElevatorError(f"unknown elevator {elevator_id!r}") from None

    # --- time ---------------------------------------------------------------------------

    def step(self, dt: float) -> None:
        """Advance ``dt`` seconds, integrating the robot under its present command."""
        if dt <= 0:
            raise ValueError(f"step dt must be > 0, got {dt}")
        t_end = self.now + dt
        nxt = self.next_change_time()
        if nxt is not None and nxt <= t_end:
            self._advance_discrete(t_end)
        r = self.robot
        if r.moving:
            if self.aboard is not None and not self._car(self.aboard).doors_open:
                r.stop()
            else:
                was_floor = r.floor
                was_stairs = r.on_stairs
                dist, _stairs_t = r.integrate(dt, self._free)
                self._after_move(was_floor, was_stairs)
                if self.leading.followers:
                    self._move_followers(dt)
                v = dist / dt
                self._use_power(self.battery.load_w(v, r.w, r.energy_factor), dt)
                self._record()
                self._set_now(t_end)
                return
        self._idle(dt)
        if self.leading.followers:
            self._move_followers(dt)
        self._record()
        self._set_now(t_end)

    def carry_to_dock(self, reason: str) -> None:
        """Someone carries the robot to its dock (out of a car or off the stairs if need be).

        The only way the simulated robot moves without driving: what the staff do for a robot
        found at night with an empty battery or stranded. It is logged, counted in
        ``stats.rescues`` and adds nothing to the odometer.
        """
        r = self.robot
        if self.aboard is not None:
            self._car(self.aboard).riders.pop(ROBOT_RIDER, None)
            self.aboard = None
        d = self.building.dock
        r.stop()
        r.x, r.y, r.theta = d.x, d.y, d.theta_rad
        r.floor = self.building.room(d.room).floor
        r.z = float(r.floor)
        r.region, r.stairs, r.stair_base = "floor", None, None
        self.stats.rescues += 1
        self.log.append((self.now, f"robot carried to the dock by staff: {reason}"))
        self._changed()

    def skip(self, until: float) -> None:
        """Jump to ``until`` with the robot standing still (commands are zeroed)."""
        if until <= self.now:
            return
        self.robot.stop()
        t = self.now
        while t < until:
            nxt = min(until, self.next_change_time() or until)
            nxt = max(nxt, t + 1e-6)
            if self.leading.followers:
                self._move_followers(nxt - t)  # nothing changes before nxt: walk, then apply
            self._advance_discrete(nxt)
            self._idle(nxt - t)
            self._set_now(nxt)
            t = nxt
        self._record()

    def next_change_time(self) -> float | None:
        """When something next changes by itself (a car, an event, a passenger)."""
        if self._next_change is None:
            self._next_change = self._compute_next_change()
        return self._next_change

    def _changed(self) -> None:
        self._next_change = None
        self._open_cache.clear()

    def _compute_next_change(self) -> float:
        times = [c.next_time for c in self.elevators.values() if c.next_time is not None]
        if self._event_queue:
            times.append(self._event_queue[0].t)
        if self._passengers:
            times.append(self._passengers[0].t)
        times.append((int(self.now // DAY_S) + 1) * DAY_S)
        return min(times)

    def _set_now(self, t: float) -> None:
        self.now = t
        if self.clock.now() < t:
            self.clock.advance_to(t)

    def _advance_discrete(self, t: float) -> None:
        while True:
            day = int(self.now // DAY_S)
            if day != self._day_loaded:
                self._load_day(day)
            nxt = self.next_change_time()
            if nxt is None or nxt > t:
                break
            self.now = max(self.now, nxt)
            self._changed()
            for car in self.elevators.values():
                if car.next_time is not None and car.next_time <= nxt:
                    car.advance(nxt)
                    if self.aboard == car.id:
                        was_floor = self.robot.floor
                        self.robot.carry(car.floor)
                        self.stats.floors_visited.add(car.floor)
                        if self.leading.followers and car.floor != was_floor:
                            r = self.robot
                            self.leading.carried(car.id, car.floor, r.x, r.y)
                            for f in self.leading.followers.values():
                                self.people.pin(f.state())
            while self._event_queue and self._event_queue[0].t <= nxt:
                self._apply_event(self._event_queue.pop(0))
            while self._passengers and self._passengers[0].t <= nxt:
                self._passenger_arrives(self._passengers.pop(0))
            if nxt >= (day + 1) * DAY_S:
                self._load_day(day + 1)
            self._changed()

    def _idle(self, dt: float) -> None:
        load = self.battery.load_w(0.0, 0.0)
        if self.charging:
            self.battery.charge(dt, load)
            self.stats.charging_s += dt
            if self.robot.stopped and self.battery.soc >= 0.05:
                self.robot.stopped = False
                self.log.append((self.now, "battery recharged: robot can move again"))
        else:
            self._use_power(load, dt)

    def _use_power(self, watts: float, dt: float) -> None:
        lasted = self.battery.drain(watts, dt)
        self.stats.min_soc = min(self.stats.min_soc, self.battery.soc)
        if self.battery.empty and not self.robot.stopped:
            self.robot.stopped = True
            self.robot.stop()
            t = self.now + lasted
            self.stats.battery_empty_at.append(t)
            r = self.robot
            self.log.append(
                (t, f"battery empty: robot stopped at floor {r.floor} ({r.x:.1f}, {r.y:.1f})")
            )
            log.warning("battery empty at t=%.0f: the robot stopped", t)

    def _record(self) -> None:
        r = self.robot
        self._hash.update(_PACK(self.now, r.x, r.y, r.theta, r.floor))

    def trajectory_hash(self) -> str:
        return self._hash.hexdigest()

    # --- collision, boarding, stairs ----------------------------------------------------

    def _open_here(self, floor: int) -> frozenset[int]:
        cached = self._open_cache.get(floor)
        if cached is not None:
            return cached
        out = set()
        for eid, car in self.elevators.items():
            if car.floor == floor and car.doors_open:
                out.add(self._elevator_index[eid])
        self._open_cache[floor] = frozenset(out)
        return self._open_cache[floor]

    def _free(self, floor: int, x: float, y: float) -> bool:
        fc = self.cspace.floors.get(floor)
        if fc is None:
            return False
        z = fc.free_zone(x, y, self._open_here(floor))
        if z == -2:
            return False
        if z >= 0 and self.aboard is None:
            e = self.building.elevators[z]
            car = self.elevators[e.id]
            x0, y0, x1, y1 = e.shaft
            if x0 <= x <= x1 and y0 <= y <= y1 and car.load + ROBOT_LOAD_UNITS > e.capacity:
                return False
        return True

    def _after_move(self, was_floor: int, was_stairs: bool) -> None:
        r = self.robot
        inside = None
        for e in self.building.elevators:
            x0, y0, x1, y1 = e.shaft
            if x0 <= r.x <= x1 and y0 <= r.y <= y1:
                inside = e.id
        if inside != self.aboard:
            if self.aboard is not None:
                self._car(self.aboard).alight(ROBOT_RIDER)
                self.log.append((self.now, f"robot left {self.aboard} at floor {r.floor}"))
            if inside is not None:
                self._car(inside).board(ROBOT_RIDER, ROBOT_LOAD_UNITS)
                self.stats.elevator_rides += 1
                self.log.append((self.now, f"robot boarded {inside} at floor {r.floor}"))
            self.aboard = inside
        if r.floor != was_floor:
            self.stats.floors_visited.add(r.floor)
            if r.on_stairs or was_stairs:
                self.stats.stairs_climbs += 1

    def _doorway_blocked(self, car: ElevatorCar) -> bool:
        r = self.robot
        if r.floor != car.floor:
            return False
        d = car.spec.door(car.floor)
        return math.hypot(r.x - d.center[0], r.y - d.center[1]) < r.config.radius_m + 0.45

    # --- other passengers ------------------------------------------------------------------

    def _load_day(self, day: int) -> None:
        self._day_loaded = day
        self._changed()
        self._event_queue = [ev for ev in self.events.day(day) if ev.t >= self.now]
        rng = random.Random(f"{self.seed}/passengers/{day}")
        floors = self.building.floor_levels
        self._passengers = []
        if len(floors) > 1 and self.elevators and self.passengers_per_hour > 0:
            t = day * DAY_S + 7.5 * 3600.0
            end = day * DAY_S + 19.0 * 3600.0
            i = 0
            while True:
                t += rng.expovariate(self.passengers_per_hour / 3600.0)
                if t >= end:
                    break
                o, d = rng.sample(floors, 2)
                if t >= self.now:
                    self._passengers.append(_Passenger(t, f"p{day}-{i}", o, d))
                i += 1

    def _passenger_arrives(self, p: _Passenger) -> None:
        cars = [
            c
            for c in self.elevators.values()
            if not c.out_of_service
            and c.state != ElevatorState.OUT_OF_SERVICE
            and p.origin in c.spec.floors
            and p.dest in c.spec.floors
        ]
        if not cars:
            return  # takes the stairs
        car = min(cars, key=lambda c: (abs(c.position(self.now) - p.origin), c.id))
        p.elevator = car.id
        self._waiting[car.id].append(p)
        car.call(p.origin, self.now)

    def _on_doors_open(self, car: ElevatorCar, t: float) -> None:
        riding = self._riding[car.id]
        for p in [p for p in riding if p.dest == car.floor]:
            car.riders.pop(p.id, None)
            car.rider_destinations.pop(p.id, None)
            riding.remove(p)
            self.stats.passengers_served += 1
        waiting = self._waiting[car.id]
        for p in [p for p in waiting if p.origin == car.floor]:
            if car.load + 1 > car.spec.capacity:
                break  # the rest wait for the next trip
            car.riders[p.id] = 1
            car.rider_destinations[p.id] = p.dest
            waiting.remove(p)
            riding.append(p)
            car.car_calls.add(p.dest)
        if any(p.origin == car.floor for p in waiting):
            car.hall_calls.add(car.floor)  # left behind: call again

    # --- events -------------------------------------------------------------------------

    def _apply_event(self, ev: object) -> None:
        self.stats.events += 1
        self._new_events.append(ev)
        if isinstance(ev, CorridorBlocked):
            self.blocked[ev.id] = ev
            self.router.block(ev.floor, ev.rect, True)
            self.log.append((ev.t, f"corridor {ev.room} partly blocked ({ev.reason})"))
        elif isinstance(ev, CorridorCleared):
            self.blocked.pop(ev.id.replace("clr-", "blk-"), None)
            self.router.block(ev.floor, ev.rect, False)
            for other in self.blocked.values():
                if other.floor == ev.floor:
                    self.router.block(other.floor, other.rect, True)
        elif isinstance(ev, ObjectAppeared):
            self.extra_objects[ev.object_id] = ev
        elif isinstance(ev, ElevatorOutOfService):
            self._outages[ev.elevator_id] += 1
            self.set_elevator_out_of_service(ev.elevator_id, True)
        elif isinstance(ev, ElevatorBackInService):
            self._outages[ev.elevator_id] = max(0, self._outages[ev.elevator_id] - 1)
            if self._outages[ev.elevator_id] == 0:
                self.set_elevator_out_of_service(ev.elevator_id, False)
        elif isinstance(ev, PersonRequest):
            self.log.append((ev.t, f"request from {ev.person_id}: {ev.text}"))

    # --- ground-truth perception ----------------------------------------------------------

    def line_of_sight(
        self,
        floor: int,
        a: tuple[float, float],
        b: tuple[float, float],
        ignore_objects_near_b: float = 0.0,
    ) -> bool:
        """No wall, closed elevator door or object between a and b on ``floor``."""
        grid = self.building.grid(floor)
        cells = grid.cells
        open_doors = {
            self.building.elevators[i].door(floor).center for i in self._open_here(floor)
        }
        dist = math.hypot(b[0] - a[0], b[1] - a[1])
        n = max(1, int(dist / (grid.resolution_m * 0.5)))
        h, w = cells.shape
        for k in range(1, n):
            u = k / n
            x = a[0] + u * (b[0] - a[0])
            y = a[1] + u * (b[1] - a[1])
            r, c = grid.to_cell(x, y)
            if not (0 <= r < h and 0 <= c < w):
                return False
            code = cells[r, c]
            if code == WALL:
                return False
            if code == OBJECT and (dist - u * dist) > ignore_objects_near_b:
                return False
            if code == ELEVATOR_DOOR and not any(
                math.hypot(x - dx, y - dy) < 1.5 for dx, dy in open_doors
            ):
                return False
        return True

    def _fixed_markers(self, floor: int) -> list[_Candidate]:
        """Landmarks and call panels of ``floor`` as sight candidates (built once per floor)."""
        cached = self._fixed_cands.get(floor)
        if cached is not None:
            return cached
        cands: list[_Candidate] = []
        for lm in self.building.landmarks:
            if lm.floor == floor:
                proud_lm = lm.size_m[1] / 2 + 0.02
                fx = lm.x + proud_lm * math.cos(lm.facing_rad)
                fy = lm.y + proud_lm * math.sin(lm.facing_rad)
                cands.append(
                    (
                        "landmark",
                        lm.id,
                        lm.marker_id,
                        fx,
                        fy,
                        lm.facing_rad,
                        max(lm.size_m) / 2 + 0.2,
                    )
                )
        # a panel sits on the wall's centre line, inside the wall's cells: sight lines aim
        # at a point just proud of the wall's face instead
        proud = self.building.spec.wall_thickness_m / 2 + PANEL_PROUD_M
        for e in self.building.elevators:
            if floor in e.floors:
                d = e.door(floor)
                facing = e.panel_facing_rad(floor)
                cands.append(
                    (
                        "elevator_panel",
                        f"{e.id}@{floor}",
                        d.panel_marker_id,
                        d.panel[0] + proud * math.cos(facing),
                        d.panel[1] + proud * math.sin(facing),
                        facing,
                        0.0,
                    )
                )
        self._fixed_cands[floor] = cands
        return cands

    def visible(
        self,
        pose: object | None = None,
        fov_rad: float = math.radians(90),
        range_m: float = 8.0,
    ) -> list[Sighting]:
        """Markers (landmarks, badges, call panels, new objects) in view with line of sight.

        ``pose`` defaults to the robot; otherwise anything with floor, x, y, theta.
        """
        if pose is None:
            r = self.robot
            floor, px, py, th = r.floor, r.x, r.y, r.theta
        else:
            floor = int(pose.floor)  # type: ignore[attr-defined]
            px, py = float(pose.x), float(pose.y)  # type: ignore[attr-defined]
            th = float(pose.theta)  # type: ignore[attr-defined]
        cands = list(self._fixed_markers(floor))
        for ob in self.extra_objects.values():
            if ob.floor == floor:
                cands.append(
                    (
                        "object",
                        ob.object_id,
                        ob.marker_id,
                        ob.x,
                        ob.y,
                        math.radians(ob.facing_deg),
                        0.3,
                    )
                )
        for ps in self.people.states_on(floor, self.now):
            badge = self.building.people_by_id[ps.id].badge_marker_id
            cands.append(("person", ps.id, badge, ps.x, ps.y, ps.heading, 0.0))
        out = []
        r2 = range_m * range_m
        for kind, oid, marker, x, y, facing, ignore in cands:
            dx, dy = x - px, y - py
            d2 = dx * dx + dy * dy
            if d2 > r2 or d2 < 1e-12:
                continue
            dist = math.sqrt(d2)
            bearing = (math.atan2(dy, dx) - th + math.pi) % (2 * math.pi) - math.pi
            if abs(bearing) > fov_rad / 2:
                continue
            if not self.line_of_sight(floor, (px, py), (x, y), ignore):
                continue
            faces = facing is None or faces_viewer(dx, dy, facing, dist)
            out.append(Sighting(kind, oid, marker, floor, x, y, dist, bearing, faces))
        out.sort(key=lambda s: (s.distance, s.id))
        return out

    # --- summary ------------------------------------------------------------------------

    def summary(self) -> dict[str, object]:
        r = self.robot
        return {
            "time": self.now,
            "distance_m": round(r.distance_m, 1),
            "stairs_distance_m": round(r.stairs_distance_m, 1),
            "floors_visited": sorted(self.stats.floors_visited),
            "elevator_rides": self.stats.elevator_rides,
            "stairs_climbs": self.stats.stairs_climbs,
            "collisions": r.collisions,
            "clamped_commands": r.clamped_commands,
            "battery_soc": round(self.battery.soc, 3),
            "battery_min_soc": round(self.stats.min_soc, 3),
            "battery_drawn_wh": round(self.battery.drawn_wh, 1),
            "battery_charged_wh": round(self.battery.charged_wh, 1),
            "charging_s": round(self.stats.charging_s),
            "battery_empty_events": len(self.stats.battery_empty_at),
            "events": self.stats.events,
            "passengers_served": self.stats.passengers_served,
            "trajectory_hash": self.trajectory_hash()[:16],
        }
