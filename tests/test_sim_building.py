"""The building description: the default office, its grids, and errors in building files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from pepa.building.layout import (
    ARUCO_DICTIONARY_SIZES,
    DEFAULT_WORLD,
    DOOR,
    ELEVATOR_CAR,
    ELEVATOR_DOOR,
    FREE,
    OBJECT,
    STAIRS_DOWN,
    STAIRS_UP,
    WALL,
    BuildingError,
    load_building,
)


@pytest.fixture(scope="module")
def office():
    return load_building()


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "world.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


@pytest.fixture()
def office_data() -> dict:
    return yaml.safe_load(DEFAULT_WORLD.read_text(encoding="utf-8"))


def test_default_office_meets_the_minimum_description(office) -> None:
    assert len(office.floors) >= 3
    for level in office.floor_levels:
        rooms = [r for r in office.rooms_on(level) if r.kind not in ("corridor", "stairwell")]
        assert len(rooms) >= 8
    assert len(office.elevators) == 2
    for e in office.elevators:
        assert sorted(e.floors) == sorted(office.floor_levels)
    assert office.stairs and sorted(office.stairs[0].floors) == sorted(office.floor_levels)
    assert len(office.landmarks) >= 20
    assert len(office.people) >= 15
    assert office.forbidden_zones
    assert office.home.id == "robotics_lab"
    kinds = {r.kind for r in office.rooms}
    assert {"office", "meeting", "kitchen", "lobby", "print", "lab"} <= kinds


def test_every_marker_is_unique_and_inside_the_dictionary(office) -> None:
    ids = [m for m, _, _ in office.markers()]
    assert len(ids) == len(set(ids))
    assert max(ids) < ARUCO_DICTIONARY_SIZES[office.aruco_dictionary]
    assert len(ids) >= 20 + 15 + 2 * len(office.floors)


def test_grid_has_walls_around_free_rooms_and_door_gaps(office) -> None:
    g = office.grid(0)
    assert g.cells.dtype == np.uint8
    assert g.resolution_m == pytest.approx(0.1)
    # the outer boundary is wall
    assert (g.cells[0, :] == WALL).all() and (g.cells[:, 0] == WALL).all()
    room = office.room("front_office")
    assert g.code_at(*room.center) == FREE
    # the wall between the front office and the corridor has a door gap at the door
    door = next(d for d in office.doors if d.id == "door_front_office")
    assert g.code_at(*door.center) == DOOR
    assert g.code_at(door.center[0] - 1.5, door.center[1]) == WALL
    # a printer is an obstacle
    lm = office.landmarks_by_id["printer_print_room_g"]
    assert g.code_at(lm.x, lm.y) == OBJECT


def test_grid_marks_elevators_and_stairs_per_floor(office) -> None:
    e = office.elevators[0]
    top = max(office.floor_levels)
    for level in office.floor_levels:
        g = office.grid(level)
        assert g.code_at(*e.car_center) == ELEVATOR_CAR
        assert g.code_at(*e.door(level).center) == ELEVATOR_DOOR
    s = office.stairs[0]
    up = ((s.up_flight[0] + s.up_flight[2]) / 2, (s.up_flight[1] + s.up_flight[3]) / 2)
    down = ((s.down_flight[0] + s.down_flight[2]) / 2, (s.down_flight[1] + s.down_flight[3]) / 2)
    assert office.grid(0).code_at(*up) == STAIRS_UP
    assert office.grid(0).code_at(*down) == WALL  # nothing below the ground floor
    assert office.grid(top).code_at(*up) == WALL  # nothing above the top floor
    assert office.grid(1).code_at(*down) == STAIRS_DOWN


def test_grid_cell_and_point_conversions_round_trip(office) -> None:
    g = office.grid(1)
    r, c = g.to_cell(12.34, 5.67)
    x, y = g.to_point(r, c)
    assert abs(x - 12.34) <= g.resolution_m / 2 + 1e-9
    assert abs(y - 5.67) <= g.resolution_m / 2 + 1e-9
    with pytest.raises(KeyError, match="no floor 9"):
        office.grid(9)


def test_unknown_room_is_reported_with_file_and_field(tmp_path, office_data) -> None:
    office_data["people"][0]["desk"] = "no_such_room"
    path = _write(tmp_path, office_data)
    with pytest.raises(BuildingError) as err:
        load_building(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "people[0].desk" in msg and "unknown room 'no_such_room'" in msg


def test_unreachable_room_is_reported(tmp_path, office_data) -> None:
    office_data["doors"] = [d for d in office_data["doors"] if d["id"] != "door_library"]
    with pytest.raises(BuildingError, match=r"room 'library' is unreachable"):
        load_building(_write(tmp_path, office_data))


def test_elevator_serving_no_floor_is_reported(tmp_path, office_data) -> None:
    office_data["elevators"][1]["floors"] = []
    office_data["elevators"][1]["doors"] = []
    with pytest.raises(
        BuildingError,
        match=r"elevators\[1\]\.floors: elevator 'elevator_b' "
        r"serves no floor",
    ):
        load_building(_write(tmp_path, office_data))


def test_duplicate_marker_id_is_reported(tmp_path, office_data) -> None:
    office_data["landmarks"][3]["marker_id"] = office_data["landmarks"][0]["marker_id"]
    with pytest.raises(BuildingError, match=r"landmarks\[3\]\.marker_id: duplicate marker id"):
        load_building(_write(tmp_path, office_data))


def test_marker_outside_the_dictionary_is_reported(tmp_path, office_data) -> None:
    office_data["people"][2]["badge_marker_id"] = 50
    with pytest.raises(BuildingError, match=r"outside DICT_4X4_50"):
        load_building(_write(tmp_path, office_data))


def test_wrong_type_names_the_field(tmp_path, office_data) -> None:
    office_data["rooms"][4]["rect"] = "big"
    with pytest.raises(BuildingError, match=r"rooms\[4\]\.rect"):
        load_building(_write(tmp_path, office_data))


def test_door_off_the_shared_wall_is_reported(tmp_path, office_data) -> None:
    office_data["doors"][0]["center"] = [30.0, 30.0]
    with pytest.raises(BuildingError, match=r"doors\[0\]\.center: door .* is not on the wall"):
        load_building(_write(tmp_path, office_data))


def test_bad_yaml_and_missing_file_are_clear(tmp_path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("floors: [1, 2\n", encoding="utf-8")
    with pytest.raises(BuildingError, match="not valid YAML"):
        load_building(p)
    with pytest.raises(FileNotFoundError, match="building file not found"):
        load_building(tmp_path / "missing.yaml")
