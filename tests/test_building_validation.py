"""Building-file errors: each kind is reported with its field, all of them in one pass
(reachability included), misspelt fields get a "did you mean" hint, and every command words a
missing file the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pepa.agent.cli import main as pepa
from pepa.building.layout import DEFAULT_WORLD, BuildingError, load_building, parse_building


@pytest.fixture()
def office_data() -> dict:
    return yaml.safe_load(DEFAULT_WORLD.read_text(encoding="utf-8"))


def _problems(data: dict) -> dict[str, str]:
    with pytest.raises(BuildingError) as err:
        parse_building(data, "mine.yaml")
    assert str(err.value).startswith("invalid building file")
    assert all(f"mine.yaml: {f}: {p}" in str(err.value) for f, p in err.value.problems)
    return dict(err.value.problems)


@pytest.mark.parametrize(
    ("edit", "field", "hint"),
    [
        (lambda d: d.update(flors=d.pop("floors")), "flors", "did you mean 'floors'?"),
        (
            lambda d: d["rooms"][2].update(rectt=d["rooms"][2].pop("rect")),
            "rooms[2].rectt",
            "did you mean 'rect'?",
        ),
        (
            lambda d: d["people"][0]["schedule"].update(lunchh={}),
            "people[0].schedule.lunchh",
            "did you mean 'lunch'?",
        ),
        (
            lambda d: d["dock"].update(theta=0),
            "dock.theta",
            "did you mean 'theta_deg'?",
        ),
        (
            lambda d: d["elevators"][0]["doors"][0].update(colour="red"),
            "elevators[0].doors[0].colour",
            "the fields here are: floor, lobby, center, width_m, panel_marker_id, panel",
        ),
    ],
)
def test_an_unknown_field_gets_a_did_you_mean_hint(office_data, edit, field, hint) -> None:
    edit(office_data)
    problems = _problems(office_data)
    assert field in problems and hint in problems[field], problems


def test_schema_semantic_and_reachability_errors_come_in_one_pass(office_data) -> None:
    d = office_data
    d["doors"][0]["width_m"] = 0.1  # schema
    d["landmarks"][0]["room"] = "nowhere"  # a reference
    d["rooms"][5]["rect"] = [16, 0, 24, -8]  # geometry (a model check)
    d["stairs"][0]["floors"] = [0, 2]  # stairs skipping a level
    d["doors"] = [x for x in d["doors"] if "mail_room" not in x["between"]]  # reachability
    problems = _problems(d)
    assert "greater than 0.3" in problems["doors[0].width_m"]
    assert problems["landmarks[0].room"] == "unknown room 'nowhere'"
    assert "x1 > x0, y1 > y0" in problems["rooms[5]"]
    assert "consecutive levels" in problems["stairs[0].floors"]
    mail = next(i for i, r in enumerate(d["rooms"]) if r["id"] == "mail_room")
    assert "unreachable from the entrance" in problems[f"rooms[{mail}]"]


def test_references_to_a_broken_room_are_not_reported_again(office_data) -> None:
    room = office_data["rooms"][3]
    room["rect"] = "wide"
    problems = _problems(office_data)
    assert list(problems) == ["rooms[3].rect"]  # not its doors, landmarks or desks


def test_a_problem_after_a_dropped_item_keeps_the_files_own_index(office_data) -> None:
    office_data["landmarks"][0]["height_m"] = -1  # schema: left out of the semantic pass
    office_data["landmarks"][4]["marker_id"] = office_data["landmarks"][3]["marker_id"]
    problems = _problems(office_data)
    assert "landmarks[0].height_m" in problems
    assert "duplicate marker id" in problems["landmarks[4].marker_id"]


def test_basement_levels_are_accepted_and_a_level_out_of_range_is_named(office_data) -> None:
    office_data["floors"][0]["level"] = -120
    problems = _problems(office_data)
    assert "greater than or equal to -99" in problems["floors[0].level"]


@pytest.mark.parametrize(
    "command",
    [
        ["sim", "--describe"],
        ["experiment", "--personality", "lazy", "--days", "1", "--out", "{tmp}/run"],
        ["run", "--duration", "1"],
    ],
)
def test_every_command_words_a_missing_building_file_the_same(tmp_path, capsys, command):
    missing = tmp_path / "my_office.yaml"
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--world", str(missing)]
    assert pepa(args) == 2
    err = capsys.readouterr().err
    assert f"error: building file not found: {missing}" in err
    with pytest.raises(FileNotFoundError, match="building file not found"):
        load_building(Path(missing))
