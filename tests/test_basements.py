"""Levels below ground: a building with a basement and a freight elevator serving three floors
loads, the robot rides the freight elevator down, and every layer that names a floor (messages,
memory and its per-floor collections, the console's floor maps, the memory command) takes a
negative level."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from pepa.agent.console.app import create_app
from pepa.agent.console.floor_maps import floor_map
from pepa.agent.console.inprocess import InProcessBackend
from pepa.agent.console.live_agent import LiveAgent, LiveAgentConfig
from pepa.agent.runtime.checkpoint import RobotSnapshot
from pepa.agent.sys2.lexicon import Lexicon
from pepa.agent.sys2.parser import RequestParser
from pepa.agent.sys2.site_map import SiteMap, knowledge_from_building
from pepa.building.layout import parse_building
from pepa.clock import SimClock, at
from pepa.memory.cli import parse_place
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery, Near
from pepa.messages import ElevatorCall, Experience, Pose, UserRequest
from pepa.sim.generator import generate_building, write_building
from pepa.sim.tour import TourConfig, TourController
from pepa.sim.world import World


@pytest.fixture(scope="module")
def freight_only():
    """A generated building with one basement whose only elevator is the freight elevator
    (basement, ground floor and floor 1); the stairs join every level."""
    data = generate_building(5, floors=3, basements=1, elevators=2, stairwells=1)
    data["elevators"] = [e for e in data["elevators"] if e["id"] == "elevator_1"]
    return parse_building(data, "freight-only")


def test_the_freight_elevator_serves_the_basement_and_two_floors_above(freight_only) -> None:
    b = freight_only
    assert b.floor_levels == [-1, 0, 1, 2]
    (freight,) = b.elevators
    assert freight.name == "Freight elevator" and freight.floors == [-1, 0, 1]
    assert b.floors[0].name == "Basement 1"
    assert b.stairs[0].floors == [-1, 0, 1, 2]


def test_the_robot_tours_every_level_riding_the_freight_elevator(freight_only) -> None:
    world = World(freight_only, seed=1, start_time=at(0, 7.9))
    tour = TourController(world, TourConfig(targets_per_floor=1))
    tour.run(at(0, 9.5))
    summary = world.summary()
    assert sorted(summary["floors_visited"]) == [-1, 0, 1, 2]
    assert summary["elevator_rides"] >= 1
    assert tour.targets_skipped == 0 and tour.targets_reached >= 4


def test_messages_carry_a_basement_level_and_name_a_level_out_of_range() -> None:
    pose = Pose(x=1.0, y=2.0, floor=-2)
    assert Pose.from_json(pose.to_json()) == pose
    assert ElevatorCall(elevator="freight", floor=-1).floor == -1
    assert RobotSnapshot(x=0.0, y=0.0, theta=0.0, floor=-1, soc=0.5).floor == -1
    with pytest.raises(ValidationError, match="floor"):
        Pose(x=0.0, y=0.0, floor=-100)


def test_memory_keeps_basement_episodes_in_their_own_collection(tmp_path: Path) -> None:
    places = {-1: ["parking"], 0: ["lobby"]}
    mem = EpisodicMemory(SimClock(at(0, 12.0)), tmp_path, known_places=places)
    t = at(0, 10.0)
    mem.record(
        Experience(
            time=t,
            day=0,
            floor=-1,
            room="parking",
            pose=Pose(x=3.0, y=4.0, floor=-1),
            caption="a delivery van unloading boxes in the parking",
        )
    )
    mem.record(
        Experience(
            time=t + 60,
            day=0,
            floor=0,
            room="lobby",
            pose=Pose(x=1.0, y=1.0, floor=0),
            caption="visitors waiting in the lobby",
        )
    )
    names = {c.name for c in mem._client.list_collections()}
    assert "pepa_episodes_floor-1" in names
    found = mem.search(MemoryQuery(text="delivery van", floor=-1))
    assert [r.episode.room for r in found] == ["parking"]
    near = mem.search(MemoryQuery(near=Near(x=3.0, y=4.0, floor=-1, radius_m=2.0)))
    assert [r.episode.floor for r in near] == [-1]
    # a reopened store finds the basement's collection again
    again = EpisodicMemory(SimClock(at(0, 12.0)), tmp_path, known_places=places)
    assert [r.episode.floor for r in again.search(MemoryQuery(text="van", floor=-1))] == [-1]


def test_the_memory_command_reads_a_basement_place() -> None:
    assert parse_place("-1/parking") == (-1, "parking")
    assert parse_place("-2") == (-2, None)
    with pytest.raises(ValueError, match="FLOOR/ROOM"):
        parse_place("b1/parking")


def test_the_console_draws_a_basement_map(freight_only) -> None:
    info, png = floor_map(freight_only, -1)
    assert info.floor == -1 and info.name == "Basement 1"
    assert png.startswith(b"\x89PNG")
    assert {r.id for r in info.rooms} == {r.id for r in freight_only.rooms_on(-1)}
    assert [e.id for e in info.elevators] == ["elevator_1"]


@pytest.mark.parametrize(
    ("text", "floor"),
    [
        ("explore the basement", -1),
        ("explore basement 1", -1),
        ("please explore level -1", -1),
        ("explore floor minus one", -1),
        ("explore the first floor", 1),
    ],
)
def test_a_request_names_a_basement_level(freight_only, text: str, floor: int) -> None:
    lexicon = Lexicon.build(SiteMap.build(knowledge_from_building(freight_only), freight_only))
    parser = RequestParser(knowledge_from_building(freight_only), lexicon)
    task = parser.parse(UserRequest(text=text, sender="someone"), robot_floor=0)
    assert task.status == "ok", task.reason
    assert [s.label() for s in task.steps] == [f"explore(floor={floor})"]


def test_a_basement_in_a_building_without_one_is_an_unknown_floor() -> None:
    building = parse_building(generate_building(5, floors=2))
    knowledge = knowledge_from_building(building)
    parser = RequestParser(knowledge, Lexicon.build(SiteMap.build(knowledge, building)))
    task = parser.parse(UserRequest(text="explore the basement", sender="x"), robot_floor=0)
    assert task.status == "clarification" and "unknown floor 'the basement'" in task.reason


def test_the_console_lists_basements_and_takes_a_request_for_one(tmp_path: Path) -> None:
    world = write_building(generate_building(5, floors=2, basements=1), tmp_path / "b.yaml")
    agent = LiveAgent(LiveAgentConfig(data_dir=tmp_path / "data", world=str(world), seed=5))
    try:
        with TestClient(create_app(InProcessBackend(agent)), base_url="http://127.0.0.1") as c:
            floors = c.get("/api/v1/floors").json()
            assert [(f["floor"], f["name"]) for f in floors[:1]] == [(-1, "Basement 1")]
            png = c.get("/api/v1/floors/-1/map.png")
            assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
            sent = c.post(
                "/api/v1/requests",
                json={"text": "explore the basement"},
                headers={"X-Pepa-Console": "1"},
            ).json()
            (queued,) = [r for r in c.get("/api/v1/requests").json() if r["id"] == sent["id"]]
            assert queued["state"] not in ("clarification", "rejected"), queued
    finally:
        agent.stop()
