"""The robot never strands itself on the stairs, whatever the building's shape.

Goals and exploration targets that fall on a flight or a landing (where the robot's floor
flips) are moved to level ground; a stairs traversal cut in the middle (cancelled, preempted,
or waited out by the battery reserve) ends on a floor; every floor is reached. The checks run
in the default office and in an L-shaped four-floor building with stairwells facing opposite
ways and an elevator serving only the lower floors.
"""

from __future__ import annotations

import itertools

import pytest
from l_building import ELEVATOR_FLOORS, l_building, l_building_spec
from sys1_support import QUIET, Rig, office

from pepa.agent.sys1.context import SkillContext
from pepa.agent.sys1.executor import HandleState, Sys1
from pepa.agent.sys1.recorder import ListSink
from pepa.agent.sys1.skills.navigation import GoTo
from pepa.building.layout import Building, parse_building
from pepa.clock import at
from pepa.messages import SkillCall
from pepa.sim.generator import generate_building
from pepa.sim.robot_adapter import SimRobot, WorldTruth, run_world
from pepa.sim.world import World

BUILDINGS = {"office": office, "l_building": l_building}


def _rig(building: Building, floor: int | None = None) -> Rig:
    world = World(building, seed=3, start_time=at(0, 9.0), event_config=QUIET)
    if floor is not None:  # start at the first stairwell's landing on that floor
        world.robot.floor = floor
        world.robot.x, world.robot.y = _landing(building, floor)
    robot = SimRobot(world)
    sink = ListSink()
    sys1 = Sys1(robot, building, sink=sink, truth=WorldTruth(world), now=world.now)
    return Rig(world, robot, sys1, sink)


def _landing(building: Building, floor: int) -> tuple[float, float]:
    from pepa.building.routing import Router

    router = Router(building)
    node = router.nodes[router.landing_nodes[(building.stairs[0].id, floor)]]
    return node.x, node.y


class _SkillTicker:
    """Ticks one (internal) skill the way Sys1 ticks a plan step."""

    def __init__(self, ctx: SkillContext, skill: GoTo) -> None:
        self.ctx = ctx
        self.skill = skill

    def tick(self, now: float) -> float:
        self.ctx.refresh(now)
        self.skill.poll(now)
        return max(now + 1e-3, min(self.skill.next_wakeup, now + 5.0))


def _stair_points(building: Building) -> list[tuple[str, int, float, float]]:
    """A point in the middle of every flight and mid landing, on each floor it serves."""
    out = []
    for s in building.stairs:
        for part, (x0, y0, x1, y1) in (
            ("up", s.up_flight),
            ("down", s.down_flight),
            ("mid", s.mid_landing),
        ):
            for f in s.floors:
                if f == {"up": max(s.floors), "down": min(s.floors)}.get(part):
                    continue  # no such flight on that floor
                out.append((f"{s.id}:{part}", f, (x0 + x1) / 2, (y0 + y1) / 2))
    return out


@pytest.mark.parametrize("name", sorted(BUILDINGS))
def test_goals_on_a_flight_or_landing_are_planned_to_level_ground(name: str) -> None:
    building = BUILDINGS[name]()
    r = _rig(building)
    ctx = r.sys1.ctx
    for label, f, x, y in _stair_points(building):
        route = ctx.route((f, x, y))
        gf, gx, gy = route.goal
        assert gf == f, label
        assert building.stairs_at(gf, gx, gy) is None, f"{label}: goal left on the stairs"
        for leg in route.legs:
            if leg.kind == "drive":
                assert all(building.stairs_at(leg.floor, *p) is None for p in leg.points), label


