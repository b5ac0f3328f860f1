"""LLM-guided search: the LLM proposes plans and priors, the search and the validation decide.

With an LLM client enabled, Sys2 shows the model the situation (time, battery, place, pending
requests, firing goals, the candidates already found) and asks for up to four candidate plans,
each with a prior in 0..1. Every proposal must pass the world check (known skills, places,
people, objects); those that do become extra root options of the tree search, and a proposal
that repeats an existing candidate raises that candidate's prior instead. The LLM never
decides: an unknown skill is rejected, and whatever it proposes competes in the search.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys2.options import Option
from pepa.agent.sys2.parser import StructuredLLM
from pepa.clock import format_time
from pepa.knowledge import WorldKnowledge
from pepa.messages import CandidateKind, PlanSource, SkillCall
from pepa.world_state import WorldState

log = logging.getLogger(__name__)

PROPOSE_TEMPLATE = "sys2_propose_plans"


class ProposedPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=120)
    steps: list[SkillCall] = Field(min_length=1, max_length=6)
    prior: float = Field(ge=0.0, le=1.0)
    rationale: str = Field(default="", max_length=300)


class PlanProposals(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proposals: list[ProposedPlan] = Field(default_factory=list, max_length=4)


def proposal_problems(proposal: ProposedPlan, knowledge: WorldKnowledge) -> list[str]:
    """Why a proposed plan cannot be searched; empty when it can."""
    return [f"proposal {proposal.label!r}: {p}" for p in knowledge.check_all(proposal.steps)]


class LLMPlanProposer:
    def __init__(self, llm: StructuredLLM, knowledge: WorldKnowledge) -> None:
        self.llm = llm
        self.knowledge = knowledge
        self.rejected = 0
        self.accepted = 0

    def propose(
        self, state: WorldState, options: Sequence[Option], personality: str
    ) -> list[Option]:
        """``options`` with priors raised and LLM plans added; unchanged on any failure."""
        if not getattr(self.llm, "enabled", False):
            return list(options)

        def check(answer: PlanProposals) -> list[str]:
            return [
                p for prop in answer.proposals for p in proposal_problems(prop, self.knowledge)
            ]

        variables: dict[str, Any] = {
            "personality": personality,
            "time": format_time(state.time),
            "battery": f"{state.battery:.0%}",
            "room": state.room or "unknown",
            "people_seen": state.people_in(within_s=600.0),
            "candidates": [
                {"label": o.label, "kind": o.kind.value, "steps": [s.label() for s in o.steps]}
                for o in options
            ],
            "skills": {n: s.summary for n, s in self.knowledge.skills.items()},
            "places": sorted(self.knowledge.places),
            "people": sorted(self.knowledge.people),
            "objects": sorted(self.knowledge.objects),
        }
        outcome = self.llm.structured(PROPOSE_TEMPLATE, variables, PlanProposals, check)
        answer: PlanProposals | None = outcome.value
        if answer is None:
            return list(options)
        return self.merge(options, answer)

    def merge(self, options: Sequence[Option], answer: PlanProposals) -> list[Option]:
        """Fold checked proposals into the options (the check runs again here, always)."""
        out = list(options)
        by_steps = {tuple(s.label() for s in o.steps): i for i, o in enumerate(out)}
        for prop in answer.proposals:
            problems = proposal_problems(prop, self.knowledge)
            if problems:
                self.rejected += 1
                log.info("LLM proposal rejected: %s", "; ".join(problems))
                continue
            self.accepted += 1
            key = tuple(s.label() for s in prop.steps)
            boost = 1.0 + 3.0 * prop.prior
            if key in by_steps:
                i = by_steps[key]
                out[i] = replace(out[i], prior=out[i].prior * boost)
                continue
            out.append(
                Option(
                    kind=CandidateKind.IDLE,
                    label=f"{prop.label} (LLM proposal)",
                    steps=tuple(prop.steps),
                    prior=boost,
                    source=PlanSource.LLM,
                    why=prop.rationale[:80],
                )
            )
            by_steps[key] = len(out) - 1
        return out
