"""A small end-to-end request that proves an LLM backend works: rules that name known places.

It is what ``pepa llm ask`` sends and what the local-backend test measures: a real structured
answer, validated by pydantic and checked against a world of known places and skills.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from agent.knowledge import SKILLS, WorldKnowledge
from agent.llm.client import LLMClient, LLMOutcome
from agent.messages import Place, Pose, SkillCall

PROBE_TEMPLATE = "llm_check_rules"
# Skills whose required arguments are at most a place: a rule can name them with one field.
PROBE_SKILLS: tuple[str, ...] = tuple(
    name
    for name, spec in SKILLS.items()
    if set(spec.args) - spec.optional <= {"place"} and set(spec.args) <= {"place", "floor"}
)


class ProbeRule(BaseModel):
    """One "condition -> action" rule; ``place`` only for skills that take one."""

    model_config = ConfigDict(extra="forbid")
    condition: str = Field(min_length=1, max_length=200)
    skill: str = Field(min_length=1, max_length=48)
    place: str | None = None

    def call(self) -> SkillCall:
        return SkillCall(skill=self.skill, args={"place": self.place} if self.place else {})


class ProbeRules(BaseModel):
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
    """World problems of an answer; skills outside the probe's set count as unknown here."""
    out: list[str] = []
    for i, rule in enumerate(rules.rules):
        if rule.skill not in PROBE_SKILLS:
            out.append(f"rules.{i}.skill: {rule.skill!r} is not one of {', '.join(PROBE_SKILLS)}")
            continue
        out += [f"rules.{i}: {p}" for p in world.problems(rule.call())]
    return out


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