@pytest.mark.parametrize("name", sorted(BUILDINGS))
def test_a_goal_on_a_landing_from_another_floor_ends_without_a_livelock(name: str) -> None:
    """The old failure: the robot reached the landing, its floor flipped, it re-planned back
    and forth. Now the goal is level ground next to the stairs and is reached once."""
    building = BUILDINGS[name]()
    s = building.stairs[-1]
    top = max(s.floors)
    r = _rig(building, floor=min(s.floors))
    x0, y0, x1, y1 = s.mid_landing
    ctx = r.sys1.ctx
    skill = GoTo(ctx, (top - 1, (x0 + x1) / 2, (y0 + y1) / 2), label="the mid landing")
    ticker = _SkillTicker(ctx, skill)
    end = r.world.now + 1800
    while not skill.done and r.world.now < end:
        run_world(r.world, ticker, min(end, r.world.now + 30))
    assert skill.result is not None and skill.result.status.value in ("success", "failure")
    assert not r.world.robot.on_stairs
    assert r.world.robot.floor == top - 1 or skill.result.status.value == "failure"
    assert ctx.livelock.pending is None and not ctx.livelock.stopped


@pytest.mark.parametrize("part", ["up", "mid", "down"])
def test_a_stairs_climb_cancelled_midway_ends_on_a_floor(part: str) -> None:
    building = l_building()
    r = _rig(building, floor=1)
    r.sys1.run(SkillCall(skill="take_stairs", args={"floor": 2}))
    end = r.world.now + 900
    robot = r.world.robot
    while robot.region != part and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 0.5)
    assert robot.region == part, f"the climb never reached the {part} part"
    r.sys1.cancel("cancelled by a user on the stairs")
    run_world(r.world, r.sys1, r.world.now + 1.0)
    end = r.world.now + 600
    while r.sys1.busy and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 5.0)
    assert not robot.on_stairs and robot.floor in (1, 2)
    assert r.sys1.ctx.pose.floor == robot.floor
    # and work goes on from there
    h = r.call("navigate", place="office_b3_3", limit_s=1800)
    assert h.state == HandleState.SUCCESS, h.reason


def test_battery_reserve_lets_a_climb_finish_then_docks() -> None:
    building = l_building()
    r = _rig(building, floor=2)
    r.sys1.run(SkillCall(skill="take_stairs", args={"floor": 3}))
    robot = r.world.robot
    end = r.world.now + 900
    while robot.region != "mid" and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 0.5)
    assert robot.region == "mid"
    reserve = r.sys1.config.safety.battery_reserve
    battery = r.world.battery
    battery.energy_wh = battery.config.capacity_wh * (reserve + 0.02)
    end = r.world.now + 3600
    while not r.world.charging and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 10.0)
        assert not (robot.on_stairs and not robot.moving), "stood still on the stairs"
    assert r.world.charging and not robot.stopped
    assert r.sys1.guard.overrides.get("battery_reserve", 0) >= 1
    climb = next(res for res in r.sys1.results if res.call.skill == "take_stairs")
    assert climb.status.value == "success" or "battery" in climb.reason


@pytest.mark.parametrize("name", sorted(BUILDINGS))
def test_every_floor_is_reached_by_navigation_and_by_the_stairs(name: str) -> None:
    building = BUILDINGS[name]()
    r = _rig(building)
    dock_floor = building.room(building.dock.room).floor
    for f in building.floor_levels:
        room = next(rm for rm in building.rooms_on(f) if rm.kind == "office")
        h = r.call("navigate", place=room.id, limit_s=1800)
        assert h.state == HandleState.SUCCESS, f"{room.id}: {h.reason}"
        assert r.world.robot.floor == f
    for f in [*building.floor_levels[::-1], dock_floor]:
        h = r.call("take_stairs", floor=f, limit_s=1800)
        assert h.state == HandleState.SUCCESS, f"stairs to {f}: {h.reason}"
        assert r.world.robot.floor == f and not r.world.robot.on_stairs
    assert not r.sys1.ctx.livelock.stopped


def test_the_l_building_has_floors_only_the_stairs_reach() -> None:
    building = l_building()
    assert set(building.floor_levels) - set(ELEVATOR_FLOORS)


