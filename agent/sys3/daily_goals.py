"""Each morning's 3-5 "condition → action" goals: utility under the personality's weights.

Offline, every template of :mod:`pepa.agent.sys3.goal_templates` proposes rules from yesterday's
statistics; each rule's utility is the intrinsic reward of its expected features, scaled by how
much opportunity yesterday's evidence promises, plus a bonus for the personality's preferred
skills. A greedy pick with a diversity penalty keeps the day from being five variants of one
idea. With an LLM, the model proposes the rules; any rule naming an unknown place, person or
skill makes the whole answer fail its check, and the offline engine decides instead.
"""

from __future__ import annotations

import logging
import random
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys3.day_stats import DayStats
from pepa.agent.sys3.goal_templates import Candidate, GoalContext, propose_all
from pepa.agent.sys3.prompt_context import goal_variables
from pepa.agent.sys3.reward import IntrinsicReward
from pepa.agent.sys3.self_model import SelfModel
from pepa.conditions import describe_condition, goal_problems
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import Condition, DailyGoal, Goal, SkillCall, Unit
from pepa.personalities.model import Personality

if TYPE_CHECKING:
    from pepa.agent.llm.client import LLMClient

log = logging.getLogger(__name__)

PREFERRED_BONUS = 0.08
JITTER = 0.02
SAME_TEMPLATE_PENALTY = 0.55
SAME_CATEGORY_PENALTY = 0.8
MIN_GOALS, MAX_GOALS = 3, 5
TEMPLATE_NAME = "sys3_daily_goals"


def goal_count(personality: Personality) -> int:
    """Conscientious, open or extraverted personalities take on more rules."""
    b = personality.big_five
    n = MIN_GOALS + (b.conscientiousness >= 0.6) + (max(b.openness, b.extraversion) >= 0.75)
    return min(MAX_GOALS, n)


def day_rng(seed: int, day: int, name: str, purpose: str) -> random.Random:
    """A generator fixed by (seed, day, personality, purpose): same seed, same day."""
    key = zlib.crc32(f"{name}/{purpose}".encode())
    return random.Random(seed * 1_000_003 + day * 7_919 + key)


