"""Blocked corridors: along each corridor's own axis, never in front of a door, never cutting a
room off, on east-west and north-south corridors alike."""

from __future__ import annotations

import itertools
import random

import pytest

from pepa.building.layout import door_approaches, load_building, parse_building
from pepa.building.occupancy import CSpace
from pepa.building.routing import Router
from pepa.sim.blockages import LENGTH_M, BlockagePlanner, along_x
from pepa.sim.events import CorridorBlocked, EventConfig, EventGenerator
from pepa.sim.generator import generate_building


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("seed", [0, 1, 2])  # an L, a U and a T
def test_a_blockage_never_cuts_a_room_off_in_generated_buildings(seed: int) -> None:
    b = parse_building(generate_building(seed, floors=2, shape="lut"[seed % 3]))
    events = EventGenerator(b, seed=seed, config=EventConfig(blockages_per_day=6.0))
    blocks = [e for day in range(3) for e in events.day(day) if isinstance(e, CorridorBlocked)]
    axes = {along_x(b.room(e.room).rect) for e in blocks}
    assert axes == {True, False}, "both east-west and north-south corridors were blocked"
    approaches = list(door_approaches(b.spec))
    router = Router(b, CSpace(b))
    for ev in blocks:
        corridor = b.room(ev.room)
        x0, y0, x1, y1 = ev.rect
        cx0, cy0, cx1, cy1 = corridor.rect
        assert cx0 <= x0 and cy0 <= y0 and x1 <= cx1 and y1 <= cy1, (ev.id, "inside")
        # laid along the corridor's axis, across part of its width
        length, across = (x1 - x0, y1 - y0) if along_x(corridor.rect) else (y1 - y0, x1 - x0)
        width = (cy1 - cy0) if along_x(corridor.rect) else (cx1 - cx0)
        assert length == pytest.approx(LENGTH_M, abs=0.02) and across < width, ev.id
        for name, floor, zone in approaches:
            assert not (floor == ev.floor and _overlap(ev.rect, zone)), (ev.id, name)
        # the simulator's own router still reaches every room of the floor
        router.block(ev.floor, ev.rect)
        try:
            for room in b.rooms_on(ev.floor):
                router.route("dock", room.id)
        finally:
            router.block(ev.floor, ev.rect, blocked=False)


def test_a_candidate_in_front_of_a_door_or_across_the_corridor_is_refused() -> None:
    office = load_building()
    planner = BlockagePlanner(office)
    corridor = office.room("corridor_0")
    door = next(d for d in office.doors if corridor.id in d.between and d.center[1] == 12)
    x = door.center[0]
    assert planner.problem(corridor, (x - 0.75, 9.8, x + 0.75, 12.0)) == "in front of a door"
    doors_x = sorted(d.center[0] for d in office.doors if corridor.id in d.between)
    gap = max(itertools.pairwise(doors_x), key=lambda p: p[1] - p[0])
    mid = (gap[0] + gap[1]) / 2
    assert planner.problem(corridor, (mid - 0.5, 8.0, mid + 0.5, 12.0)) == "cuts a room off"
    assert planner.problem(corridor, (mid - 0.5, 8.0, mid + 0.5, 10.2)) is None
    assert planner.problem(corridor, (7.0, 8.0, 8.5, 10.0)) == "not inside the corridor"


def test_a_corridor_too_narrow_to_pass_a_blockage_gets_none() -> None:
    # 1.6 m wide: beside a blockage over 55 % of it the robot (0.6 m wide) cannot pass
    narrow = parse_building(
        {
            "name": "narrow",
            "aruco_dictionary": "DICT_4X4_50",
            "entrance": "room_a",
            "home": "room_a",
            "dock": {"room": "room_a", "x": 3.0, "y": 4.0},
            "floors": [{"level": 0, "name": "Ground"}],
            "rooms": [
                {"id": "hall", "name": "Hall", "kind": "corridor", "floor": 0,
                 "rect": [0, 0, 20, 1.6]},
                {"id": "room_a", "name": "A", "kind": "office", "floor": 0,
                 "rect": [0, 1.6, 10, 7]},
                {"id": "room_b", "name": "B", "kind": "office", "floor": 0,
                 "rect": [10, 1.6, 20, 7]},
            ],
            "doors": [
                {"id": "door_a", "floor": 0, "between": ["room_a", "hall"],
                 "center": [5, 1.6], "width_m": 1.2},
                {"id": "door_b", "floor": 0, "between": ["room_b", "hall"],
                 "center": [15, 1.6], "width_m": 1.2},
            ],
        }
    )  # fmt: skip
    planner = BlockagePlanner(narrow)
    hall = narrow.room("hall")
    assert planner.problem(hall, (8.0, 0.0, 9.5, 0.88)) == "cuts a room off"
    assert planner.place(hall, random.Random(1), random.Random(2)) is None
    events = EventGenerator(narrow, seed=0, config=EventConfig(blockages_per_day=5.0))
    assert not any(isinstance(e, CorridorBlocked) for d in range(5) for e in events.day(d))


def test_default_office_blockages_keep_clear_of_doors() -> None:
    office = load_building()
    planner = BlockagePlanner(office)
    for seed in range(5):
        for day in range(5):
            for ev in EventGenerator(office, seed=seed).day(day):
                if isinstance(ev, CorridorBlocked):
                    assert planner.problem(office.room(ev.room), ev.rect) is None
