"""A daily goal's own action can make its condition false, in any building: neither a room the
robot may never enter nor the dock's place keeps "a room of floor N not visited today" true,
and exploring a floor goes to its rooms not visited today first. Otherwise "explore floor N when
idle" fires again after every explore, all day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.agent.sys1.visit_map import FloorVisits
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.building.layout import Building, load_building, parse_building
from pepa.building.occupancy import CSpace
from pepa.clock import at
from pepa.conditions import predicate_holds
from pepa.knowledge import DOCK_PLACE_KIND
from pepa.messages import CandidateKind, NotVisitedToday, Pose
from pepa.personalities import loader
from pepa.sim.generator import generate_building, write_building
from pepa.world_state import WorldState


def _buildings() -> Iterator[Building]:
    yield load_building()
    for seed in (3, 11):
        yield parse_building(generate_building(seed, floors=3, basements=1))


BUILDINGS = list(_buildings())


def _state(visited: list[str]) -> WorldState:
    return WorldState(
        time=at(0, 12.0),
        battery=0.8,
        pose=Pose(x=0, y=0, floor=0),
        visited_today=dict.fromkeys(visited, 1),
    )


@pytest.mark.parametrize("building", BUILDINGS, ids=lambda b: b.spec.name)
def test_rooms_to_visit_leave_out_the_dock_and_rooms_wholly_forbidden(building: Building) -> None:
    world = knowledge_from_building(building)
    forbidden_rooms = [z.room for z in building.spec.forbidden_zones if z.room is not None]
    assert forbidden_rooms, "each building here has a room the robot may not enter"
    assert set(forbidden_rooms) <= set(world.off_limits)
    rooms = set(world.rooms_to_visit())
    assert not rooms & set(world.off_limits)
    assert not any(world.places[n].kind == DOCK_PLACE_KIND for n in rooms)
    free = {r.id for r in building.rooms} - set(world.off_limits)
    assert rooms == free


@pytest.mark.parametrize("building", BUILDINGS, ids=lambda b: b.spec.name)
def test_visiting_every_room_a_robot_may_enter_ends_not_visited_today(building: Building) -> None:
    world = knowledge_from_building(building)
    for floor in building.floor_levels:
        rooms = world.rooms_to_visit(floor)
        if not rooms:
            continue
        pred = NotVisitedToday(floor=floor)
        assert predicate_holds(pred, _state(rooms[1:]), world)
        assert not predicate_holds(pred, _state(rooms), world), f"floor {floor}"


@pytest.mark.parametrize("building", BUILDINGS, ids=lambda b: b.spec.name)
def test_exploring_goes_to_the_rooms_not_visited_today_first(building: Building) -> None:
    cspace = CSpace(building)
    for floor in building.floor_levels:
        fv = FloorVisits(building, cspace, floor, 1.0)
        reachable_rooms = fv.rooms_left(())
        if len(reachable_rooms) < 2:
            continue
        fv.load(np.where(fv.reachable, 5, 0))  # every cell seen alike: only the rooms decide
        target = reachable_rooms[len(reachable_rooms) // 2]
        visited = [r for r in fv.room_ids if r != target]
        x, y = fv.centre(*np.argwhere(fv.reachable)[0])
        for cx, cy in fv.least_seen(x, y, 4, visited_rooms=visited):
            r, c = fv.cell_of(cx, cy)
            assert fv.room_ids[fv.room[r, c]] == target, f"floor {floor}: ({cx}, {cy})"
        # once every room has been visited, exploring is least-seen first again
        assert fv.least_seen(x, y, 4, visited_rooms=fv.room_ids)


WINDOW_S = 600.0
MOST_IN_WINDOW = 3


@pytest.mark.slow
@pytest.mark.parametrize("personality", loader.available())
def test_no_goal_is_decided_again_and_again_in_a_building_never_seen(
    personality: str, tmp_path: Path
) -> None:
    """Three hours in a generated building: no goal, request or routine is chosen more than
    three times within ten simulated minutes (idle impulses are the personality's own small
    acts and may recur)."""
    world = write_building(generate_building(5, floors=3, basements=1), tmp_path / "b.yaml")
    config = RuntimeConfig(personality=personality, seed=1, world=str(world))
    rt = Runtime(config, tmp_path / "data")
    chosen: dict[tuple[str, str], list[float]] = defaultdict(list)
    try:
        t, end = at(0, 8), at(0, 11)
        while t < end:
            t += 600.0
            rt.advance_to(t)
            for d in rt.decision_log:
                if d.chosen.kind is CandidateKind.IDLE:
                    continue
                times = chosen[(d.chosen.kind.value, d.chosen.label)]
                if d.time not in times:
                    times.append(d.time)
    finally:
        rt.close()
    for (kind, label), times in chosen.items():
        worst = max(sum(1 for u in times if 0 <= s - u < WINDOW_S) for s in times)
        assert worst <= MOST_IN_WINDOW, f"{kind} {label!r} chosen {worst} times in 10 minutes"
