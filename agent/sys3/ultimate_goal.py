"""The ultimate goal: one sentence of purpose, derived once from the personality and kept.

Offline, it is composed from the personality's two heaviest reward features and its most
pronounced traits; with an LLM, the model writes it from the description. Either way it is
stored under the data directory and never regenerated, so the robot's purpose does not drift
from one start to the next.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pepa.agent.sys3.prompt_context import ultimate_goal_variables
from pepa.messages import Goal
from pepa.personalities.model import Personality
from pepa.reward_features import FEATURES

if TYPE_CHECKING:
    from pepa.agent.llm.client import LLMClient

log = logging.getLogger(__name__)

TEMPLATE_NAME = "sys3_ultimate_goal"
FILE_NAME = "ultimate_goal.json"

TRAIT_MANNER: dict[tuple[str, bool], str] = {
    ("openness", True): "curious about everything",
    ("openness", False): "content with what I know",
    ("conscientiousness", True): "keeping my routines and my promises",
    ("conscientiousness", False): "taking things as they come",
    ("extraversion", True): "seeking company",
    ("extraversion", False): "keeping to myself",
    ("agreeableness", True): "putting people's needs first",
    ("agreeableness", False): "minding my own priorities",
    ("neuroticism", True): "careful to stay well within safe limits",
    ("neuroticism", False): "calm whatever happens",
}


class UltimateGoalAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=20, max_length=600)


def compose_offline(p: Personality) -> str:
    """The purpose sentence from the two heaviest features and the two strongest traits."""
    weights = p.weights()
    top = sorted(FEATURES, key=lambda f: (-weights[f], FEATURES.index(f)))[:2]
    traits = p.big_five.model_dump()
    strongest = sorted(traits, key=lambda t: (-abs(traits[t] - 0.5), t))[:2]
    manner = " and ".join(TRAIT_MANNER[(t, traits[t] >= 0.5)] for t in strongest)
    return (
        f"I am {p.name}. My purpose is to {top[0].purpose}, and to "
        f"{top[1].purpose}, {manner}, never letting my battery fall below "
        f"{p.battery_reserve:.0%} of what I need."
    )


def goal_path(data_dir: Path) -> Path:
    return data_dir / "sys3" / FILE_NAME


def load_or_create(
    p: Personality, data_dir: Path, now: float, llm: LLMClient | None = None
) -> Goal:
    """The stored goal for ``p``, or a new one (LLM if enabled, else offline), stored."""
    path = goal_path(data_dir)
    if path.is_file():
        try:
            goal = Goal.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise ValueError(
                f"{path}: not a valid ultimate goal ({exc.errors()[0]['msg']})"
            ) from None
        if goal.personality == p.name:
            return goal
        log.warning("%s holds %s's goal; making one for %s", path, goal.personality, p.name)
    goal = generate(p, now, llm)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(goal.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)
    return goal


def generate(p: Personality, now: float, llm: LLMClient | None = None) -> Goal:
    if llm is not None and llm.enabled:
        outcome = llm.structured(
            TEMPLATE_NAME, ultimate_goal_variables(p), UltimateGoalAnswer, check=None
        )
        if outcome.value is not None:
            return Goal(
                id=f"goal-{p.name.lower()}",
                personality=p.name,
                text=outcome.value.text,
                created_at=now,
                source="llm",
            )
        log.info("ultimate goal from the LLM fell back: %s", outcome.fallback_reason)
    return Goal(
        id=f"goal-{p.name.lower()}",
        personality=p.name,
        text=compose_offline(p),
        created_at=now,
        source="offline",
    )
