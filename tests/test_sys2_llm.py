"""Sys2's LLM paths against a real OpenAI-compatible HTTP server: checked, never trusted."""

from __future__ import annotations

import json
from typing import Any

from sys2_support import deliberator, office, state

from pepa.agent.llm import LLMClient, LLMSettings
from pepa.agent.sys2.llm_guidance import LLMPlanProposer, PlanProposals, ProposedPlan
from pepa.messages import PlanSource, RequestState, SkillCall


def _reply(server: Any, payload: dict[str, Any]) -> None:
    from test_llm_client import Reply

    server.state.replies.append(Reply(content=json.dumps(payload)))


def _client(server: Any) -> LLMClient:
    return LLMClient(
        LLMSettings(backend="openai", base_url=server.base_url, model="test", timeout_s=5.0),
        system="sys2",
    )


FLY = {"label": "fly to the roof", "steps": [{"skill": "fly", "args": {}}], "prior": 0.9}
VISIT = {
    "label": "visit the library",
    "steps": [{"skill": "navigate", "args": {"place": "library"}}],
    "prior": 0.8,
    "rationale": "quiet and rarely seen",
}


def test_a_proposed_plan_with_an_unknown_skill_is_rejected(openai_server: Any) -> None:
    _building, knowledge = office()
    d = deliberator("curious")
    base = d._build_options(state(), state().time)
    proposer = LLMPlanProposer(_client(openai_server), knowledge)
    # the model insists on an unknown skill, even after the repair round: nothing changes
    _reply(openai_server, {"proposals": [FLY]})
    _reply(openai_server, {"proposals": [FLY]})
    options = proposer.propose(state(), base, "Curious")
    assert [o.label for o in options] == [o.label for o in base]
    assert len(openai_server.state.requests) == 2
    # and the check runs again on any answer folded in
    merged = proposer.merge(
        base,
        PlanProposals(
            proposals=[ProposedPlan.model_validate(FLY), ProposedPlan.model_validate(VISIT)]
        ),
    )
    assert proposer.rejected == 1
    added = [o for o in merged if o.source == PlanSource.LLM]
    assert [o.steps for o in added] == [(SkillCall(skill="navigate", args={"place": "library"}),)]


def test_a_valid_proposal_competes_in_the_search(openai_server: Any) -> None:
    d = deliberator("curious", llm=_client(openai_server))
    _reply(openai_server, {"proposals": [VISIT]})
    decision = d.decide(state())
    assert decision is not None
    labels = [c.label for c in decision.candidates]
    assert "visit the library (LLM proposal)" in labels
    assert d.proposer is not None and d.proposer.accepted == 1


def test_llm_parse_that_names_an_unmentioned_place_falls_back_to_the_grammar(
    openai_server: Any,
) -> None:
    d = deliberator("working", llm=_client(openai_server))
    guess = {
        "understood": True,
        "steps": [{"skill": "navigate", "args": {"place": "library"}}],
        "unknown_names": [],
        "urgent": False,
    }
    _reply(openai_server, guess)
    _reply(openai_server, guess)
    req = d.submit_text("go to the zoo", now=100.0, sender="alice")
    assert req.state == RequestState.CLARIFICATION and "zoo" in req.reason
    good = {
        "understood": True,
        "steps": [{"skill": "inspect", "args": {"object": "printer_print_room_2"}}],
        "unknown_names": [],
        "urgent": True,
    }
    _reply(openai_server, good)
    req = d.submit_text("please look at the printer on floor 2 now", now=120.0, sender="alice")
    assert req.state == RequestState.ACCEPTED
    assert req.task is not None and req.task.source == PlanSource.LLM
    assert req.priority.value == "urgent"
