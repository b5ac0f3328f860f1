"""The building description: a validated YAML file and the geometry derived from it.

A building is a stack of floors sharing one footprint. Rooms are axis-aligned rectangles on a
floor (so every room is convex: a straight segment between two points of a room stays in it),
walls run along every room edge, doors are gaps in the shared wall of two rooms. Elevators
are shafts through every floor they serve, with a door and a call panel per floor; a stairwell
holds an up flight, a down flight and a mid landing (see :mod:`pepa.sim.robot` for how a flight
lifts the robot). Landmarks, badges and call panels carry ArUco markers from one dictionary.

Errors in a file name the file, the field and the problem, and nothing starts.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pepa.messages import Level

DEFAULT_WORLD = Path(__file__).parent / "worlds" / "office.yaml"

# Number of markers in each supported ArUco dictionary (names as in cv2.aruco).
ARUCO_DICTIONARY_SIZES: dict[str, int] = {
    "DICT_4X4_50": 50,
    "DICT_4X4_100": 100,
    "DICT_4X4_250": 250,
    "DICT_5X5_100": 100,
    "DICT_5X5_250": 250,
    "DICT_6X6_250": 250,
    "DICT_6X6_1000": 1000,
}

# Occupancy-grid cell codes (uint8). Passable for the robot: FREE, DOOR, STAIRS_*, FORBIDDEN,
# DOCK; ELEVATOR_DOOR and ELEVATOR_CAR only while the car is at the floor with its doors open.
FREE = 0
WALL = 1
DOOR = 2
ELEVATOR_DOOR = 3
ELEVATOR_CAR = 4
STAIRS_UP = 5  # the flight that climbs from this floor (absent on the top floor)
STAIRS_DOWN = 6  # the flight that descends from this floor (absent on the ground floor)
STAIRS_LANDING = 7  # the mid landing between the two flights
OBJECT = 8  # a landmark's footprint: an obstacle
FORBIDDEN = 9  # physically free, but the robot must not enter
DOCK = 10  # the charging dock's footprint (passable: the robot parks on it)

CELL_NAMES: dict[int, str] = {
    FREE: "free",
    WALL: "wall",
    DOOR: "door",
    ELEVATOR_DOOR: "elevator_door",
    ELEVATOR_CAR: "elevator_car",
    STAIRS_UP: "stairs_up",
    STAIRS_DOWN: "stairs_down",
    STAIRS_LANDING: "stairs_landing",
    OBJECT: "object",
    FORBIDDEN: "forbidden",
    DOCK: "dock",
}

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
Rect = tuple[float, float, float, float]
Point = tuple[float, float]
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HHMM = Annotated[str, Field(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")]


class BuildingError(ValueError):
    """A building file is malformed: names the file, the field and the problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {field}: {problem}" for field, problem in problems]
        super().__init__("invalid building file\n  " + "\n  ".join(lines))


def hhmm_hours(text: str) -> float:
    """'12:30' -> 12.5."""
    h, m = text.split(":")
    return int(h) + int(m) / 60.0


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FloorSpec(_Spec):
    level: Level
    name: str
    elevation_m: float = 0.0


class RoomSpec(_Spec):
    id: Id
    name: str
    kind: str
    floor: Level
    rect: Rect

    @model_validator(mode="after")
    def _positive_area(self) -> RoomSpec:
        x0, y0, x1, y1 = self.rect
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"rect {self.rect} must be [x0, y0, x1, y1] with x1 > x0, y1 > y0")
        return self

    @property
    def center(self) -> Point:
        x0, y0, x1, y1 = self.rect
        return ((x0 + x1) / 2.0, (y0 + y1) / 2.0)

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        x0, y0, x1, y1 = self.rect
        return x0 + margin <= x <= x1 - margin and y0 + margin <= y <= y1 - margin


class DoorSpec(_Spec):
    id: Id
    floor: Level
    between: tuple[Id, Id]
    center: Point
    width_m: float = Field(gt=0.3, le=6.0)


class ElevatorDoorSpec(_Spec):
    floor: Level
    lobby: Id
    center: Point
    width_m: float = Field(gt=0.5, le=4.0)
    panel_marker_id: int = Field(ge=0)
    panel: Point