class GoalDraft(BaseModel):
    """One rule as the LLM writes it."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=300)
    condition: Condition
    action: SkillCall
    priority: Unit = 0.5
    rationale: str = Field(default="", max_length=500)

    def to_goal(self, day: int, index: int) -> DailyGoal:
        return DailyGoal(
            id=f"dg-d{day}-llm-{index}",
            day=day,
            text=self.text,
            condition=self.condition,
            action=self.action,
            priority=self.priority,
            rationale=self.rationale,
        )


class DailyGoalsAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    goals: list[GoalDraft] = Field(min_length=MIN_GOALS, max_length=MAX_GOALS)


def drafts_problems(
    drafts: list[GoalDraft], day: int, world: WorldKnowledge, self_model: SelfModel
) -> list[str]:
    """World problems of LLM-written rules; empty when every rule can go to Sys2."""
    out: list[str] = []
    for i, d in enumerate(drafts):
        out.extend(goal_problems(d.to_goal(day, i), world))
        if d.action.skill in SKILLS and not self_model.can(d.action.skill):
            out.append(f"goal {d.text!r}: skill {d.action.skill!r} is not available today")
    return out


@dataclass(frozen=True)
class ScoredCandidate:
    candidate: Candidate
    utility: float


class DailyGoalEngine:
    """Makes the day's goals for one personality."""

    def __init__(
        self,
        personality: Personality,
        world: WorldKnowledge,
        reward: IntrinsicReward,
        seed: int = 0,
        llm: LLMClient | None = None,
    ) -> None:
        self.personality = personality
        self.world = world
        self.reward = reward
        self.seed = seed
        self.llm = llm
        self.last_fallback: str | None = None

    def score(self, c: Candidate, rng: random.Random) -> float:
        base = self.reward.evaluate(c.features) * (0.4 + 0.6 * c.opportunity)
        preferred = PREFERRED_BONUS if c.action.skill in self.personality.preferred_skills else 0
        return base + preferred + JITTER * rng.random()

    def candidates(
        self, day: int, stats: DayStats, known_places: set[str], self_model: SelfModel
    ) -> list[ScoredCandidate]:
        """Every valid rule the templates propose, best first."""
        name = self.personality.name
        ctx = GoalContext(
            personality=self.personality,
            world=self.world,
            self_model=self_model,
            stats=stats,
            known_places=frozenset(known_places),
            day=day,
            rng=day_rng(self.seed, day, name, "templates"),
        )
        jitter = day_rng(self.seed, day, name, "jitter")
        scored: list[ScoredCandidate] = []
        for c in propose_all(ctx):
            probe = DailyGoal(day=day, text=c.text, condition=c.condition, action=c.action)
            problems = goal_problems(probe, self.world)
            if problems or not self_model.can(c.action.skill):
                log.debug("template %s dropped: %s", c.template, problems or "skill unavailable")
                continue
            scored.append(ScoredCandidate(candidate=c, utility=self.score(c, jitter)))
        return sorted(scored, key=lambda s: (-s.utility, s.candidate.text))

    def offline(
        self, day: int, stats: DayStats, known_places: set[str], self_model: SelfModel
    ) -> list[DailyGoal]:
        pool = self.candidates(day, stats, known_places, self_model)
        chosen: list[ScoredCandidate] = []
        while pool and len(chosen) < goal_count(self.personality):
            best = max(pool, key=lambda s: (self._diverse(s, chosen), s.candidate.text))
            chosen.append(best)
            pool.remove(best)
        if len(chosen) < MIN_GOALS:
            raise ValueError(
                f"world: only {len(chosen)} valid goals could be made for day {day}; "
                "the world needs places, floors and a dock"
            )
        top = max(s.utility for s in chosen)
        return [
            DailyGoal(
                id=f"dg-d{day}-{s.candidate.template}-{i}",
                day=day,
                text=f"{s.candidate.text}: if {describe_condition(s.candidate.condition)}"
                f" → {s.candidate.action.label()}"[:300],
                condition=s.candidate.condition,
                action=s.candidate.action,
                priority=round(min(1.0, s.utility / top), 3),
                rationale=f"{s.candidate.rationale} (utility {s.utility:.3f})",
            )
            for i, s in enumerate(sorted(chosen, key=lambda c: -c.utility))
        ]

    @staticmethod
    def _diverse(s: ScoredCandidate, chosen: list[ScoredCandidate]) -> float:
        same_t = sum(c.candidate.template == s.candidate.template for c in chosen)
        cat = SKILLS[s.candidate.action.skill].category
        same_c = sum(SKILLS[c.candidate.action.skill].category == cat for c in chosen)
        return s.utility * SAME_TEMPLATE_PENALTY**same_t * SAME_CATEGORY_PENALTY**same_c

    def make(
        self,
        day: int,
        stats: DayStats,
        known_places: set[str],
        self_model: SelfModel,
        ultimate_goal: Goal,
    ) -> tuple[list[DailyGoal], str]:
        """The day's goals and their source (``llm`` or ``offline``)."""
        self.last_fallback = None
        if self.llm is not None and self.llm.enabled:
            variables = goal_variables(
                self.personality, self.world, self.reward, self_model, stats, ultimate_goal, day
            )
            outcome = self.llm.structured(
                TEMPLATE_NAME,
                variables,
                DailyGoalsAnswer,
                check=lambda a: drafts_problems(a.goals, day, self.world, self_model),
            )
            if outcome.value is not None:
                return [d.to_goal(day, i) for i, d in enumerate(outcome.value.goals)], "llm"
            self.last_fallback = str(outcome.fallback_reason)
            log.info("daily goals from the LLM fell back: %s", outcome.fallback_reason)
        return self.offline(day, stats, known_places, self_model), "offline"
