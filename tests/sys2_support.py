"""Shared set-up for the Sys2 tests: the default office, personalities and world states."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.deliberator import Deliberator
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.agent.sys3.reward import IntrinsicReward
from pepa.building.layout import Building, load_building
from pepa.clock import at
from pepa.knowledge import WorldKnowledge
from pepa.messages import Pose
from pepa.personalities.loader import load
from pepa.world_state import WorldState


@lru_cache(maxsize=1)
def office() -> tuple[Building, WorldKnowledge]:
    building = load_building()
    return building, knowledge_from_building(building)


def deliberator(
    personality: str | None = "working",
    data_dir: Path | None = None,
    config: Sys2Config | None = None,
    **kwargs: Any,
) -> Deliberator:
    building, knowledge = office()
    p = load(personality) if personality else None
    reward = IntrinsicReward(p) if p is not None else None
    return Deliberator(
        knowledge,
        personality=p,
        reward=reward,
        building=building,
        data_dir=data_dir,
        config=config,
        **kwargs,
    )


def state(
    hour: float = 9.0,
    battery: float = 0.9,
    room: str = "robotics_lab",
    day: int = 0,
    **fields: Any,
) -> WorldState:
    building, _ = office()
    r = building.room(room)
    x, y = r.center
    return WorldState(
        time=at(day, hour),
        battery=battery,
        pose=Pose(x=x, y=y, floor=r.floor),
        room=room,
        **fields,
    )
