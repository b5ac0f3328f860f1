"""Random but valid buildings, so the robot can be judged in offices it has never seen.

A generated building is a set of *wings* joined at square *hubs* (open lobbies). A wing is a
straight corridor with a row of rooms on each side; wings run east-west or north-south, so an
L, T or U building has corridors in both directions. Some room slots of a wing are *cores*,
the same on every level: a stairwell (flights along x, its floor landing by the corridor) or an
elevator lobby with one or two shafts behind it. Levels run from ``-basements`` to
``floors - 1``; the first stairwell serves every level, so every level is reachable whatever
the elevators serve (a freight elevator serves the basements and the two lowest floors above).

Everything comes from one seeded generator: the same seed and options give the same file.
``generate_building`` returns the document a building file loads to (validated before it is
returned); ``write_building`` saves it as YAML.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pepa.building.layout import ARUCO_DICTIONARY_SIZES, WEEKDAY_NAMES, Rect, parse_building


class Shape(StrEnum):
    """The footprint: wings around hubs."""

    BAR = "bar"  # one hub, two wings along one axis
    L = "l"  # one hub, one wing along each axis
    T = "t"  # one hub, two wings along one axis and a stem along the other
    U = "u"  # two hubs joined by a wing, an arm from each along the other axis


class Direction(StrEnum):
    EAST = "east"
    WEST = "west"
    NORTH = "north"
    SOUTH = "south"

    @property
    def along_x(self) -> bool:
        return self in (Direction.EAST, Direction.WEST)

    @property
    def opposite(self) -> Direction:
        return _OPPOSITE[self]


class Side(StrEnum):
    """The side of a wing's corridor a room is on."""

    LOW = "low"  # south of an east-west corridor, west of a north-south one
    HIGH = "high"  # north or east


_OPPOSITE = {
    Direction.EAST: Direction.WEST,
    Direction.WEST: Direction.EAST,
    Direction.NORTH: Direction.SOUTH,
    Direction.SOUTH: Direction.NORTH,
}


class GeneratorConfig(BaseModel):
    """What may be asked of the generator; anything left ``None`` is drawn from the seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seed: int
    floors: int = Field(default=3, ge=1, le=20)  # levels 0 .. floors-1 (0 is the ground)
    basements: int = Field(default=0, ge=0, le=5)  # levels -1 .. -basements
    shape: Shape | None = None
    people: int | None = Field(default=None, ge=0, le=200)
    stairwells: int | None = Field(default=None, ge=1, le=3)
    elevators: int | None = Field(default=None, ge=0, le=4)
    wing_length_m: tuple[float, float] = (16.0, 34.0)

    @model_validator(mode="after")
    def _lengths(self) -> GeneratorConfig:
        lo, hi = self.wing_length_m
        if not 10.0 <= lo <= hi <= 120.0:
            raise ValueError(f"wing_length_m {self.wing_length_m} must be 10 <= min <= max <= 120")
        return self

    @property
    def levels(self) -> list[int]:
        return list(range(-self.basements, self.floors))


# Sizes (metres). Room slots along a corridor are MIN_SLOT..MAX_SLOT wide; any total length of
# at least MIN_SLOT splits into such slots because MAX_SLOT >= 2 * MIN_SLOT.
MIN_SLOT, MAX_SLOT = 4.5, 9.5
SHAFT_DEPTH = 2.5
SHAFT_WIDTH = 2.5
LOBBY_WIDTH = 6.0  # room for two shafts side by side
MID_LANDING = 1.4  # the half-storey landing at the far end of a stairwell
FLIGHT_LENGTH = 2.8
ROOM_DOOR_M = 1.2
STOREY_M = 3.5
SPARE_MARKERS = 4  # for objects that appear during the day

_FIRST_NAMES = (
    "Ada", "Ben", "Cleo", "Dan", "Eva", "Filip", "Greta", "Hugo", "Ines", "Jonas", "Kim",
    "Lena", "Marek", "Nina", "Oskar", "Petra", "Quinn", "Rosa", "Sam", "Tereza", "Uma",
    "Viktor", "Wanda", "Xavier", "Yara", "Zdenek",
)  # fmt: skip
_SURNAMES = (
    "Adler", "Berg", "Cerny", "Dvorak", "Engel", "Fiala", "Horak", "Ilic", "Jansen", "Kral",
    "Lorenz", "Moreau", "Novak", "Olsen", "Pavlik", "Ruiz", "Svoboda", "Tanaka", "Urban",
    "Vesely", "Weber", "Zeman",
)  # fmt: skip
# Room kinds above ground, with draw weights; basements get their own.
_KINDS = (("office", 10), ("meeting", 3), ("kitchen", 1), ("print", 1), ("storage", 1))
_BASEMENT_KINDS = (("parking", 4), ("storage", 3), ("plant_room", 1))
# The landmark each kind of room holds (kinds the spontaneous requests know about).
_LANDMARK_OF = {
    "kitchen": ("coffee_machine", "Coffee machine", (0.6, 0.5), 1.5),
    "print": ("printer", "Printer", (0.8, 0.7), 1.1),
    "meeting": ("whiteboard", "Whiteboard", (1.2, 0.3), 1.8),
    "office": ("plant", "Plant", (0.5, 0.5), 1.0),
}


def level_tag(level: int) -> str:
    """A level as it appears in ids: ``l2`` for floor 2, ``b1`` for basement level -1."""
    return f"b{-level}" if level < 0 else f"l{level}"


def level_label(level: int) -> str:
    """A level as it prefixes room numbers: ``2`` for floor 2, ``B1`` for level -1."""
    return f"B{-level}" if level < 0 else str(level)


def level_name(level: int) -> str:
    if level < 0:
        return f"Basement {-level}"
    return "Ground floor" if level == 0 else f"Floor {level}"


@dataclass
class _Core:
    """A slot kept for the same purpose on every level."""

    kind: str  # "stairs" or "lift"
    index: int
    width: float


@dataclass
class _Slot:
    """A room position on one side of a wing's corridor."""

    rect: Rect
    door: tuple[float, float]  # door centre on the corridor wall
    outward: Direction  # from the corridor towards the room's back wall
    core: _Core | None = None