class ElevatorSpec(_Spec):
    id: Id
    name: str
    shaft: Rect
    floors: list[Level]
    doors: list[ElevatorDoorSpec]
    travel_s_per_floor: float = Field(default=3.0, gt=0)
    door_move_s: float = Field(default=2.0, gt=0)
    door_dwell_s: float = Field(default=5.0, gt=0)
    capacity: int = Field(default=6, ge=1)
    start_floor: Level = 0

    def door(self, floor: int) -> ElevatorDoorSpec:
        for d in self.doors:
            if d.floor == floor:
                return d
        raise KeyError(f"elevator {self.id} has no door on floor {floor}")

    def panel_facing_rad(self, floor: int) -> float:
        """The direction the call panel on ``floor`` looks at: away from the shaft wall it
        is mounted on (the wall whose line passes nearest the panel)."""
        x0, y0, x1, y1 = self.shaft
        px, py = self.door(floor).panel
        gaps = {
            0.0: abs(px - x1),
            math.pi: abs(px - x0),
            math.pi / 2: abs(py - y1),
            -math.pi / 2: abs(py - y0),
        }
        return min(gaps, key=gaps.__getitem__)

    @property
    def car_center(self) -> Point:
        x0, y0, x1, y1 = self.shaft
        return ((x0 + x1) / 2.0, (y0 + y1) / 2.0)


#: Where on a stairwell a point is: the flight up from a floor, the flight down to it, or the
#: mid landing between them (the robot is between floors on all three).
StairsPart = Literal["up", "down", "mid"]


class StairsSpec(_Spec):
    id: Id
    name: str
    rooms: list[Id]
    floors: list[Level]
    up_flight: Rect
    down_flight: Rect
    mid_landing: Rect
    landing_side: Literal["east", "west"] = "east"
    speed_limit_mps: float = Field(default=0.3, gt=0)
    energy_factor: float = Field(default=3.0, ge=1.0)

    def part_at(self, x: float, y: float) -> StairsPart | None:
        """The flight or mid landing holding (x, y), None when it is neither."""
        parts: tuple[tuple[StairsPart, Rect], ...] = (
            ("up", self.up_flight),
            ("down", self.down_flight),
            ("mid", self.mid_landing),
        )
        for part, (x0, y0, x1, y1) in parts:
            if x0 <= x <= x1 and y0 <= y <= y1:
                return part
        return None

    def lift(self, x: float, flight: Literal["up", "down"]) -> float:
        """How far up a flight (0..0.5 of a storey) a point at ``x`` is, from its floor."""
        rect = self.up_flight if flight == "up" else self.down_flight
        x0, _, x1, _ = rect
        from_landing = (x1 - x) if self.landing_side == "east" else (x - x0)
        frac = min(1.0, max(0.0, from_landing / (x1 - x0)))
        return 0.5 * frac


class LandmarkSpec(_Spec):
    id: Id
    name: str
    kind: str
    floor: Level
    room: Id
    x: float
    y: float
    facing_deg: float = 0.0  # the direction the marker looks at (0 = +x, 90 = +y)
    size_m: tuple[float, float] = (0.5, 0.5)  # width along the wall, depth from it
    height_m: float = Field(default=1.0, gt=0)
    marker_id: int = Field(ge=0)
    marker_size_m: float = Field(default=0.25, gt=0)
    marker_height_m: float = Field(default=1.0, ge=0)

    @property
    def facing_rad(self) -> float:
        return math.radians(self.facing_deg)

    def footprint(self) -> Rect:
        """Axis-aligned footprint; width runs along the wall the marker is mounted on."""
        w, d = self.size_m
        c = abs(math.cos(self.facing_rad)) > 0.5
        hx, hy = (d / 2, w / 2) if c else (w / 2, d / 2)
        return (self.x - hx, self.y - hy, self.x + hx, self.y + hy)


class MeetingSpec(_Spec):
    room: Id
    days: list[Weekday]
    start: HHMM
    minutes: int = Field(gt=0, le=600)


class LunchSpec(_Spec):
    room: Id
    start: HHMM
    minutes: int = Field(gt=0, le=180)


