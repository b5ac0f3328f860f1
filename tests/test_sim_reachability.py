"""The default office is navigable: every room and landmark has a route from the dock, and no
landmark crowds a door (a building file that lets one do so is refused, naming both)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from pepa.building.layout import DEFAULT_WORLD, BuildingError, load_building
from pepa.building.occupancy import CSpace
from pepa.building.routing import DriveLeg, Router


@pytest.fixture(scope="module")
def office():
    return load_building()


@pytest.fixture()
def office_data() -> dict:
    return yaml.safe_load(DEFAULT_WORLD.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "world.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_every_room_and_landmark_is_routable_from_the_dock(office) -> None:
    router = Router(office, CSpace(office))
    places = [r.id for r in office.rooms] + [lm.id for lm in office.landmarks]
    unreachable = []
    for place in places:
        try:
            route = router.route("dock", place)
        except Exception as exc:  # NoRouteError names the place it could not reach
            unreachable.append(f"{place}: {exc}")
            continue
        floor, x, y = router.resolve(place)
        last = route.legs[-1]
        goal_floor, gx, gy = route.goal
        assert isinstance(last, DriveLeg) and last.floor == floor == goal_floor, place
        assert math.dist(last.points[-1], (gx, gy)) < 0.5, place
        if office.stairs_at(floor, x, y) is None:
            assert math.dist((gx, gy), router.free_near(floor, (x, y))) < 0.5, place
        else:  # a place on a flight is reached at the stairwell's landing, off the stairs
            assert office.stairs_at(floor, gx, gy) is None, place
    assert not unreachable, "\n".join(unreachable)


def test_robot_fits_through_the_engineering_office_b_door(office) -> None:
    # the corridor plant once stood in this door's approach and closed it to the robot
    router = Router(office, CSpace(office))
    route = router.route("dock", "engineering_office_b")
    end = route.legs[-1].points[-1]
    assert office.room_at(1, *end).id == "engineering_office_b"


def test_default_office_keeps_every_door_approach_clear(office) -> None:
    clear = office.spec.door_clearance_m
    assert clear >= 2 * 0.3 + 0.2  # the robot's width (radius 0.3 m) + 20 cm
    for d in office.doors:
        a = office.room(d.between[0])
        vertical = d.center[0] in (a.rect[0], a.rect[2])
        for lm in office.landmarks:
            if lm.floor != d.floor:
                continue
            x0, y0, x1, y1 = lm.footprint()
            if vertical:
                beside = y1 <= d.center[1] - d.width_m / 2 or y0 >= d.center[1] + d.width_m / 2
                gap = max(x0 - d.center[0], d.center[0] - x1)
            else:
                beside = x1 <= d.center[0] - d.width_m / 2 or x0 >= d.center[0] + d.width_m / 2
                gap = max(y0 - d.center[1], d.center[1] - y1)
            half_wall = office.spec.wall_thickness_m / 2
            assert beside or gap - half_wall >= clear - 1e-9, (lm.id, d.id)


def test_landmark_in_front_of_a_door_is_refused_naming_both(tmp_path, office_data) -> None:
    lm = next(x for x in office_data["landmarks"] if x["id"] == "water_cooler_corridor_1")
    lm["x"], lm["y"] = 30.0, 11.7  # 2 cm off the delta meeting room's doorway
    path = _write(tmp_path, office_data)
    with pytest.raises(BuildingError) as err:
        load_building(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "landmarks[" in msg
    assert "'water_cooler_corridor_1'" in msg and "'door_meeting_room_delta'" in msg
    assert "door_clearance_m" in msg


def test_landmark_in_front_of_an_elevator_door_is_refused(tmp_path, office_data) -> None:
    lm = next(x for x in office_data["landmarks"] if x["id"] == "fire_extinguisher_0_0")
    lm["x"], lm["y"] = 3.0, 8.0  # in front of elevator A's doors on the ground floor
    with pytest.raises(BuildingError, match=r"elevator door of 'elevator_a' on floor 0"):
        load_building(_write(tmp_path, office_data))


def test_door_clearance_is_configurable_per_building(tmp_path, office_data) -> None:
    lm = next(x for x in office_data["landmarks"] if x["id"] == "water_cooler_corridor_1")
    lm["x"], lm["y"] = 30.0, 11.4  # 30 cm clear of the wall's face
    office_data["door_clearance_m"] = 0.25
    assert load_building(_write(tmp_path, office_data)).spec.door_clearance_m == 0.25
    office_data["door_clearance_m"] = 0.8
    with pytest.raises(BuildingError, match="water_cooler_corridor_1"):
        load_building(_write(tmp_path, office_data))