@dataclass
class _Wing:
    rect: Rect
    direction: Direction  # from its hub
    hub: int
    far_hub: int | None = None  # a U's base wing joins a second hub at its far end
    corridor: Rect = (0.0, 0.0, 0.0, 0.0)
    end_doors: list[tuple[int, tuple[float, float]]] = field(default_factory=list)  # to hubs
    slots: list[_Slot] = field(default_factory=list)
    cores: dict[Side, list[_Core]] = field(default_factory=lambda: {s: [] for s in Side})


def _r(v: float) -> float:
    """Round to 5 cm: clean numbers in the file, and exact shared walls."""
    return round(round(v * 20.0) / 20.0, 2)


def _partition(rng: random.Random, total: float) -> list[float]:
    """``total`` metres as slot widths in [MIN_SLOT, MAX_SLOT] (multiples of 0.5 m)."""
    if total < MIN_SLOT - 1e-9:
        return []
    lo, hi = math.ceil(total / MAX_SLOT - 1e-9), math.floor(total / MIN_SLOT + 1e-9)
    n = min(hi, max(lo, round(total / rng.uniform(5.5, 8.0))))
    widths = [math.floor(total / n * 2) / 2] * n
    widths[-1] = total - sum(widths[:-1])
    for i in range(n - 1):
        shift = rng.choice((-1.0, -0.5, 0.0, 0.5, 1.0))
        a, b = widths[i] + shift, widths[i + 1] - shift
        if MIN_SLOT <= a <= MAX_SLOT and MIN_SLOT <= b <= MAX_SLOT:
            widths[i], widths[i + 1] = a, b
    return widths


