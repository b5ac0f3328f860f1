"""Generated buildings: deterministic per seed, always valid, every level reachable, wings and
corridors in both directions, elevators on subsets of levels, basements below ground."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from pepa.agent.cli import main as pepa
from pepa.agent.sys2.lexicon import Lexicon
from pepa.agent.sys2.parser import RequestParser
from pepa.agent.sys2.site_map import SiteMap, knowledge_from_building
from pepa.building.layout import ARUCO_DICTIONARY_SIZES, load_building, parse_building
from pepa.building.occupancy import CSpace
from pepa.building.routing import DriveLeg, Router
from pepa.clock import at
from pepa.messages import UserRequest
from pepa.sim.events import EventConfig, EventGenerator, PersonRequest
from pepa.sim.generator import Shape, generate_building, write_building
from pepa.sim.tour import TourConfig, TourController
from pepa.sim.world import World

# (seed, floors, basements, shape): every shape, one to six levels, with and without basements
CASES = [
    (seed, floors, basements, shape)
    for seed, (floors, basements), shape in zip(
        range(24),
        itertools.cycle([(3, 0), (4, 1), (1, 0), (2, 2), (5, 1), (6, 0)]),
        itertools.cycle([None, *Shape]),
        strict=False,
    )
]


def _corridor_axes(building) -> set[str]:
    axes = set()
    for r in building.rooms:
        if r.kind == "corridor":
            x0, y0, x1, y1 = r.rect
            axes.add("east-west" if x1 - x0 > y1 - y0 else "north-south")
    return axes


def test_the_same_seed_gives_the_same_building() -> None:
    a = generate_building(11, floors=4, basements=1)
    assert a == generate_building(11, floors=4, basements=1)
    assert a != generate_building(12, floors=4, basements=1)


@pytest.mark.parametrize(("seed", "floors", "basements", "shape"), CASES)
def test_generated_building_validates_and_has_what_was_asked(seed, floors, basements, shape):
    b = parse_building(generate_building(seed, floors, basements, shape))
    assert b.floor_levels == list(range(-basements, floors))
    if shape is not None:
        assert b.name.endswith(f"_{shape.value}")
    if len(b.floor_levels) > 1:
        assert 1 <= len(b.stairs) <= 3
        # the stairs alone join every level, whatever the elevators serve
        assert b.stairs[0].floors == b.floor_levels
        for e in b.elevators:
            assert len(e.floors) >= 2 and set(e.floors) <= set(b.floor_levels)
    used = sorted(m for m, _, _ in b.markers())
    assert used == list(range(len(used)))  # unique, from 0
    assert len(used) < ARUCO_DICTIONARY_SIZES[b.aruco_dictionary]
    assert b.people and all(b.room(p.desk).floor >= 0 for p in b.people)
    assert {z.id for z in b.forbidden_zones} == {"server_room_zone", "lab_bench_zone"}
    assert b.dock.room == b.home.id


@pytest.mark.parametrize("shape", [Shape.L, Shape.T, Shape.U])
def test_wings_run_in_both_directions(shape) -> None:
    for seed in range(4):
        b = parse_building(generate_building(seed, floors=2, shape=shape))
        assert _corridor_axes(b) == {"east-west", "north-south"}, (shape, seed)


def test_a_bar_is_oriented_either_way_over_seeds() -> None:
    axes = {
        frozenset(_corridor_axes(parse_building(generate_building(s, 2, shape="bar"))))
        for s in range(8)
    }
    assert axes == {frozenset({"east-west"}), frozenset({"north-south"})}


def test_basements_get_a_freight_elevator_serving_them_and_the_lowest_floors() -> None:
    b = parse_building(generate_building(5, floors=4, basements=2, elevators=2))
    freight = b.elevators_by_id["elevator_1"]
    assert freight.floors == [-2, -1, 0, 1]
    assert {r.kind for r in b.rooms_on(-1)} >= {"corridor", "lobby", "stairwell"}


@pytest.mark.parametrize(("seed", "floors", "basements", "shape"), CASES[:12])
def test_the_robot_can_route_from_its_dock_to_every_room_and_landmark(
    seed, floors, basements, shape
) -> None:
    b = parse_building(generate_building(seed, floors, basements, shape))
    router = Router(b, CSpace(b))
    reached_levels = set()
    for place in [r.id for r in b.rooms] + [lm.id for lm in b.landmarks]:
        route = router.route("dock", place)
        level = router.resolve(place)[0]
        last = route.legs[-1]
        assert isinstance(last, DriveLeg) and last.floor == level, place
        reached_levels.add(level)
    assert reached_levels == set(b.floor_levels)


def test_bad_options_are_refused_naming_the_option() -> None:
    with pytest.raises(ValidationError, match="floors"):
        generate_building(1, floors=0)
    with pytest.raises(ValidationError, match="shape"):
        generate_building(1, shape="o")


def test_pepa_sim_generate_writes_a_loadable_file(tmp_path, capsys) -> None:
    out = tmp_path / "gen.yaml"
    assert pepa(["sim", "generate", "--seed", "3", "--floors", "2", "--basements", "1",
                 "--shape", "t", "--out", str(out)]) == 0  # fmt: skip
    assert "levels -1..1" in capsys.readouterr().out
    b = load_building(out)
    assert b.floor_levels == [-1, 0, 1]
    assert b.spec.model_dump() == parse_building(generate_building(3, 2, 1, "t")).spec.model_dump()
    assert pepa(["sim", "generate", "--seed", "3", "--floors", "0", "--out", str(out)]) == 2
    assert "--floors" in capsys.readouterr().err


def test_write_building_round_trips(tmp_path) -> None:
    data = generate_building(8, floors=2)
    path = write_building(data, tmp_path / "sub" / "b.yaml")
    assert load_building(path).spec == parse_building(data).spec


def test_peoples_requests_in_a_generated_building_are_understood() -> None:
    b = parse_building(generate_building(0, floors=3, basements=1))
    knowledge = knowledge_from_building(b)
    parser = RequestParser(knowledge, Lexicon.build(SiteMap.build(knowledge, b)))
    events = EventGenerator(b, seed=0, config=EventConfig(requests_per_hour=6.0))
    requests = [e for d in range(3) for e in events.day(d) if isinstance(e, PersonRequest)]
    assert len(requests) > 20
    for r in requests:
        task = parser.parse(UserRequest(text=r.text, sender=r.person_id), robot_floor=0)
        assert task.status == "ok", (r.text, task.reason)
    names = [lm.name for lm in b.landmarks]
    assert len(set(names)) == len(names)  # a request names one landmark


@pytest.mark.parametrize(("seed", "shape"), [(30, "l"), (31, "t"), (32, "u"), (33, "bar")])
def test_the_robot_drives_to_every_level_of_a_generated_building(seed, shape) -> None:
    b = parse_building(generate_building(seed, floors=4, basements=1, shape=shape))
    world = World(b, seed=seed, start_time=at(0, 7.9))
    tour = TourController(world, TourConfig(targets_per_floor=1))
    tour.run(at(0, 10.0))
    assert sorted(world.summary()["floors_visited"]) == b.floor_levels
    assert tour.targets_skipped == 0 and tour.targets_reached >= len(b.floor_levels)


def test_more_markers_than_any_dictionary_holds_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="do not fit the largest ArUco dictionary"):
        generate_building(0, floors=20, basements=5, people=200, wing_length_m=(110, 120))
