"""Sys3, the robot's self: ultimate goal, daily goals, intrinsic reward and daily reflection.

One object per robot. Everything it decides is persisted under the data directory — the
ultimate goal, the current reward weights, each day's goals and each day's reflection — so a
restart continues the same life; reflecting on a day that already has a reflection returns the
stored one instead of moving the weights twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from pepa.agent.sys3 import ultimate_goal as ultimate
from pepa.agent.sys3.daily_goals import DailyGoalEngine
from pepa.agent.sys3.day_stats import DayStats, compute
from pepa.agent.sys3.memory_port import EpisodeStore
from pepa.agent.sys3.reflection import ReflectionEngine
from pepa.agent.sys3.reflection_log import ReflectionLog
from pepa.agent.sys3.reward import IntrinsicReward, RewardFeatures
from pepa.agent.sys3.self_model import SelfModel
from pepa.clock import Clock, at
from pepa.knowledge import WorldKnowledge
from pepa.messages import DailyGoal, Experience, ExperienceSource, Goal, Reflection
from pepa.personalities.model import Personality
from pepa.world_state import WorldState

if TYPE_CHECKING:
    from pepa.agent.llm.client import LLMClient

log = logging.getLogger(__name__)

HISTORY_DAYS = 14
"""How many past days count when deciding which places are already known."""
SELF_DIR = Path("self")
"""Under a live data directory, one self (Sys3's files) per personality."""

_GOALS = TypeAdapter(list[DailyGoal])


def self_dir(data_dir: Path, personality: str) -> Path:
    """Where the live agent keeps ``personality``'s self under ``data_dir`` (the ROS node and
    the warm-up that hands its first days over to it)."""
    return data_dir / SELF_DIR / personality.lower()


class Sys3:
    def __init__(
        self,
        personality: Personality,
        world: WorldKnowledge,
        data_dir: Path,
        memory: EpisodeStore,
        clock: Clock,
        seed: int = 0,
        llm: LLMClient | None = None,
    ) -> None:
        self.personality = personality
        self.world = world
        self.data_dir = data_dir
        self.memory = memory
        self.clock = clock
        self.llm = llm
        self.reward = IntrinsicReward.load(personality, self._weights_path)
        self.self_model = SelfModel.build(personality, world)
        self.log = ReflectionLog(data_dir)
        self.goal_engine = DailyGoalEngine(personality, world, self.reward, seed, llm)
        self.reflection_engine = ReflectionEngine(
            personality, world, self.reward, self.goal_engine, llm
        )
        self._ultimate: Goal | None = None

    @property
    def _weights_path(self) -> Path:
        return self.data_dir / "sys3" / "weights.json"

    def _goals_path(self, day: int) -> Path:
        return self.data_dir / "sys3" / "goals" / f"day-{day:04d}.json"

    # --- what Sys2 reads -------------------------------------------------------------------

    def evaluate(self, features: RewardFeatures) -> float:
        """The intrinsic reward of a state or candidate plan under today's weights."""
        return self.reward.evaluate(features)

    def update(self, state: WorldState) -> None:
        self.self_model.update(state)

    def ultimate_goal(self) -> Goal:
        if self._ultimate is None:
            self._ultimate = ultimate.load_or_create(
                self.personality, self.data_dir, self.clock.now(), self.llm
            )
        return self._ultimate

    def daily_goals(self, day: int) -> list[DailyGoal]:
        """Today's rules: stored ones, else yesterday's reflection's, else made from memory."""
        path = self._goals_path(day)
        if path.is_file():
            try:
                return _GOALS.validate_json(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{path}: not a valid list of daily goals ({exc})") from None
        previous = self.log.read(day - 1) if day > 0 else None
        if previous is not None and previous.tomorrow_goals:
            goals = previous.tomorrow_goals
        else:
            stats = self.stats(day - 1) if day > 0 else DayStats(day=0)
            goals, source = self.goal_engine.make(
                day, stats, self.known_places(day), self.self_model, self.ultimate_goal()
            )
            log.info(
                "%s: %d goals for day %d (%s)", self.personality.name, len(goals), day, source
            )
        self._store_goals(day, goals)
        return goals

    # --- the end of the day ----------------------------------------------------------------

    def stats(self, day: int) -> DayStats:
        episodes = self.memory.episodes(day) if day >= 0 else []
        return compute(episodes, day, self.personality.battery_reserve, self.known_places(day))

    def known_places(self, day: int) -> set[str]:
        """Places that appear in the episodes of the days before ``day``."""
        return {
            e.room
            for d in range(max(0, day - HISTORY_DAYS), day)
            for e in self.memory.episodes(d)
            if e.source != ExperienceSource.REFLECTION
        }

    def reflect(self, day: int) -> Reflection:
        """Reflect on ``day`` once; store the files, the weights, tomorrow's goals, a memory."""
        done = self.log.read(day)
        if done is not None:
            return done
        episodes = [
            e for e in self.memory.episodes(day) if e.source != ExperienceSource.REFLECTION
        ]
        known = self.known_places(day)
        stats = compute(episodes, day, self.personality.battery_reserve, known)
        goals_today = self.daily_goals(day)
        feedback = [*self.log.read_feedback(day - 1), *self.log.read_feedback(day)]
        reflection = self.reflection_engine.reflect(
            stats,
            episodes,
            goals_today,
            feedback,
            known | set(stats.place_visits),
            self.self_model,
            self.ultimate_goal(),
            self.clock.now(),
        )
        self.log.write(reflection)
        self.reward.save(self._weights_path)
        self._store_goals(day + 1, reflection.tomorrow_goals)
        self.memory.record(self._as_experience(reflection))
        return reflection

    def write_feedback(self, day: int, text: str) -> None:
        """A reviewer's note on a day; the next reflection takes it into account."""
        self.log.write_feedback(day, text)

    def _store_goals(self, day: int, goals: list[DailyGoal]) -> None:
        path = self._goals_path(day)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(_GOALS.dump_json(goals, indent=2))
        tmp.replace(path)

    def _as_experience(self, r: Reflection) -> Experience:
        home = self.world.places[self.self_model.home]
        caption = " ".join([r.summary, *(i.text for i in r.insights[:5])])
        return Experience(
            id=f"ep-reflection-{self.personality.name.lower()}-{r.day}",
            # a reflection written at midnight (a day ending at 24:00) still belongs to its day
            time=min(max(r.created_at, 0.0), at(r.day + 1, 0.0) - 1.0),
            day=r.day,
            floor=home.floor,
            room=home.name,
            pose=home.pose,
            kind="reflection",
            caption=caption.encode()[: Experience.MAX_CAPTION_BYTES].decode(errors="ignore"),
            importance=0.9,
            source=ExperienceSource.REFLECTION,
        )
