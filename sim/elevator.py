"""Elevator cars as event-driven state machines (collective control).

Each car is IDLE, MOVING, DOORS_OPENING, DOORS_OPEN, DOORS_CLOSING or OUT_OF_SERVICE. Nothing
is integrated step by step: the car keeps the time of its next transition, and the world calls
:meth:`ElevatorCar.advance` up to the present. A moving car passes one floor per
``travel_s_per_floor`` and decides at each floor whether to stop (a car call there, or a hall
call), so calls made from several floors while it moves are picked up on the way. Doors stay
open while the doorway is obstructed (the robot standing in it). Riders — the robot and other
occupants of the building — count against the capacity; an out-of-service car finishes its
present stop, lets people out and parks with its doors closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from pepa.building.layout import ElevatorSpec

log = logging.getLogger(__name__)


class ElevatorState(StrEnum):
    IDLE = "idle"
    MOVING = "moving"
    DOORS_OPENING = "doors_opening"
    DOORS_OPEN = "doors_open"
    DOORS_CLOSING = "doors_closing"
    OUT_OF_SERVICE = "out_of_service"


class ElevatorError(RuntimeError):
    """An elevator request that cannot be honoured (full, out of service, not served)."""


class ElevatorCar:
    """One car; ``floor`` is the floor it is at (or last passed while moving)."""

    def __init__(self, spec: ElevatorSpec, start_time: float = 0.0) -> None:
        self.spec = spec
        self.id = spec.id
        self.floor = spec.start_floor
        self.direction = 0
        self.state = ElevatorState.IDLE
        self.hall_calls: set[int] = set()
        self.car_calls: set[int] = set()
        self.riders: dict[str, int] = {}  # rider id -> load units
        self.rider_destinations: dict[str, int] = {}
        self.next_time: float | None = None
        self.state_since = start_time
        self.out_of_service = False
        self.doorway_blocked: Callable[[ElevatorCar], bool] = lambda car: False
        self.on_doors_open: Callable[[ElevatorCar, float], None] = lambda car, t: None
        self.transitions: list[tuple[float, str, int]] = []  # (time, state, floor)
        self.trips = 0

    # --- requests ----------------------------------------------------------------------

    @property
    def load(self) -> int:
        return sum(self.riders.values())

    @property
    def doors_open(self) -> bool:
        return self.state == ElevatorState.DOORS_OPEN

    def _check_floor(self, floor: int) -> None:
        if floor not in self.spec.floors:
            raise ElevatorError(f"elevator {self.id} does not serve floor {floor}")

    def call(self, floor: int, now: float) -> bool:
        """A hall call from ``floor``; False if the car is out of service."""
        self._check_floor(floor)
        if self.out_of_service or self.state == ElevatorState.OUT_OF_SERVICE:
            return False
        if floor == self.floor and self.state in (
            ElevatorState.DOORS_OPEN,
            ElevatorState.DOORS_OPENING,
        ):
            if self.state == ElevatorState.DOORS_OPEN:
                self.next_time = now + self.spec.door_dwell_s
            return True
        if floor == self.floor and self.state == ElevatorState.DOORS_CLOSING:
            self._set(ElevatorState.DOORS_OPENING, now, now + self.spec.door_move_s)
            return True
        self.hall_calls.add(floor)
        if self.state == ElevatorState.IDLE:
            self._start(now)
        return True

    def press(self, floor: int, now: float) -> bool:
        """A car call (a button inside the car)."""
        self._check_floor(floor)
        if self.state == ElevatorState.OUT_OF_SERVICE:
            return False
        if floor == self.floor and self.state != ElevatorState.MOVING:
            return True
        self.car_calls.add(floor)
        if self.state == ElevatorState.IDLE:
            self._start(now)
        return True

    def board(self, rider: str, units: int = 1) -> None:
        if not self.doors_open:
            raise ElevatorError(f"elevator {self.id}: doors are not open")
        if rider in self.riders:
            return
        if self.load + units > self.spec.capacity:
            raise ElevatorError(
                f"elevator {self.id} is full ({self.load}/{self.spec.capacity} units)"
            )
        self.riders[rider] = units

    def alight(self, rider: str) -> None:
        if not self.doors_open:
            raise ElevatorError(f"elevator {self.id}: doors are not open")
        self.riders.pop(rider, None)
        self.rider_destinations.pop(rider, None)

    def set_out_of_service(self, out: bool, now: float) -> None:
        """Take the car out of service (after its present stop) or put it back."""
        self.out_of_service = out
        if out:
            self.hall_calls.clear()
            keep = {f for f in self.car_calls if f in self.rider_destinations.values()}
            self.car_calls = keep
            if self.state == ElevatorState.IDLE:
                self._set(ElevatorState.OUT_OF_SERVICE, now, None)
        elif self.state == ElevatorState.OUT_OF_SERVICE:
            self._set(ElevatorState.IDLE, now, None)
            if self.hall_calls or self.car_calls:
                self._start(now)

    # --- the state machine ------------------------------------------------------------

    def _set(self, state: ElevatorState, now: float, next_time: float | None) -> None:
        self.state = state
        self.state_since = now
        self.next_time = next_time
        self.transitions.append((now, state.value, self.floor))
        if len(self.transitions) > 2000:
            del self.transitions[:1000]

    def _calls(self) -> set[int]:
        return self.hall_calls | self.car_calls

    def _start(self, now: float) -> None:
        """Leave IDLE (or a closed-door stop) towards the pending calls."""
        calls = self._calls()
        if not calls:
            self.direction = 0
            self._set(ElevatorState.IDLE, now, None)
            return
        if self.floor in calls:
            self._arrive_stop(now)
            return
        above = any(f > self.floor for f in calls)
        below = any(f < self.floor for f in calls)
        if self.direction > 0 and above:
            self.direction = 1
        elif self.direction < 0 and below:
            self.direction = -1
        else:
            nearest = min(calls, key=lambda f: (abs(f - self.floor), f))
            self.direction = 1 if nearest > self.floor else -1
        self.trips += 1
        self._set(ElevatorState.MOVING, now, now + self.spec.travel_s_per_floor)

    def _arrive_stop(self, now: float) -> None:
        self.hall_calls.discard(self.floor)
        self.car_calls.discard(self.floor)
        self._set(ElevatorState.DOORS_OPENING, now, now + self.spec.door_move_s)

    def _step(self) -> None:
        now = self.next_time
        assert now is not None
        s = self.state
        if s == ElevatorState.MOVING:
            self.floor += self.direction
            calls = self._calls()
            beyond = any((f - self.floor) * self.direction > 0 for f in calls)
            if self.floor in calls or not beyond:
                self._arrive_stop(now)
            else:
                self.next_time = now + self.spec.travel_s_per_floor
                self.transitions.append((now, "passing", self.floor))
        elif s == ElevatorState.DOORS_OPENING:
            self._set(ElevatorState.DOORS_OPEN, now, now + self.spec.door_dwell_s)
            self.on_doors_open(self, now)
        elif s == ElevatorState.DOORS_OPEN:
            if self.doorway_blocked(self):
                self.next_time = now + 1.0
            else:
                self._set(ElevatorState.DOORS_CLOSING, now, now + self.spec.door_move_s)
        elif s == ElevatorState.DOORS_CLOSING:
            if self.floor in self.hall_calls:
                self.hall_calls.discard(self.floor)
                self._set(ElevatorState.DOORS_OPENING, now, now + self.spec.door_move_s)
            elif self.out_of_service and not self.car_calls:
                self.direction = 0
                self._set(ElevatorState.OUT_OF_SERVICE, now, None)
            else:
                self._start(now)
        else:
            self.next_time = None

    def advance(self, t: float) -> None:
        """Process every transition due at or before ``t``."""
        while self.next_time is not None and self.next_time <= t:
            self._step()

    def position(self, t: float) -> float:
        """The car's height in floors at time ``t`` (between floors while moving)."""
        if self.state == ElevatorState.MOVING and self.next_time is not None:
            frac = 1.0 - (self.next_time - t) / self.spec.travel_s_per_floor
            return self.floor + self.direction * min(1.0, max(0.0, frac))
        return float(self.floor)
