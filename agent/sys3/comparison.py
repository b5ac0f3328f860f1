"""The personalities side by side: each reflects on the same days of episodes.

Each personality gets its own data directory and its own Sys3, replays the same stream day by
day (goals in the morning, reflection in the evening), and the reflections are returned grouped
by day, so one can read how Lazy and Curious judged the same Tuesday.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pepa.agent.sys3.memory_port import EpisodeList
from pepa.agent.sys3.system import Sys3
from pepa.clock import SimClock, at
from pepa.knowledge import WorldKnowledge
from pepa.messages import DailyGoal, Experience, Reflection
from pepa.personalities.model import Personality

REFLECTION_HOUR = 23.0


class PersonalityRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    personality: str
    ultimate_goal: str
    goals: dict[int, list[DailyGoal]]
    reflections: list[Reflection]


def replay(
    personality: Personality,
    world: WorldKnowledge,
    episodes: list[Experience],
    data_dir: Path,
    seed: int = 0,
) -> PersonalityRun:
    """Run one personality's Sys3 over every day of ``episodes``."""
    days = sorted({e.day for e in episodes})
    clock = SimClock(at(days[0], 7.0) if days else 0.0)
    memory = EpisodeList(episodes)
    sys3 = Sys3(personality, world, data_dir, memory, clock, seed=seed)
    goals: dict[int, list[DailyGoal]] = {}
    reflections: list[Reflection] = []
    for day in days:
        clock.advance_to(max(clock.now(), at(day, 7.0)))
        goals[day] = sys3.daily_goals(day)
        clock.advance_to(at(day, REFLECTION_HOUR))
        reflections.append(sys3.reflect(day))
    last = days[-1] + 1 if days else 0
    goals[last] = sys3.daily_goals(last)
    return PersonalityRun(
        personality=personality.name,
        ultimate_goal=sys3.ultimate_goal().text,
        goals=goals,
        reflections=reflections,
    )


def compare(
    personalities: list[Personality],
    world: WorldKnowledge,
    episodes: list[Experience],
    out_dir: Path,
    seed: int = 0,
) -> list[PersonalityRun]:
    return [replay(p, world, episodes, out_dir / p.name.lower(), seed) for p in personalities]
