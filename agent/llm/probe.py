"""A small end-to-end request that proves an LLM backend works: rules that name known places.

It is what ``pepa llm ask`` sends and what the local-backend test measures: a real structured
answer, validated by pydantic and checked against a world of known places and skills.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.llm.client import LLMClient, LLMOutcome
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import Place, Pose, SkillCall

PROBE_TEMPLATE = "llm_check_rules"
# Skills whose required arguments are at most a place: a rule can name them with one field.
PROBE_SKILLS: tuple[str, ...] = tuple(
    name
    for name, spec in SKILLS.items()
    if set(spec.args) - spec.optional <= {"place"} and set(spec.args) <= {"place", "floor"}
)


ProbeSkill = Literal[PROBE_SKILLS]  # type: ignore[valid-type]


# The skill is an enum in the schema (servers that turn schemas into grammars can then only
# emit known skills); the place is free text, so the world check is what stops unknown places.
# Docstrings become schema descriptions that the model reads: they speak to the model.
class ProbeRule(BaseModel):
    """When the condition holds, the robot runs the skill (navigate also names a place)."""

    model_config = ConfigDict(extra="forbid")
    condition: str = Field(min_length=1, max_length=200)
    skill: ProbeSkill
    place: str | None = None

    def call(self) -> SkillCall:
        return SkillCall(skill=self.skill, args={"place": self.place} if self.place else {})


class ProbeRules(BaseModel):
    """The rules asked for."""

    model_config = ConfigDict(extra="forbid")
    rules: list[ProbeRule] = Field(min_length=1, max_length=5)


def probe_world(places: Iterable[str]) -> WorldKnowledge:
    """A one-floor world with the given places, enough for the skills the probe allows."""
    names = list(dict.fromkeys(p.strip() for p in places if p.strip()))
    if not names:
        raise ValueError("the probe world needs at least one place name")
    return WorldKnowledge(
        places={
            name: Place(name=name, floor=0, kind="room", pose=Pose(x=float(i), y=0.0, floor=0))
            for i, name in enumerate(names)
        },
        floors=[0],
    )


def rule_problems(world: WorldKnowledge, rules: ProbeRules) -> list[str]:
    """World problems of an answer: unknown places, missing or unexpected arguments."""
    return [f"rules.{i}: {p}" for i, r in enumerate(rules.rules) for p in world.problems(r.call())]


def run_probe(
    client: LLMClient, world: WorldKnowledge, wish: str, count: int = 2
) -> LLMOutcome[ProbeRules]:
    variables = {
        "places": ", ".join(world.places),
        "skills": ", ".join(PROBE_SKILLS),
        "count": count,
        "wish": wish,
    }
    return client.structured(
        PROBE_TEMPLATE, variables, ProbeRules, check=lambda r: rule_problems(world, r)
    )