class _Generator:
    def __init__(self, config: GeneratorConfig) -> None:
        self.c = config
        self.rng = random.Random(f"{config.seed}/building")
        rng = self.rng
        self.shape = config.shape or rng.choice(list(Shape))
        self.depth = rng.choice((6.5, 7.0, 7.5, 8.0))  # room depth either side of a corridor
        self.corridor_w = rng.choice((3.0, 3.5, 4.0))
        self.hub_w = 2 * self.depth + self.corridor_w
        self.levels = config.levels
        self._landing_east: dict[int, bool] = {}  # per stairwell in an east-west wing

    # --- the plan: hubs, wings and where the cores go ---------------------------------------

    def _topology(self) -> list[tuple[int, Direction]]:
        """(hub, direction) of each wing; in a U, wing 0 joins hub 0 to hub 1."""
        rng = self.rng
        a = rng.choice(list(Direction))
        b = rng.choice([d for d in Direction if d.along_x != a.along_x])
        return {
            Shape.BAR: [(0, a), (0, a.opposite)],
            Shape.L: [(0, a), (0, b)],
            Shape.T: [(0, a), (0, a.opposite), (0, b)],
            Shape.U: [(0, a), (0, b), (1, b)],
        }[self.shape]

    def _plan(self) -> tuple[list[tuple[float, float]], list[_Wing], int, list[int]]:
        """Hubs, wings laid out with their slots, the number of stairwells, and the number of
        elevators in each elevator lobby."""
        rng = self.rng
        topology = self._topology()
        multi = len(self.levels) >= 2
        n_stairs = (self.c.stairwells or rng.randint(1, 3)) if multi else 0
        n_lifts = (
            (self.c.elevators if self.c.elevators is not None else rng.randint(1, 3))
            if multi
            else 0
        )
        lobbies = [min(2, n_lifts - k) for k in range(0, n_lifts, 2)]
        cores = [_Core("stairs", i, 0.0) for i in range(n_stairs)]
        cores += [_Core("lift", i, LOBBY_WIDTH) for i in range(len(lobbies))]
        order = list(range(len(topology)))
        rng.shuffle(order)
        sides: list[dict[Side, list[_Core]]] = [{s: [] for s in Side} for _ in topology]
        for k, core in enumerate(cores):
            w = order[k % len(order)]
            if core.kind == "stairs":
                core.width = 7.0 if topology[w][1].along_x else 6.0
            sides[w][Side.HIGH if rng.random() < 0.5 else Side.LOW].append(core)
        lengths = []
        for w in range(len(topology)):
            drawn = round(rng.uniform(*self.c.wing_length_m) * 2) / 2
            need = max(sum(c.width for c in cs) for cs in sides[w].values()) + MIN_SLOT
            lengths.append(max(drawn, need))
        hubs = [(0.0, 0.0)]
        if self.shape is Shape.U:
            hubs.append(self._beyond(hubs[0], topology[0][1], lengths[0]))
        wings: list[_Wing] = []
        for (h, d), length, side in zip(topology, lengths, sides, strict=True):
            wing = self._wing(hubs[h], d, length, h)
            wing.cores = side
            if self.shape is Shape.U and not wings:
                wing.far_hub = 1
            self._lay_out(wing)
            wings.append(wing)
        return hubs, wings, n_stairs, lobbies

    def _beyond(
        self, hub: tuple[float, float], d: Direction, length: float
    ) -> tuple[float, float]:
        """Where the next hub stands past a wing of ``length`` leaving ``hub`` towards ``d``."""
        x, y = hub
        step = self.hub_w + length
        return {
            Direction.EAST: (x + step, y),
            Direction.WEST: (x - step, y),
            Direction.NORTH: (x, y + step),
            Direction.SOUTH: (x, y - step),
        }[d]

    def _wing(self, hub: tuple[float, float], d: Direction, length: float, h: int) -> _Wing:
        x, y = hub
        w = self.hub_w
        rect = {
            Direction.EAST: (x + w, y, x + w + length, y + w),
            Direction.WEST: (x - length, y, x, y + w),
            Direction.NORTH: (x, y + w, x + w, y + w + length),
            Direction.SOUTH: (x, y - length, x + w, y),
        }[d]
        return _Wing(rect=rect, direction=d, hub=h)

    def _lay_out(self, wing: _Wing) -> None:
        """The corridor, its door to the hub and the room slots on both sides."""
        x0, y0, x1, y1 = wing.rect
        dp, cw = self.depth, self.corridor_w
        if wing.direction.along_x:
            wing.corridor = (x0, y0 + dp, x1, y0 + dp + cw)
            near, far = (x0, x1) if wing.direction is Direction.EAST else (x1, x0)
            ends = [(near, y0 + dp + cw / 2), (far, y0 + dp + cw / 2)]
            start, end = x0, x1
        else:
            wing.corridor = (x0 + dp, y0, x0 + dp + cw, y1)
            near, far = (y0, y1) if wing.direction is Direction.NORTH else (y1, y0)
            ends = [(x0 + dp + cw / 2, near), (x0 + dp + cw / 2, far)]
            start, end = y0, y1
        wing.end_doors = [(wing.hub, ends[0])]
        if wing.far_hub is not None:
            wing.end_doors.append((wing.far_hub, ends[1]))
        for side in Side:
            cores = wing.cores[side]
            pinned = sum(c.width for c in cores)
            widths: list[tuple[float, _Core | None]] = [
                (w, None) for w in _partition(self.rng, end - start - pinned)
            ]
            for core in cores:
                widths.insert(self.rng.randint(0, len(widths)), (core.width, core))
            pos = start
            for width, slot_core in widths:
                wing.slots.append(self._slot(wing, side, pos, pos + width, slot_core))
                pos += width

    def _slot(self, wing: _Wing, side: Side, a: float, b: float, core: _Core | None) -> _Slot:
        x0, y0, x1, y1 = wing.rect
        cx0, cy0, cx1, cy1 = wing.corridor
        mid = (a + b) / 2
        if wing.direction.along_x:
            if side is Side.HIGH:
                return _Slot((a, cy1, b, y1), (mid, cy1), Direction.NORTH, core)
            return _Slot((a, y0, b, cy0), (mid, cy0), Direction.SOUTH, core)
        if side is Side.HIGH:
            return _Slot((cx1, a, x1, b), (cx1, mid), Direction.EAST, core)
        return _Slot((x0, a, cx0, b), (cx0, mid), Direction.WEST, core)

    def _shift(self, hubs: list[tuple[float, float]], wings: list[_Wing]) -> None:
        """Move everything so the footprint starts at (0, 0), rounded to 5 cm."""
        xs = [v for w in wings for v in (w.rect[0], w.rect[2])] + [h[0] for h in hubs]
        ys = [v for w in wings for v in (w.rect[1], w.rect[3])] + [h[1] for h in hubs]
        dx, dy = -min(xs), -min(ys)

        def mv(rect: Rect) -> Rect:
            return (_r(rect[0] + dx), _r(rect[1] + dy), _r(rect[2] + dx), _r(rect[3] + dy))

        hubs[:] = [(_r(x + dx), _r(y + dy)) for x, y in hubs]
        for w in wings:
            w.rect, w.corridor = mv(w.rect), mv(w.corridor)
            w.end_doors = [(h, (_r(x + dx), _r(y + dy))) for h, (x, y) in w.end_doors]
            for s in w.slots:
                s.rect = mv(s.rect)
                s.door = (_r(s.door[0] + dx), _r(s.door[1] + dy))

    # --- the document ---------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        rng = self.rng
        hubs, wings, n_stairs, lobbies = self._plan()
        self._shift(hubs, wings)
        levels = self.levels
        above = [lv for lv in levels if lv >= 0]
        stairs_levels = self._stairs_levels(n_stairs)
        lift_levels = self._lift_levels(sum(lobbies))
        dock_level = rng.choice(above)
        server_level = rng.choice(above)
        rooms: list[dict[str, Any]] = []
        doors: list[dict[str, Any]] = []
        stairs: list[dict[str, Any]] = [
            {"id": f"stairs_{i}", "name": f"Stairwell {i + 1}", "rooms": [], "floors": lv}
            for i, lv in enumerate(stairs_levels)
        ]
        elevators: list[dict[str, Any]] = []
        lobby_ids: dict[tuple[int, int], str] = {}  # (lobby, level) -> room id
        normal: dict[int, list[tuple[str, _Slot]]] = {lv: [] for lv in levels}
        for lv in levels:
            tag = level_tag(lv)
            for h, (hx, hy) in enumerate(hubs):
                w = self.hub_w
                rooms.append(
                    _room(
                        f"hub_{h}_{tag}",
                        f"Hub {h + 1} lobby",
                        "lobby",
                        lv,
                        (hx, hy, hx + w, hy + w),
                    )
                )
            for i, wing in enumerate(wings):
                cid = f"corridor_{i}_{tag}"
                rooms.append(_room(cid, f"Corridor {i + 1}", "corridor", lv, wing.corridor))
                for h, centre in wing.end_doors:
                    doors.append(
                        _door(f"door_{cid}_hub_{h}", lv, cid, f"hub_{h}_{tag}", centre,
                              _r(self.corridor_w - 1.0))
                    )  # fmt: skip
                for j, slot in enumerate(wing.slots):
                    core = slot.core
                    if core and core.kind == "stairs" and lv in stairs_levels[core.index]:
                        sid = f"stairwell_{core.index}_{tag}"
                        s = stairs[core.index]
                        geometry, door = self._stairwell(wing, slot, core.index)
                        s.update(geometry)
                        s["rooms"].append(sid)
                        rooms.append(_room(sid, s["name"], "stairwell", lv, slot.rect))
                        doors.append(_door(f"door_{sid}", lv, sid, cid, door, ROOM_DOOR_M))
                    elif core and core.kind == "lift":
                        served = any(
                            lv in lift_levels[e]
                            for e in self._lobby_elevators(lobbies, core.index)
                        )
                        lid = f"elevator_lobby_{core.index}_{tag}"
                        lobby_ids[(core.index, lv)] = lid
                        kind = "elevator_lobby" if served else "storage"
                        name = f"Elevator lobby {core.index + 1}" if served else "Store room"
                        rooms.append(_room(lid, name, kind, lv, self._lobby_rect(slot)))
                        doors.append(_door(f"door_{lid}", lv, lid, cid, slot.door, ROOM_DOOR_M))
                    else:
                        normal[lv].append((f"{i}_{j}", slot))
                        doors.append(
                            _door(f"door_room_{i}_{j}_{tag}", lv, f"room_{i}_{j}_{tag}", cid,
                                  slot.door, ROOM_DOOR_M)
                        )  # fmt: skip
        for k, count in enumerate(lobbies):
            for m, e in enumerate(self._lobby_elevators(lobbies, k)):
                elevators.append(self._elevator(wings, k, m, count, e, lift_levels[e], lobby_ids))
        home, server, kinds = self._room_kinds(normal, dock_level, server_level)
        # ids carry the kind, so a person reading the file (or a log) knows what a room is
        renamed: dict[str, str] = {}
        counters: dict[tuple[str, int], int] = {}
        for lv in levels:
            for key, slot in normal[lv]:
                kind = kinds[(lv, key)]
                n = counters[(kind, lv)] = counters.get((kind, lv), 0) + 1
                old = f"room_{key}_{level_tag(lv)}"
                is_home = (lv, key) == home
                new = f"home_{kind}_{level_tag(lv)}" if is_home else f"{kind}_{level_tag(lv)}_{n}"
                renamed[old] = new
                label = _KIND_LABEL.get(kind, kind.replace("_", " ").capitalize())
                name = "Robotics lab" if is_home else f"{label} {level_label(lv)}.{n}"
                rooms.append(_room(new, name, kind, lv, slot.rect))
        for d in doors:
            d["between"] = [renamed.get(r, r) for r in d["between"]]
            d["id"] = "door_" + d["between"][0] if d["id"].startswith("door_room_") else d["id"]
        landmarks = self._landmarks(normal, kinds, home, hubs, renamed)
        home_slot = dict(normal[home[0]])[home[1]]
        people = self._people(rooms)
        self._number_markers(landmarks, elevators, people)
        used = len(landmarks) + len(people) + sum(len(e["doors"]) for e in elevators)
        fits = [n for n, size in ARUCO_DICTIONARY_SIZES.items() if size >= used + SPARE_MARKERS]
        if not fits:
            raise ValueError(
                f"{used} markers (landmarks, call panels, badges) do not fit the largest ArUco "
                f"dictionary ({max(ARUCO_DICTIONARY_SIZES.values())}): ask for fewer people, "
                "levels or shorter wings"
            )
        dictionary = min(fits, key=ARUCO_DICTIONARY_SIZES.__getitem__)
        hx, hy, hx1, hy1 = home_slot.rect
        theta = {Direction.NORTH: -90, Direction.SOUTH: 90, Direction.EAST: 180}.get(
            home_slot.outward, 0
        )
        server_room = renamed[f"room_{server[1]}_{level_tag(server[0])}"]
        home_id = renamed[f"room_{home[1]}_{level_tag(home[0])}"]
        return {
            "name": f"generated_{self.c.seed}_{self.shape.value}",
            "description": (
                f"Generated building (seed {self.c.seed}): {self.shape.name} shape, "
                f"{len(levels)} levels ({self.c.basements} below ground), "
                f"{len(stairs)} stairwells, {len(elevators)} elevators."
            ),
            "aruco_dictionary": dictionary,
            "resolution_m": 0.1,
            "wall_thickness_m": 0.2,
            "entrance": "hub_0_l0",
            "home": home_id,
            "dock": {
                "id": "dock",
                "room": home_id,
                "x": _r((hx + hx1) / 2),
                "y": _r((hy + hy1) / 2),
                "theta_deg": theta,
            },
            "floors": [
                {"level": lv, "name": level_name(lv), "elevation_m": lv * STOREY_M}
                for lv in levels
            ],
            "rooms": rooms,
            "doors": doors,
            "elevators": elevators,
            "stairs": stairs,
            "landmarks": landmarks,
            "people": people,
            "forbidden_zones": [
                {"id": "server_room_zone", "room": server_room, "reason": "authorised staff only"},
                {
                    "id": "lab_bench_zone",
                    "floor": home[0],
                    "rect": list(_back_strip(home_slot, 1.2)),
                    "reason": "keep clear of the lab workbench",
                },
            ],
        }

    # --- cores ----------------------------------------------------------------------------

    def _stairs_levels(self, n: int) -> list[list[int]]:
        """The first stairwell serves every level; the others a run of at least two."""
        levels = self.levels
        out = [list(levels)] if n else []
        for _ in range(1, n):
            lo = self.rng.randint(0, len(levels) - 2)
            hi = self.rng.randint(lo + 1, len(levels) - 1)
            out.append(levels[lo : hi + 1])
        return out

    def _lift_levels(self, n: int) -> list[list[int]]:
        """Elevator 0 serves every level; with basements, elevator 1 is a freight elevator for
        the basements and the two lowest floors above; the rest serve random subsets."""
        levels = self.levels
        out: list[list[int]] = []
        for e in range(n):
            if e == 0:
                out.append(list(levels))
            elif e == 1 and self.c.basements:
                out.append(levels[: self.c.basements + 2])
            else:
                k = self.rng.randint(2, len(levels))
                out.append(sorted(self.rng.sample(levels, k)))
        return out

    @staticmethod
    def _lobby_elevators(lobbies: list[int], k: int) -> range:
        start = sum(lobbies[:k])
        return range(start, start + lobbies[k])

    def _stairwell(
        self, wing: _Wing, slot: _Slot, index: int
    ) -> tuple[dict[str, Any], tuple[float, float]]:
        """Flights along x with the floor landing (and the door) on the corridor's side."""
        x0, y0, x1, y1 = slot.rect
        ym = (y0 + y1) / 2
        if wing.direction.along_x:
            east = self._landing_east.setdefault(index, self.rng.random() < 0.5)
        else:
            east = slot.outward is Direction.WEST  # the corridor is east of the room
        if east:
            fx0 = x0 + MID_LANDING
            mid = (x0, y0, fx0, y1)
        else:
            fx0 = x1 - MID_LANDING - FLIGHT_LENGTH
            mid = (x1 - MID_LANDING, y0, x1, y1)
        fx1 = fx0 + FLIGHT_LENGTH
        if wing.direction.along_x:
            landing = (fx1 + x1) / 2 if east else (x0 + fx0) / 2
            door = (_r(landing), slot.door[1])
        else:
            door = slot.door
        geometry = {
            "up_flight": [_r(fx0), _r(y0 + 0.1), _r(fx1), _r(ym - 0.1)],
            "down_flight": [_r(fx0), _r(ym + 0.1), _r(fx1), _r(y1 - 0.1)],
            "mid_landing": [_r(v) for v in mid],
            "landing_side": "east" if east else "west",
        }
        return geometry, door

    def _lobby_rect(self, slot: _Slot) -> Rect:
        """An elevator lobby: the slot without the shaft strip along its back wall."""
        x0, y0, x1, y1 = slot.rect
        return {
            Direction.NORTH: (x0, y0, x1, y1 - SHAFT_DEPTH),
            Direction.SOUTH: (x0, y0 + SHAFT_DEPTH, x1, y1),
            Direction.EAST: (x0, y0, x1 - SHAFT_DEPTH, y1),
            Direction.WEST: (x0 + SHAFT_DEPTH, y0, x1, y1),
        }[slot.outward]

    def _elevator(
        self,
        wings: list[_Wing],
        lobby: int,
        m: int,
        count: int,
        e: int,
        floors: list[int],
        lobby_ids: dict[tuple[int, int], str],
    ) -> dict[str, Any]:
        slot = next(
            s
            for w in wings
            for s in w.slots
            if s.core is not None and s.core.kind == "lift" and s.core.index == lobby
        )
        strip = _back_strip(slot, SHAFT_DEPTH)
        along_x = slot.outward in (Direction.NORTH, Direction.SOUTH)
        a, b = (strip[0], strip[2]) if along_x else (strip[1], strip[3])
        s0 = (a + b - SHAFT_WIDTH) / 2 if count == 1 else a + 0.5 + m * SHAFT_WIDTH
        s1 = s0 + SHAFT_WIDTH
        lobby_rect = self._lobby_rect(slot)
        # the wall between shaft and lobby
        wall = {
            Direction.NORTH: lobby_rect[3],
            Direction.SOUTH: lobby_rect[1],
            Direction.EAST: lobby_rect[2],
            Direction.WEST: lobby_rect[0],
        }[slot.outward]
        shaft = (s0, strip[1], s1, strip[3]) if along_x else (strip[0], s0, strip[2], s1)
        centre = (s0 + s1) / 2
        panel = centre + (0.95 if m == 1 else -0.95)

        def point(t: float) -> list[float]:
            return [_r(t), _r(wall)] if along_x else [_r(wall), _r(t)]

        freight = e == 1 and self.c.basements > 0
        return {
            "id": f"elevator_{e}",
            "name": "Freight elevator" if freight else f"Elevator {chr(ord('A') + e)}",
            "shaft": [_r(v) for v in shaft],
            "floors": floors,
            "doors": [
                {
                    "floor": lv,
                    "lobby": lobby_ids[(lobby, lv)],
                    "center": point(centre),
                    "width_m": 1.2,
                    "panel_marker_id": 0,
                    "panel": point(panel),
                }
                for lv in floors
            ],
            "travel_s_per_floor": 4.0 if freight else 3.0,
            "capacity": 12 if freight else 6,
            "start_floor": 0 if 0 in floors else floors[0],
        }

    # --- rooms, landmarks, people ---------------------------------------------------------

    def _room_kinds(
        self, normal: dict[int, list[tuple[str, _Slot]]], dock_level: int, server_level: int
    ) -> tuple[tuple[int, str], tuple[int, str], dict[tuple[int, str], str]]:
        """The home lab, the server room and a kitchen on every floor above ground are placed
        first; every other room's kind is drawn."""
        rng = self.rng
        home = (dock_level, rng.choice(normal[dock_level])[0])
        server = (
            server_level,
            rng.choice([k for k, _ in normal[server_level] if (server_level, k) != home]),
        )
        kinds: dict[tuple[int, str], str] = {home: "lab", server: "server"}
        for lv, slots in normal.items():
            free = [k for k, _ in slots if (lv, k) not in kinds]
            if lv >= 0 and free:
                kinds[(lv, rng.choice(free))] = "kitchen"
            table = _BASEMENT_KINDS if lv < 0 else _KINDS
            for k, _ in slots:
                if (lv, k) not in kinds:
                    kinds[(lv, k)] = rng.choices(
                        [t for t, _ in table], weights=[w for _, w in table]
                    )[0]
        return home, server, kinds

    def _landmarks(
        self,
        normal: dict[int, list[tuple[str, _Slot]]],
        kinds: dict[tuple[int, str], str],
        home: tuple[int, str],
        hubs: list[tuple[float, float]],
        renamed: dict[str, str],
    ) -> list[dict[str, Any]]:
        """A kitchen's coffee machine, a print room's printer, a meeting room's whiteboard and
        some offices' plants, against the back wall (far from the door); plants in some hub
        corners."""
        rng = self.rng
        out: list[dict[str, Any]] = []
        for lv, slots in normal.items():
            tag = level_tag(lv)
            for key, slot in slots:
                kind = kinds[(lv, key)]
                if (lv, key) == home or kind not in _LANDMARK_OF:
                    continue
                if kind == "office" and rng.random() > 0.4:
                    continue
                lm_kind, name, size, height = _LANDMARK_OF[kind]
                room = renamed[f"room_{key}_{tag}"]
                x, y, facing = _against_back_wall(slot, size[1])
                out.append(_landmark(f"{lm_kind}_{room}", name, lm_kind, lv, room, x, y,
                                     facing, size, height))  # fmt: skip
            for h, (hx, hy) in enumerate(hubs):
                if rng.random() < 0.5:
                    room = f"hub_{h}_{tag}"
                    out.append(_landmark(f"plant_{room}", "Plant", "plant", lv, room,
                                         hx + 0.7, hy + 0.45, 90.0, (0.5, 0.5), 1.0))  # fmt: skip
        # one name each ("Printer 2.1"): a request names a landmark by its name and floor
        counts: dict[tuple[str, int], int] = {}
        for lm in out:
            kind_floor = (lm["kind"], lm["floor"])
            counts[kind_floor] = counts.get(kind_floor, 0) + 1
            lm["name"] = f"{lm['name']} {level_label(lm['floor'])}.{counts[kind_floor]}"
        return out

    def _people(self, rooms: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = self.rng
        above = [r for r in rooms if r["floor"] >= 0]
        offices = [r for r in above if r["kind"] == "office"] or [
            r for r in above if r["kind"] in ("meeting", "print", "storage", "kitchen")
        ]
        kitchens = [r for r in rooms if r["kind"] == "kitchen"]
        meetings = [r for r in rooms if r["kind"] == "meeting"]
        n = self.c.people
        if n is None:
            n = min(40, max(2, round(len(offices) * 0.6)))
        out = []
        for k in range(n):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_SURNAMES)
            desk = rng.choice(offices)
            days = sorted(
                rng.sample(WEEKDAY_NAMES[:5], rng.randint(3, 5)), key=WEEKDAY_NAMES.index
            )
            arrive = rng.randint(7 * 4, 9 * 4 + 2) * 15
            leave = min(21 * 60, arrive + rng.randint(7 * 4, 9 * 4) * 15)
            schedule: dict[str, Any] = {
                "days": days,
                "arrive": _hhmm(arrive),
                "leave": _hhmm(leave),
            }
            if kitchens:
                near = [r for r in kitchens if r["floor"] == desk["floor"]] or kitchens
                schedule["lunch"] = {
                    "room": rng.choice(near)["id"],
                    "start": _hhmm(rng.randint(46, 53) * 15),
                    "minutes": rng.choice((30, 40, 45)),
                }
            meets = []
            for _ in range(rng.randint(0, 2) if meetings else 0):
                start = rng.randint(arrive // 15 + 2, max(arrive // 15 + 2, leave // 15 - 8)) * 15
                meets.append(
                    {
                        "room": rng.choice(meetings)["id"],
                        "days": sorted(
                            rng.sample(days, rng.randint(1, len(days))), key=WEEKDAY_NAMES.index
                        ),
                        "start": _hhmm(start),
                        "minutes": rng.choice((30, 45, 60, 90)),
                    }
                )
            schedule["meetings"] = meets
            out.append(
                {
                    "id": f"{first.lower()}_{k}",
                    "name": f"{first} {last}",
                    "badge_marker_id": 0,
                    "desk": desk["id"],
                    "schedule": schedule,
                }
            )
        return out

    @staticmethod
    def _number_markers(
        landmarks: list[dict[str, Any]],
        elevators: list[dict[str, Any]],
        people: list[dict[str, Any]],
    ) -> None:
        """Landmarks first, then call panels, then badges: one id each, from 0."""
        n = 0
        for lm in landmarks:
            lm["marker_id"], n = n, n + 1
        for e in elevators:
            for d in e["doors"]:
                d["panel_marker_id"], n = n, n + 1
        for p in people:
            p["badge_marker_id"], n = n, n + 1


_KIND_LABEL = {
    "print": "Print room",
    "meeting": "Meeting room",
    "plant_room": "Plant room",
    "server": "Server room",
    "storage": "Store room",
}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _room(rid: str, name: str, kind: str, floor: int, rect: Rect) -> dict[str, Any]:
    return {"id": rid, "name": name, "kind": kind, "floor": floor, "rect": [_r(v) for v in rect]}


def _door(
    did: str, floor: int, a: str, b: str, centre: tuple[float, float], width: float
) -> dict[str, Any]:
    return {
        "id": did,
        "floor": floor,
        "between": [a, b],
        "center": [_r(centre[0]), _r(centre[1])],
        "width_m": width,
    }


def _landmark(
    lid: str,
    name: str,
    kind: str,
    floor: int,
    room: str,
    x: float,
    y: float,
    facing: float,
    size: tuple[float, float],
    height: float,
) -> dict[str, Any]:
    return {
        "id": lid,
        "name": name,
        "kind": kind,
        "floor": floor,
        "room": room,
        "x": _r(x),
        "y": _r(y),
        "facing_deg": facing,
        "size_m": list(size),
        "height_m": height,
        "marker_id": 0,
    }


def _back_strip(slot: _Slot, depth: float) -> Rect:
    """The strip of a slot along its back wall (away from the corridor)."""
    x0, y0, x1, y1 = slot.rect
    return {
        Direction.NORTH: (x0, y1 - depth, x1, y1),
        Direction.SOUTH: (x0, y0, x1, y0 + depth),
        Direction.EAST: (x1 - depth, y0, x1, y1),
        Direction.WEST: (x0, y0, x0 + depth, y1),
    }[slot.outward]


def _against_back_wall(slot: _Slot, depth: float) -> tuple[float, float, float]:
    """(x, y, facing) of an object standing against the back wall, looking into the room."""
    x0, y0, x1, y1 = slot.rect
    off = 0.1 + depth / 2 + 0.05  # half a wall, half the object, a little air
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return {
        Direction.NORTH: (cx, y1 - off, -90.0),
        Direction.SOUTH: (cx, y0 + off, 90.0),
        Direction.EAST: (x1 - off, cy, 180.0),
        Direction.WEST: (x0 + off, cy, 0.0),
    }[slot.outward]


def generate_building(
    seed: int,
    floors: int = 3,
    basements: int = 0,
    shape: Shape | str | None = None,
    **options: object,
) -> dict[str, Any]:
    """A random building document for ``seed`` (see :class:`GeneratorConfig` for ``options``),
    checked by the same validation as a building file before it is returned."""
    config = GeneratorConfig.model_validate(
        {"seed": seed, "floors": floors, "basements": basements, "shape": shape, **options}
    )
    data = _Generator(config).build()
    parse_building(data, f"<generated seed {seed}>")
    return data


def write_building(data: dict[str, Any], path: str | Path) -> Path:
    """Save a building document as YAML (block style, keys in the format's order)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    header = "# Generated by `pepa sim generate`; the format is described in docs/buildings.md.\n"
    p.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p