class ScheduleSpec(_Spec):
    days: list[Weekday]
    arrive: HHMM
    leave: HHMM
    lunch: LunchSpec | None = None
    meetings: list[MeetingSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _leave_after_arrive(self) -> ScheduleSpec:
        if hhmm_hours(self.leave) <= hhmm_hours(self.arrive):
            raise ValueError(f"leave {self.leave} is not after arrive {self.arrive}")
        return self


class PersonSpec(_Spec):
    id: Id
    name: str
    badge_marker_id: int = Field(ge=0)
    badge_size_m: float = Field(default=0.15, gt=0)
    badge_height_m: float = Field(default=1.25, gt=0)
    desk: Id
    schedule: ScheduleSpec
    walk_speed_mps: float = Field(default=1.2, gt=0, le=3.0)


class DockSpec(_Spec):
    id: Id = "dock"
    room: Id
    x: float
    y: float
    theta_deg: float = 0.0
    charge_w: float = Field(default=180.0, gt=0)

    @property
    def theta_rad(self) -> float:
        return math.radians(self.theta_deg)


class ForbiddenZoneSpec(_Spec):
    id: Id
    room: Id | None = None
    floor: Level | None = None
    rect: Rect | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _room_or_rect(self) -> ForbiddenZoneSpec:
        if self.room is None and (self.rect is None or self.floor is None):
            raise ValueError("a forbidden zone needs either room, or floor and rect")
        return self


class BuildingSpec(_Spec):
    """The file format. Field names are what error messages refer to."""

    name: str
    description: str = ""
    aruco_dictionary: str
    resolution_m: float = Field(default=0.1, ge=0.05, le=0.5)
    wall_thickness_m: float = Field(default=0.2, ge=0.05, le=1.0)
    # kept free of landmarks in front of every door, both sides: the robot's width + 20 cm
    door_clearance_m: float = Field(default=0.8, ge=0.0, le=3.0)
    entrance: Id
    home: Id
    dock: DockSpec
    floors: list[FloorSpec] = Field(min_length=1)
    rooms: list[RoomSpec] = Field(min_length=1)
    doors: list[DoorSpec] = Field(default_factory=list)
    elevators: list[ElevatorSpec] = Field(default_factory=list)
    stairs: list[StairsSpec] = Field(default_factory=list)
    landmarks: list[LandmarkSpec] = Field(default_factory=list)
    people: list[PersonSpec] = Field(default_factory=list)
    forbidden_zones: list[ForbiddenZoneSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class OccupancyGrid:
    """One floor's grid: ``cells[row, col]`` with row = y, col = x; cell (0, 0) at ``origin``."""

    floor: int
    cells: np.ndarray
    resolution_m: float
    origin: Point

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape

    def to_cell(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell holding point (x, y); may be outside the grid."""
        return (
            math.floor((y - self.origin[1]) / self.resolution_m),
            math.floor((x - self.origin[0]) / self.resolution_m),
        )

    def to_point(self, row: int, col: int) -> Point:
        """Centre of a cell in metres."""
        return (
            self.origin[0] + (col + 0.5) * self.resolution_m,
            self.origin[1] + (row + 0.5) * self.resolution_m,
        )

    def code_at(self, x: float, y: float) -> int:
        r, c = self.to_cell(x, y)
        if 0 <= r < self.cells.shape[0] and 0 <= c < self.cells.shape[1]:
            return int(self.cells[r, c])
        return WALL


def _rect_slice(
    grid_origin: Point, res: float, rect: Rect, shape: tuple[int, int]
) -> tuple[slice, slice]:
    """Cells whose centres lie inside ``rect``."""
    x0, y0, x1, y1 = rect
    c0 = max(0, math.ceil((x0 - grid_origin[0]) / res - 0.5))
    c1 = min(shape[1], math.floor((x1 - grid_origin[0]) / res - 0.5) + 1)
    r0 = max(0, math.ceil((y0 - grid_origin[1]) / res - 0.5))
    r1 = min(shape[0], math.floor((y1 - grid_origin[1]) / res - 0.5) + 1)
    return slice(r0, max(r0, r1)), slice(c0, max(c0, c1))


def _shrink(rect: Rect, by: float) -> Rect:
    x0, y0, x1, y1 = rect
    return (x0 + by, y0 + by, x1 - by, y1 - by)


def _overlap(a: Rect, b: Rect, eps: float = 1e-6) -> bool:
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


def _on_edge(rect: Rect, p: Point, eps: float = 1e-6) -> str | None:
    """Which edge of ``rect`` the point lies on (strictly between the corners), if any."""
    x0, y0, x1, y1 = rect
    x, y = p
    if y0 < y < y1 and abs(x - x0) < eps:
        return "west"
    if y0 < y < y1 and abs(x - x1) < eps:
        return "east"
    if x0 < x < x1 and abs(y - y0) < eps:
        return "south"
    if x0 < x < x1 and abs(y - y1) < eps:
        return "north"
    return None


def _door_rect(center: Point, width: float, vertical_wall: bool, depth: float) -> Rect:
    x, y = center
    if vertical_wall:
        return (x - depth / 2, y - width / 2, x + depth / 2, y + width / 2)
    return (x - width / 2, y - depth / 2, x + width / 2, y + depth / 2)


class Building:
    """A validated building and its derived geometry (grids are built once, on demand)."""

    def __init__(self, spec: BuildingSpec, source: str = "<memory>") -> None:
        self.spec = spec
        self.source = source
        _check(spec, source)
        self.rooms_by_id = {r.id: r for r in spec.rooms}
        self.landmarks_by_id = {lm.id: lm for lm in spec.landmarks}
        self.people_by_id = {p.id: p for p in spec.people}
        self.elevators_by_id = {e.id: e for e in spec.elevators}
        self._grids: dict[int, OccupancyGrid] = {}
        # room_at runs several times per tick (perception, the trace): rooms per floor as
        # plain rectangles, in the description's order
        self._room_rects: dict[int, list[tuple[float, float, float, float, RoomSpec]]] = {}
        for r in spec.rooms:
            self._room_rects.setdefault(r.floor, []).append((*r.rect, r))

    # --- plain views of the description -------------------------------------------------

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def floors(self) -> list[FloorSpec]:
        return self.spec.floors

    @property
    def floor_levels(self) -> list[int]:
        return [f.level for f in self.spec.floors]

    @property
    def rooms(self) -> list[RoomSpec]:
        return self.spec.rooms

    @property
    def doors(self) -> list[DoorSpec]:
        return self.spec.doors

    @property
    def landmarks(self) -> list[LandmarkSpec]:
        return self.spec.landmarks

    @property
    def people(self) -> list[PersonSpec]:
        return self.spec.people

    @property
    def elevators(self) -> list[ElevatorSpec]:
        return self.spec.elevators

    @property
    def stairs(self) -> list[StairsSpec]:
        return self.spec.stairs

    @property
    def dock(self) -> DockSpec:
        return self.spec.dock

    @property
    def home(self) -> RoomSpec:
        return self.rooms_by_id[self.spec.home]

    @property
    def entrance(self) -> RoomSpec:
        return self.rooms_by_id[self.spec.entrance]

    @property
    def forbidden_zones(self) -> list[ForbiddenZoneSpec]:
        return self.spec.forbidden_zones

    @property
    def aruco_dictionary(self) -> str:
        return self.spec.aruco_dictionary

    @property
    def resolution_m(self) -> float:
        return self.spec.resolution_m

    def room(self, room_id: str) -> RoomSpec:
        try:
            return self.rooms_by_id[room_id]
        except KeyError:
            raise KeyError(f"unknown room {room_id!r} in building {self.name!r}") from None

    def rooms_on(self, floor: int) -> list[RoomSpec]:
        return [r for r in self.spec.rooms if r.floor == floor]

    def room_at(self, floor: int, x: float, y: float) -> RoomSpec | None:
        """The room holding (x, y) on ``floor`` (first match on a shared wall)."""
        for x0, y0, x1, y1, r in self._room_rects.get(floor, ()):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return r
        return None

    def stairs_at(self, floor: int, x: float, y: float) -> tuple[StairsSpec, StairsPart] | None:
        """The stairwell and the part of it (a flight or the mid landing) holding (x, y) on
        ``floor``; None on level ground. Level ground is the only place to plan from or to."""
        for s in self.spec.stairs:
            if floor in s.floors:
                part = s.part_at(x, y)
                if part is not None:
                    return s, part
        return None

    def elevator_at(self, floor: int, x: float, y: float) -> ElevatorSpec | None:
        """The elevator whose shaft holds (x, y) on ``floor`` (where a car carries the robot)."""
        for e in self.spec.elevators:
            x0, y0, x1, y1 = e.shaft
            if floor in e.floors and x0 <= x <= x1 and y0 <= y <= y1:
                return e
        return None

    def forbidden_rects(self, floor: int) -> list[Rect]:
        out = []
        for z in self.spec.forbidden_zones:
            if z.room is not None:
                r = self.rooms_by_id[z.room]
                if r.floor == floor:
                    out.append(r.rect)
            elif z.floor == floor and z.rect is not None:
                out.append(z.rect)
        return out

    def off_limits_rooms(self) -> list[str]:
        """The rooms the robot may never enter: each wholly inside a forbidden zone."""
        return [
            r.id
            for r in self.rooms
            if any(
                x0 <= r.rect[0] and y0 <= r.rect[1] and r.rect[2] <= x1 and r.rect[3] <= y1
                for x0, y0, x1, y1 in self.forbidden_rects(r.floor)
            )
        ]

    def in_forbidden_zone(self, floor: int, x: float, y: float) -> bool:
        return any(
            x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in self.forbidden_rects(floor)
        )

    def markers(self) -> Iterator[tuple[int, str, str]]:
        """Every marker in the building: (marker id, owner kind, owner id)."""
        for lm in self.spec.landmarks:
            yield lm.marker_id, "landmark", lm.id
        for p in self.spec.people:
            yield p.badge_marker_id, "person", p.id
        for e in self.spec.elevators:
            for d in e.doors:
                yield d.panel_marker_id, "elevator_panel", f"{e.id}@{d.floor}"

    @cached_property
    def extent(self) -> Rect:
        """Bounding box of every room, shaft and stairwell (the same on all floors)."""
        rects = [r.rect for r in self.spec.rooms] + [e.shaft for e in self.spec.elevators]
        return (
            min(r[0] for r in rects),
            min(r[1] for r in rects),
            max(r[2] for r in rects),
            max(r[3] for r in rects),
        )

    # --- occupancy grids ---------------------------------------------------------------

    def grid(self, floor: int) -> OccupancyGrid:
        """The static occupancy grid of a floor (cached; do not modify ``cells``)."""
        if floor not in self.floor_levels:
            raise KeyError(f"building {self.name!r} has no floor {floor}")
        if floor not in self._grids:
            self._grids[floor] = self._build_grid(floor)
        return self._grids[floor]

    def _build_grid(self, floor: int) -> OccupancyGrid:
        res = self.spec.resolution_m
        half = self.spec.wall_thickness_m / 2.0
        ex0, ey0, ex1, ey1 = self.extent
        origin = (ex0 - 2 * res, ey0 - 2 * res)
        shape = (
            math.ceil((ey1 - origin[1]) / res) + 2,
            math.ceil((ex1 - origin[0]) / res) + 2,
        )
        cells = np.full(shape, WALL, dtype=np.uint8)

        def fill(rect: Rect, code: int) -> None:
            rs, cs = _rect_slice(origin, res, rect, shape)
            cells[rs, cs] = code

        for r in self.rooms_on(floor):
            fill(_shrink(r.rect, half), FREE)
        for rect in self.forbidden_rects(floor):
            rs, cs = _rect_slice(origin, res, _shrink(rect, half), shape)
            sub = cells[rs, cs]
            sub[sub == FREE] = FORBIDDEN
        for d in self.spec.doors:
            if d.floor == floor:
                a = self.rooms_by_id[d.between[0]]
                vertical = _on_edge(a.rect, d.center) in ("east", "west")
                fill(_door_rect(d.center, d.width_m, vertical, 2 * half + 2 * res), DOOR)
        for s in self.spec.stairs:
            if floor not in s.floors:
                continue
            top, bottom = max(s.floors), min(s.floors)
            # the railing between the two flights
            ux0, uy0, ux1, uy1 = s.up_flight
            dx0, dy0, dx1, dy1 = s.down_flight
            lo, hi = (uy1, dy0) if uy1 <= dy0 else (dy1, uy0)
            fill((min(ux0, dx0), lo - half / 2, max(ux1, dx1), hi + half / 2), WALL)
            rs, cs = _rect_slice(origin, res, _shrink(s.mid_landing, half), shape)
            cells[rs, cs] = STAIRS_LANDING
            if floor != top:
                fill(s.up_flight, STAIRS_UP)
            if floor != bottom:
                fill(s.down_flight, STAIRS_DOWN)
            if floor in (top, bottom):
                gone = s.up_flight if floor == top else s.down_flight
                fill(gone, WALL)
        for e in self.spec.elevators:
            if floor not in e.floors:
                continue
            fill(_shrink(e.shaft, half), ELEVATOR_CAR)
            ed = e.door(floor)
            vertical = _on_edge(e.shaft, ed.center) in ("east", "west")
            fill(_door_rect(ed.center, ed.width_m, vertical, 2 * half + 2 * res), ELEVATOR_DOOR)
        for lm in self.spec.landmarks:
            if lm.floor == floor:
                fill(lm.footprint(), OBJECT)
        if self.spec.dock.room and self.rooms_by_id[self.spec.dock.room].floor == floor:
            dk = self.spec.dock
            fill((dk.x - 0.35, dk.y - 0.35, dk.x + 0.35, dk.y + 0.35), DOCK)
        cells.setflags(write=False)
        return OccupancyGrid(floor=floor, cells=cells, resolution_m=res, origin=origin)


# --- semantic checks ---------------------------------------------------------------------


def _check(spec: BuildingSpec, source: str) -> None:
    problems = _problems(spec)
    if problems:
        raise BuildingError(source, problems)


def _problems(spec: BuildingSpec, broken: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Every semantic problem of ``spec`` (reachability included). Rooms named in ``broken``
    were in the file but failed the schema: references to them are not reported again."""
    problems: list[tuple[str, str]] = []
    levels = [f.level for f in spec.floors]
    if len(set(levels)) != len(levels):
        problems.append(("floors", f"duplicate floor levels {levels}"))
    if spec.aruco_dictionary not in ARUCO_DICTIONARY_SIZES:
        problems.append(
            (
                "aruco_dictionary",
                f"unknown dictionary {spec.aruco_dictionary!r}; "
                f"known: {', '.join(ARUCO_DICTIONARY_SIZES)}",
            )
        )
    dict_size = ARUCO_DICTIONARY_SIZES.get(spec.aruco_dictionary, 10**9)
    rooms: dict[str, RoomSpec] = {}
    for i, r in enumerate(spec.rooms):
        if r.id in rooms:
            problems.append((f"rooms[{i}].id", f"duplicate room id {r.id!r}"))
        rooms[r.id] = r
        if r.floor not in levels:
            problems.append((f"rooms[{i}].floor", f"room {r.id!r} is on unknown floor {r.floor}"))
    for i, a in enumerate(spec.rooms):
        for b in spec.rooms[i + 1 :]:
            if a.floor == b.floor and _overlap(a.rect, b.rect):
                problems.append((f"rooms[{i}].rect", f"room {a.id!r} overlaps room {b.id!r}"))

    def need_room(field: str, rid: str | None, floor: int | None = None) -> RoomSpec | None:
        if rid is None or rid in broken:
            return None
        if rid not in rooms:
            problems.append((field, f"unknown room {rid!r}"))
            return None
        if floor is not None and rooms[rid].floor != floor:
            problems.append((field, f"room {rid!r} is on floor {rooms[rid].floor}, not {floor}"))
        return rooms[rid]

    need_room("entrance", spec.entrance)
    need_room("home", spec.home)
    dock_room = need_room("dock.room", spec.dock.room)
    if dock_room and not dock_room.contains(spec.dock.x, spec.dock.y, 0.3):
        problems.append(("dock", f"dock ({spec.dock.x}, {spec.dock.y}) is not inside its room"))

    # adjacency for the reachability check
    adj: dict[str, set[str]] = {r.id: set() for r in spec.rooms}
    door_ids: set[str] = set()
    for i, d in enumerate(spec.doors):
        if d.id in door_ids:
            problems.append((f"doors[{i}].id", f"duplicate door id {d.id!r}"))
        door_ids.add(d.id)
        ra = need_room(f"doors[{i}].between[0]", d.between[0], d.floor)
        rb = need_room(f"doors[{i}].between[1]", d.between[1], d.floor)
        if ra and rb:
            if _on_edge(ra.rect, d.center) is None or _on_edge(rb.rect, d.center) is None:
                problems.append(
                    (
                        f"doors[{i}].center",
                        f"door {d.id!r} is not on the wall {ra.id!r} and {rb.id!r} share",
                    )
                )
            else:
                adj[ra.id].add(rb.id)
                adj[rb.id].add(ra.id)

    for i, e in enumerate(spec.elevators):
        if not e.floors:
            problems.append((f"elevators[{i}].floors", f"elevator {e.id!r} serves no floor"))
        for f in e.floors:
            if f not in levels:
                problems.append((f"elevators[{i}].floors", f"unknown floor {f}"))
        if e.start_floor not in e.floors and e.floors:
            problems.append((f"elevators[{i}].start_floor", f"floor {e.start_floor} not served"))
        door_floors = [d.floor for d in e.doors]
        if sorted(door_floors) != sorted(set(e.floors)):
            problems.append(
                (
                    f"elevators[{i}].doors",
                    f"need exactly one door per served floor {e.floors}, "
                    f"got doors on {door_floors}",
                )
            )
        lobbies = []
        for j, ed in enumerate(e.doors):
            lobby = need_room(f"elevators[{i}].doors[{j}].lobby", ed.lobby, ed.floor)
            if lobby and (
                _on_edge(lobby.rect, ed.center) is None or _on_edge(e.shaft, ed.center) is None
            ):
                problems.append(
                    (
                        f"elevators[{i}].doors[{j}].center",
                        f"door is not on the wall between the shaft and {ed.lobby!r}",
                    )
                )
            if lobby:
                lobbies.append(lobby.id)
        for la in lobbies:
            for lb in lobbies:
                if la != lb:
                    adj[la].add(lb)
        for r in spec.rooms:
            if r.floor in e.floors and _overlap(r.rect, e.shaft):
                problems.append((f"elevators[{i}].shaft", f"shaft overlaps room {r.id!r}"))

    for i, s in enumerate(spec.stairs):
        srooms = [need_room(f"stairs[{i}].rooms[{j}]", rid) for j, rid in enumerate(s.rooms)]
        if sorted(r.floor for r in srooms if r) != sorted(s.floors):
            problems.append((f"stairs[{i}].rooms", "need one stairwell room per floor served"))
        # a flight climbs exactly one storey: the levels served must follow one another
        if s.floors and sorted(s.floors) != list(range(min(s.floors), max(s.floors) + 1)):
            problems.append(
                (
                    f"stairs[{i}].floors",
                    f"stairs join consecutive levels; {sorted(s.floors)} skips some "
                    "(give each run of levels its own stairwell)",
                )
            )
        for f in s.floors:
            if f not in levels:
                problems.append((f"stairs[{i}].floors", f"unknown floor {f}"))
        ok = [r for r in srooms if r]
        for r in ok:
            for fl in (s.up_flight, s.down_flight, s.mid_landing):
                if not (
                    r.rect[0] <= fl[0]
                    and r.rect[1] <= fl[1]
                    and fl[2] <= r.rect[2]
                    and fl[3] <= r.rect[3]
                ):
                    problems.append((f"stairs[{i}]", f"flight {fl} is outside room {r.id!r}"))
        by_floor = sorted(ok, key=lambda r: r.floor)
        for a, b in itertools.pairwise(by_floor):
            adj[a.id].add(b.id)
            adj[b.id].add(a.id)

    markers: dict[int, str] = {}

    def marker(field: str, mid: int, owner: str) -> None:
        if mid in markers:
            problems.append((field, f"duplicate marker id {mid} (also used by {markers[mid]})"))
        elif mid >= dict_size:
            problems.append(
                (field, f"marker id {mid} is outside {spec.aruco_dictionary} (0..{dict_size - 1})")
            )
        markers[mid] = owner

    lm_ids: set[str] = set()
    for i, lm in enumerate(spec.landmarks):
        if lm.id in lm_ids:
            problems.append((f"landmarks[{i}].id", f"duplicate landmark id {lm.id!r}"))
        lm_ids.add(lm.id)
        room = need_room(f"landmarks[{i}].room", lm.room, lm.floor)
        if room and not room.contains(lm.x, lm.y):
            problems.append(
                (f"landmarks[{i}]", f"({lm.x}, {lm.y}) is not inside room {lm.room!r}")
            )
        marker(f"landmarks[{i}].marker_id", lm.marker_id, f"landmark {lm.id!r}")
    for i, e in enumerate(spec.elevators):
        for j, ed in enumerate(e.doors):
            marker(
                f"elevators[{i}].doors[{j}].panel_marker_id",
                ed.panel_marker_id,
                f"panel of {e.id!r} on floor {ed.floor}",
            )
    problems.extend(_door_clearance_problems(spec))
    p_ids: set[str] = set()
    for i, p in enumerate(spec.people):
        if p.id in p_ids:
            problems.append((f"people[{i}].id", f"duplicate person id {p.id!r}"))
        p_ids.add(p.id)
        marker(f"people[{i}].badge_marker_id", p.badge_marker_id, f"badge of {p.id!r}")
        need_room(f"people[{i}].desk", p.desk)
        if p.schedule.lunch:
            need_room(f"people[{i}].schedule.lunch.room", p.schedule.lunch.room)
        for j, m in enumerate(p.schedule.meetings):
            need_room(f"people[{i}].schedule.meetings[{j}].room", m.room)
    for i, z in enumerate(spec.forbidden_zones):
        need_room(f"forbidden_zones[{i}].room", z.room)
        if z.floor is not None and z.floor not in levels:
            problems.append((f"forbidden_zones[{i}].floor", f"unknown floor {z.floor}"))

    if spec.entrance in adj:
        seen = {spec.entrance}
        todo = deque([spec.entrance])
        while todo:
            for nb in adj[todo.popleft()]:
                if nb not in seen:
                    seen.add(nb)
                    todo.append(nb)
        for i, r in enumerate(spec.rooms):
            if r.id not in seen:
                problems.append(
                    (
                        f"rooms[{i}]",
                        f"room {r.id!r} is unreachable from the entrance "
                        f"{spec.entrance!r} (no door, elevator or stairs lead to it)",
                    )
                )
    return problems


def door_approaches(spec: BuildingSpec) -> Iterator[tuple[str, int, Rect]]:
    """(door name, floor, zone) for every door: its width along the wall, and the clearance
    depth beyond the wall's faces on each side, where the robot lines up to pass."""
    half = spec.wall_thickness_m / 2
    depth = 2 * (half + spec.door_clearance_m)
    rooms = {r.id: r for r in spec.rooms}
    for d in spec.doors:
        room = rooms.get(d.between[0])
        if room is None:
            continue
        vertical = _on_edge(room.rect, d.center) in ("east", "west")
        yield f"door {d.id!r}", d.floor, _door_rect(d.center, d.width_m, vertical, depth)
    for e in spec.elevators:
        for ed in e.doors:
            vertical = _on_edge(e.shaft, ed.center) in ("east", "west")
            zone = _door_rect(ed.center, ed.width_m, vertical, depth)
            yield f"elevator door of {e.id!r} on floor {ed.floor}", ed.floor, zone


def _door_clearance_problems(spec: BuildingSpec) -> list[tuple[str, str]]:
    """Landmarks standing in a door's approach: the robot would scrape or not pass at all."""
    out = []
    approaches = list(door_approaches(spec))
    for i, lm in enumerate(spec.landmarks):
        fp = lm.footprint()
        for door, floor, zone in approaches:
            if floor == lm.floor and _overlap(fp, zone):
                out.append(
                    (
                        f"landmarks[{i}]",
                        f"landmark {lm.id!r} (footprint {_fmt_rect(fp)}) stands within "
                        f"{spec.door_clearance_m:g} m in front of {door}; door_clearance_m "
                        f"keeps that much clear for the robot: move the landmark",
                    )
                )
    return out


def _fmt_rect(rect: Rect) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in rect) + "]"


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return re.sub(r"\.\[", "[", out) or "<top level>"


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds (directly, in a list or as an optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    """'unknown field' with the nearest known name of that place in the format as a hint."""
    model: type[BaseModel] | None = BuildingSpec
    for part in loc[:-1]:
        if isinstance(part, str) and model is not None:
            field = model.model_fields.get(part)
            model = _model_in(field.annotation) if field is not None else None
    name = str(loc[-1])
    known = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown field {name!r}; did you mean {close[0]!r}?"
    return f"unknown field {name!r}; the fields here are: {', '.join(known)}"


# The format's lists and the model of their items: a broken item is left out of the second,
# semantic pass so the rest of the file is still checked.
_LISTS: dict[str, type[_Spec]] = {
    "floors": FloorSpec,
    "rooms": RoomSpec,
    "doors": DoorSpec,
    "elevators": ElevatorSpec,
    "stairs": StairsSpec,
    "landmarks": LandmarkSpec,
    "people": PersonSpec,
    "forbidden_zones": ForbiddenZoneSpec,
}
_STAND_IN = {  # the smallest valid lists, to validate the top-level fields on their own
    "floors": [{"level": 0, "name": "-"}],
    "rooms": [{"id": "x", "name": "-", "kind": "-", "floor": 0, "rect": [0, 0, 1, 1]}],
}


def _semantic_problems_of_the_valid_parts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The semantic problems of a file that failed the schema, found on the items that passed
    it (problem locations keep the file's own indices)."""
    top = {k: v for k, v in data.items() if k in BuildingSpec.model_fields and k not in _LISTS}
    try:
        spec = BuildingSpec.model_validate(top | _STAND_IN)
    except ValidationError:
        return []  # a top-level field is wrong: its error is reported already
    kept: dict[str, list[Any]] = {}
    index: dict[str, list[int]] = {}
    broken: set[str] = set()
    for name, model in _LISTS.items():
        raw = data.get(name)
        kept[name], index[name] = [], []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            try:
                kept[name].append(model.model_validate(item))
                index[name].append(i)
            except ValidationError:
                if name == "rooms" and isinstance(item, dict) and isinstance(item.get("id"), str):
                    broken.add(item["id"])
    problems = _problems(spec.model_copy(update=kept), frozenset(broken))

    def renumber(field: str) -> str:
        m = re.match(r"^(\w+)\[(\d+)\]", field)
        if m and m.group(1) in index:
            return f"{m.group(1)}[{index[m.group(1)][int(m.group(2))]}]" + field[m.end() :]
        return field

    return [(renumber(field), problem) for field, problem in problems]


def parse_building(data: object, source: str = "<memory>") -> Building:
    """Validate an already-loaded YAML document, reporting every problem at once: the schema's
    and, for the items that pass it, the semantic ones (references, geometry, reachability)."""
    try:
        spec = BuildingSpec.model_validate(data)
    except ValidationError as exc:
        problems = [
            (
                _loc(err["loc"]),
                _unknown_field(err["loc"]) if err["type"] == "extra_forbidden" else err["msg"],
            )
            for err in exc.errors()
        ]
        if isinstance(data, dict):
            problems += _semantic_problems_of_the_valid_parts(data)
        raise BuildingError(source, problems) from None
    return Building(spec, source)


def building_path(path: str | Path | None = None) -> Path:
    """The building file ``path`` names (None: the default office). Every command that takes
    a building words a missing one the same way."""
    p = Path(path) if path is not None else DEFAULT_WORLD
    if not p.is_file():
        raise FileNotFoundError(
            f"building file not found: {p} (a building file is YAML; see docs/buildings.md)"
        )
    return p


def load_building(path: str | Path | None = None) -> Building:
    """Load and validate a building file (``None``: the default office)."""
    p = building_path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BuildingError(str(p), [("<yaml>", f"not valid YAML: {exc}")]) from None
    return parse_building(data, str(p))
