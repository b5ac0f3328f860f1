"""Ground-truth sight of the markers the robot must read: elevator call panels on their walls
and the badges of people at their desks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.world import World


@dataclass
class _Pose:
    floor: int
    x: float
    y: float
    theta: float


@pytest.fixture(scope="module")
def office():
    return load_building()


def _in_front(floor: int, x: float, y: float, facing: float, dist: float, off: float) -> _Pose:
    """A viewer ``dist`` metres out along ``facing`` (turned by ``off``), looking back."""
    a = facing + off
    return _Pose(floor, x + dist * math.cos(a), y + dist * math.sin(a), a + math.pi)


def test_robot_in_front_of_each_call_panel_sees_it_facing(office) -> None:
    w = World(office, seed=0, start_time=at(5, 7.0), passengers_per_hour=0)
    for e in office.elevators:
        for d in e.doors:
            facing = e.panel_facing_rad(d.floor)
            for dist in (1.0, 1.5, 2.5):
                for off in (-0.6, 0.0, 0.6):
                    pose = _in_front(d.floor, *d.panel, facing, dist, off)
                    assert w._free(pose.floor, pose.x, pose.y)
                    seen = [
                        s
                        for s in w.visible(pose=pose)
                        if s.kind == "elevator_panel" and s.marker_id == d.panel_marker_id
                    ]
                    assert seen, (e.id, d.floor, dist, off)
                    assert seen[0].facing and seen[0].id == f"{e.id}@{d.floor}"
                    assert seen[0].distance == pytest.approx(dist, abs=0.15)


def test_call_panel_is_not_seen_through_its_wall_from_the_shaft(office) -> None:
    w = World(office, seed=0, start_time=at(5, 7.0), passengers_per_hour=0)
    e = office.elevators[0]
    d = e.door(1)
    facing = e.panel_facing_rad(1)
    # from inside the shaft (the car is on another floor), through the wall: no line of sight
    behind = _Pose(1, d.panel[0] - 1.2 * math.cos(facing), d.panel[1], facing)
    assert not [s for s in w.visible(pose=behind) if s.marker_id == d.panel_marker_id]


def test_panel_facing_points_away_from_the_shaft(office) -> None:
    for e in office.elevators:
        x0, y0, x1, y1 = e.shaft
        for d in e.doors:
            f = e.panel_facing_rad(d.floor)
            px = d.panel[0] + 0.5 * math.cos(f)
            py = d.panel[1] + 0.5 * math.sin(f)
            assert not (x0 <= px <= x1 and y0 <= py <= y1)


def test_people_at_their_desks_face_into_the_room_and_badges_are_readable(office) -> None:
    w = World(office, seed=3, start_time=at(0, 10.7), passengers_per_hour=0)
    at_desk = [p for p in w.people_states() if p.activity == "desk"]
    assert len(at_desk) >= 8
    headings = set()
    for p in at_desk:
        room = office.room_at(p.floor, p.x, p.y)
        assert room is not None and room.id == office.people_by_id[p.id].desk
        cx, cy = room.center
        to_centre = math.atan2(cy - p.y, cx - p.x)
        near_centre = math.hypot(cx - p.x, cy - p.y) < 0.5
        diff = (p.heading - to_centre + math.pi) % (2 * math.pi) - math.pi
        assert near_centre or abs(diff) < 1e-6, p.id
        headings.add(round(p.heading, 2))
        for dist in (1.2, 2.0):
            for off in (-0.4, 0.0, 0.4):
                pose = _in_front(p.floor, p.x, p.y, p.heading, dist, off)
                assert office.room_at(pose.floor, pose.x, pose.y) == room, p.id
                assert w._free(pose.floor, pose.x, pose.y), p.id
                assert not office.in_forbidden_zone(pose.floor, pose.x, pose.y), p.id
                badge = [s for s in w.visible(pose=pose) if s.id == p.id]
                assert badge and badge[0].facing, (p.id, dist, off)
    assert len(headings) > 1  # not everyone looks the same way any more


def test_meeting_attendees_face_into_the_meeting_room(office) -> None:
    w = World(office, seed=3, start_time=at(0, 10.7), passengers_per_hour=0)
    checked = 0
    for t_h in (9.0, 10.0, 11.0, 12.5, 14.0, 15.0, 16.0):
        for p in w.people.states(at(0, t_h)):
            if p.activity not in ("meeting", "lunch"):
                continue
            room = office.room(p.room)
            cx, cy = room.center
            if math.hypot(cx - p.x, cy - p.y) >= 0.5:
                to_centre = math.atan2(cy - p.y, cx - p.x)
                assert abs(math.remainder(p.heading - to_centre, 2 * math.pi)) < 1e-6
                checked += 1
    assert checked >= 3