def test_a_room_under_a_stairwell_that_skips_its_floor_is_level_ground() -> None:
    """A stairwell serving only the upper floors stands over an ordinary room on the ground
    floor: walking through that room must leave the robot on the ground floor."""
    spec = l_building_spec()
    east = next(s for s in spec["stairs"] if s["id"] == "stairs_east")
    east["floors"] = east["floors"][1:]
    east["rooms"] = east["rooms"][1:]
    room = next(r for r in spec["rooms"] if r["id"] == "stairwell_east_0")
    room["kind"] = "office"
    building = parse_building(spec, source="tests")
    r = _rig(building)
    robot = r.world.robot
    x0, y0, x1, y1 = east["up_flight"]
    assert r.call("navigate", place="corridor_b_0", limit_s=1800).state == HandleState.SUCCESS
    seen_floors = set()
    h = r.sys1.run(SkillCall(skill="navigate", args={"place": "stairwell_east_0"}))
    end = r.world.now + 1800
    while not h.done and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 1.0)
        seen_floors.add(robot.floor)
    assert h.state == HandleState.SUCCESS, h.reason
    assert seen_floors == {0} and not robot.on_stairs
    # straight across the footprint of the flights above: still the ground floor
    robot.x, robot.y, robot.theta = x0 - 0.5, (y0 + y1) / 2, 0.0
    robot.set_cmd_vel(0.5, 0.0)
    r.world.step((x1 - x0 + 1.0) / 0.5)
    assert robot.floor == 0 and not robot.on_stairs


GENERATED = [
    pytest.param(seed, floors, basements, shape, marks=marks)
    for seed, floors, basements, shape, marks in (
        (100, 3, 0, "l", ()),
        (101, 4, 1, "u", ()),
        (102, 5, 0, "t", pytest.mark.slow),
        (103, 6, 1, "bar", pytest.mark.slow),
    )
]


@pytest.mark.parametrize(("seed", "floors", "basements", "shape"), GENERATED)
def test_the_robot_reaches_every_level_of_a_generated_building(
    seed: int, floors: int, basements: int, shape: str
) -> None:
    data = generate_building(seed=seed, floors=floors, basements=basements, shape=shape)
    building = parse_building(data, source=f"generated seed {seed}")
    r = _rig(building)
    for level in sorted(building.floor_levels, key=lambda f: (f % 2, f)):  # up and down
        h = r.call("take_stairs", floor=level, limit_s=3600)
        assert h.state == HandleState.SUCCESS, f"stairs to {level}: {h.reason}"
        robot = r.world.robot
        assert robot.floor == level and not robot.on_stairs
        room = next(rm for rm in building.rooms_on(level) if rm.kind not in ("stairwell",))
        h = r.call("navigate", place=room.id, limit_s=3600)
        assert h.state == HandleState.SUCCESS, f"{room.id}: {h.reason}"
        assert robot.floor == level
    assert r.call("navigate", place="dock", limit_s=3600).state == HandleState.SUCCESS
    assert not r.sys1.ctx.livelock.stopped


def test_exploring_a_floor_again_and_again_is_never_drawn_back_to_its_stairwell() -> None:
    """Cells over a flight can be planned to only as far as the landing and may stay unseen
    from there; once been to, they must not draw every later explore back (a regression in
    which Curious spent a day going to the stairwell landing of a floor it had seen a third
    of)."""
    building = office()
    r = _rig(building)
    floor = 2
    fv = r.sys1.visits.floors[floor]
    seen = [fv.coverage()]
    for _ in range(8):  # arriving from another floor each time, as Curious does
        for f in (floor, 0):
            h = r.call("explore", floor=f, limit_s=1800)
            assert h.state == HandleState.SUCCESS, h.reason
        seen.append(fv.coverage())
    assert all(b > a for a, b in itertools.pairwise(seen)), seen
