"""docs/buildings.md stays true to the code: its example is a valid building the robot can
route through, every field of the format and every generator option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from pepa.building import layout as fmt
from pepa.building.layout import parse_building
from pepa.building.occupancy import CSpace
from pepa.building.routing import Router

DOC = Path(__file__).resolve().parent.parent / "docs" / "buildings.md"
MODELS: list[type[BaseModel]] = [
    fmt.BuildingSpec,
    fmt.DockSpec,
    fmt.FloorSpec,
    fmt.RoomSpec,
    fmt.DoorSpec,
    fmt.ElevatorSpec,
    fmt.ElevatorDoorSpec,
    fmt.StairsSpec,
    fmt.LandmarkSpec,
    fmt.PersonSpec,
    fmt.ScheduleSpec,
    fmt.LunchSpec,
    fmt.MeetingSpec,
    fmt.ForbiddenZoneSpec,
]


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_example_is_a_building_the_robot_can_route_through(doc: str) -> None:
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    b = parse_building(yaml.safe_load(example), "docs/buildings.md")
    assert b.floor_levels == [-1, 0]
    router = Router(b, CSpace(b))
    for place in [r.id for r in b.rooms] + [lm.id for lm in b.landmarks]:
        router.route("dock", place)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_of_the_format_is_documented(doc: str, model: type[BaseModel]) -> None:
    missing = [name for name in model.model_fields if f"`{name}`" not in doc]
    assert not missing, f"{model.__name__}: {missing} not in docs/buildings.md"


def test_every_dictionary_and_generator_option_is_documented(doc: str) -> None:
    for name in fmt.ARUCO_DICTIONARY_SIZES:
        assert f"`{name}`" in doc
    for option in ("seed", "floors", "basements", "shape", "people", "stairwells", "elevators"):
        assert f"`--{option}`" in doc
