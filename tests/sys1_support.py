"""Shared set-up for the Sys1 tests: the default office, a quiet world, Sys1 on it."""

from __future__ import annotations

from dataclasses import dataclass

from pepa.agent.sys1.config import Sys1Config
from pepa.agent.sys1.executor import SkillHandle, Sys1
from pepa.agent.sys1.recorder import ListSink
from pepa.building.layout import Building, load_building
from pepa.clock import at
from pepa.messages import Plan, SkillCall
from pepa.sim.events import EventConfig
from pepa.sim.robot_adapter import SimRobot, WorldTruth, run_world
from pepa.sim.world import World

QUIET = EventConfig(requests_per_hour=0, objects_per_day=0, blockages_per_day=0, outages_per_day=0)
_BUILDING: Building | None = None


def office() -> Building:
    global _BUILDING
    if _BUILDING is None:
        _BUILDING = load_building()
    return _BUILDING


@dataclass
class Rig:
    world: World
    robot: SimRobot
    sys1: Sys1
    sink: ListSink

    def run(
        self, work: SkillCall | Plan | list[SkillCall], limit_s: float = 3600.0, **kwargs: object
    ) -> SkillHandle:
        """Run ``work`` to its end (or ``limit_s`` of simulated time)."""
        h = self.sys1.run(work, **kwargs)  # type: ignore[arg-type]
        end = self.world.now + limit_s
        while not h.done and self.world.now < end:
            run_world(self.world, self.sys1, min(end, self.world.now + 60.0))
        return h

    def call(self, skill: str, limit_s: float = 3600.0, **args: object) -> SkillHandle:
        return self.run(SkillCall(skill=skill, args=args), limit_s)  # type: ignore[arg-type]


def rig(
    hour: float = 9.0, seed: int = 1, config: Sys1Config | None = None, events: EventConfig = QUIET
) -> Rig:
    b = office()
    world = World(b, seed=seed, start_time=at(0, hour), event_config=events)
    robot = SimRobot(world)
    sink = ListSink()
    sys1 = Sys1(robot, b, config=config, sink=sink, truth=WorldTruth(world), now=world.now)
    return Rig(world, robot, sys1, sink)
