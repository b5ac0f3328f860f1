"""Arbitration: acceptance by personality, preemption, needs, explanations and determinism."""

from __future__ import annotations

from collections import Counter

import pytest
from sys2_support import deliberator, state

from pepa.agent.sys2.deliberator import carries_on
from pepa.messages import (
    CandidateKind,
    Condition,
    DailyGoal,
    Idle,
    RequestPriority,
    RequestState,
    SkillCall,
    UserRequest,
)
from pepa.reward_features import Feature


def _goal() -> DailyGoal:
    return DailyGoal(
        day=0,
        text="when idle, patrol the ground floor",
        condition=Condition(all_of=[Idle()]),
        action=SkillCall(skill="patrol", args={"floor": 0}),
        priority=1.0,
    )


def test_lazy_defers_a_non_urgent_request_and_working_accepts_it() -> None:
    lazy, working = deliberator("lazy"), deliberator("working")
    text = "check the printer on floor 2"
    deferred = lazy.submit_text(text, now=3600.0, sender="alice")
    accepted = working.submit_text(text, now=3600.0, sender="alice")
    assert deferred.state == RequestState.DEFERRED
    assert "Lazy defers" in deferred.reason
    assert accepted.state == RequestState.ACCEPTED
    urgent = lazy.submit_text("urgently " + text, now=3600.0, sender="alice")
    assert urgent.state == RequestState.ACCEPTED and urgent.priority == RequestPriority.URGENT


def test_lazy_takes_up_a_deferred_request_after_its_deferral_time() -> None:
    lazy = deliberator("lazy")
    req = lazy.submit_text("go to the library", now=3600.0 * 9, sender="alice")
    assert req.state == RequestState.DEFERRED
    lazy.decide(state(hour=11.5))  # two hours later: policy's defer_max_s is over
    assert lazy.request(req.id).state in (RequestState.ACCEPTED, RequestState.IN_PROGRESS)
    assert any("taken up" in e.reason for e in lazy.request(req.id).history)


def test_cautious_declines_what_would_cut_into_its_battery_reserve() -> None:
    cautious = deliberator("cautious")
    cautious.decide(state(battery=0.52))
    cautious.interrupt(state().time, "a new request arrives")
    far = cautious.submit_text("guide bob to the board room", now=state().time, sender="alice")
    assert far.state == RequestState.DECLINED
    assert "reserve" in far.reason
    full = deliberator("cautious")
    full.decide(state(battery=1.0))
    full.interrupt(state().time, "a new request arrives")
    ok = full.submit_text("guide bob to the board room", now=state().time, sender="alice")
    assert ok.state == RequestState.ACCEPTED


def test_an_urgent_request_preempts_a_running_goal() -> None:
    d = deliberator("working")
    d.set_goals([_goal()])
    first = d.decide(state(hour=10.0))
    assert first is not None and first.chosen.kind == CandidateKind.GOAL
    assert d.decide(state(hour=10.01)) is None  # nothing new: the goal keeps running
    req = d.submit(
        UserRequest(
            text="check the printer on floor 1",
            sender="bob",
            priority=RequestPriority.URGENT,
            created_at=state(hour=10.02).time,
        )
    )
    assert req.state == RequestState.ACCEPTED
    pre = d.decide(state(hour=10.02))
    assert pre is not None
    assert pre.chosen.kind == CandidateKind.REQUEST and pre.plan.request_id == req.id
    assert pre.explanation.startswith("Interrupting to act on an urgent request from bob")
    assert d.request(req.id).state == RequestState.IN_PROGRESS


def test_a_request_accepted_during_the_robots_own_business_is_weighed_once_against_it() -> None:
    d = deliberator("working")
    own = d.decide(state(hour=10.0))
    assert own is not None and own.chosen.kind == CandidateKind.IDLE
    req = d.submit_text("check the printer on floor 1", now=state(hour=10.01).time, sender="bob")
    assert req.state == RequestState.ACCEPTED
    pre = d.decide(state(hour=10.01))
    assert pre is not None and pre.plan.request_id == req.id
    assert pre.explanation.startswith("Interrupting to act on a waiting request from bob")
    # a request that is running is not reopened by the next one
    later = d.submit_text("check the printer on floor 2", now=state(hour=10.02).time, sender="eve")
    assert later.state == RequestState.ACCEPTED
    assert d.decide(state(hour=10.02)) is None


def test_each_request_accepted_meanwhile_costs_one_search_whatever_it_decides() -> None:
    d = deliberator("cautious")
    own = d.decide(state(hour=10.0))
    assert own is not None and own.chosen.kind == CandidateKind.IDLE
    before = d.last_search
    req = d.submit_text("check the printer on floor 2", now=state(hour=10.01).time, sender="bob")
    assert req.state == RequestState.ACCEPTED
    d.decide(state(hour=10.01))
    weighed = d.last_search
    assert weighed is not before
    d.decide(state(hour=10.02))
    assert d.last_search is weighed


def test_low_battery_makes_charging_the_decision() -> None:
    d = deliberator("curious")
    decision = d.decide(state(battery=0.12, room="library"))
    assert decision is not None
    assert decision.plan.steps[0].skill == "dock_and_charge"
    assert decision.chosen.kind == CandidateKind.NEED


def test_every_decision_explains_choice_and_runner_up_in_words() -> None:
    d = deliberator("working")
    req = d.submit_text("check the printer on floor 2", now=state().time, sender="alice")
    decision = d.decide(state())
    assert decision is not None and decision.plan.request_id == req.id
    text = decision.explanation
    assert text.startswith("Chose to inspect printer_print_room_2 for alice's request")
    assert "extrinsic" in text and " over " in text and "simulations" in text
    assert len(decision.candidates) > 3
    assert decision.candidates[0].visits >= decision.candidates[1].visits


def test_personalities_choose_differently_when_idle() -> None:
    chosen = {}
    for name in ("lazy", "curious", "playful"):
        d = deliberator(name)
        picks = []
        for k in range(8):
            dec = d.decide(state(hour=10.0 + k * 0.5, battery=0.95))
            assert dec is not None
            picks.append(dec.plan.steps[0].skill)
            d.interrupt(dec.time, "next sample")
        chosen[name] = picks
    assert Counter(chosen["lazy"]).most_common(1)[0][0] == "rest", chosen
    assert "rest" not in chosen["curious"], chosen
    assert {"explore", "patrol"} & set(chosen["curious"]), chosen
    assert chosen["lazy"] != chosen["curious"]


def test_a_patrol_round_is_a_duty_worth_the_more_the_longer_the_floor_went_unchecked() -> None:
    d = deliberator("cautious")
    model = d.model
    patrol = SkillCall(skill="patrol", args={"floor": 1})
    rooms = sorted(model.site.rooms_on(1))
    now = state(hour=15.0)
    due = model.step(model.initial_state(now), patrol, None)
    fresh = {r: now.time - 600.0 for r in rooms}  # a round ten minutes ago
    half = {r: now.time - d.config.patrol_period_s / 2 for r in rooms}
    just_done = model.step(
        model.initial_state(now.model_copy(update={"visited_at": fresh})), patrol, None
    )
    half_due = model.step(
        model.initial_state(now.model_copy(update={"visited_at": half})), patrol, None
    )
    assert due.goods[Feature.TASK] == pytest.approx(d.config.patrol_duty)
    assert half_due.goods[Feature.TASK] == pytest.approx(d.config.patrol_duty / 2)
    assert just_done.goods[Feature.TASK] < 0.1 * due.goods[Feature.TASK]
    explore = model.step(
        model.initial_state(now), SkillCall(skill="explore", args={"floor": 1}), None
    )
    assert explore.goods.get(Feature.TASK, 0.0) == 0.0  # exploring is for novelty, not a duty


def test_decisions_are_deterministic_per_seed() -> None:
    def run() -> list[str]:
        d = deliberator("playful")
        d.submit_text("greet carla", now=state().time, sender="alice")
        out = []
        for k in range(5):
            dec = d.decide(state(hour=9.0 + k * 0.25, battery=0.9 - 0.05 * k))
            assert dec is not None
            out.append(dec.explanation + str([s.label() for s in dec.plan.steps]))
            d.interrupt(dec.time, "next sample")
        return out

    assert run() == run()


def test_a_wider_battery_reserve_tops_up_earlier() -> None:
    builder = deliberator("working").options
    narrow, wide = builder.top_up_level(0.2), builder.top_up_level(0.5)
    assert narrow < wide < 1.0 and wide == pytest.approx(0.5 + 0.6 * 0.5)
    between = state(battery=(narrow + wide) / 2)
    # idle at a charge between the two levels, only the robot with the wider reserve tops up
    (top_up,) = builder.need_options(between, to_dock=0.01, reserve=0.5)
    assert top_up.kind == CandidateKind.IDLE and top_up.steps[0].skill == "dock_and_charge"
    assert builder.need_options(between, to_dock=0.01, reserve=0.2) == []


def test_a_running_charge_is_weighed_against_what_came_up_not_left_out() -> None:
    builder = deliberator("working").options
    low = state(battery=0.5, charging=True)
    # charging as its own errand: carrying on is one of the options of a search meanwhile
    (charge,) = builder.need_options(
        low.model_copy(update={"current_skill": "dock_and_charge", "idle": False}),
        to_dock=0.01,
        reserve=0.25,
    )
    assert charge.steps[0].skill == "dock_and_charge"
    # charging anyway, resting on the dock: no errand to the dock is offered
    resting = low.model_copy(update={"current_skill": "rest", "idle": False})
    assert builder.need_options(resting, to_dock=0.01, reserve=0.25) == []


def test_a_search_that_chooses_what_runs_already_does_not_interrupt_it() -> None:
    d = deliberator("working")
    ws = state(battery=0.3)
    first = d.decide(ws)
    assert first is not None
    left = first.plan.steps[first.plan.progress :]
    same_steps = first.model_copy(
        update={"chosen": first.chosen.model_copy(update={"ref": "other", "label": "other"})}
    )
    assert carries_on(same_steps, first)
    other = first.model_copy(
        update={
            "chosen": first.chosen.model_copy(update={"ref": "other", "label": "other"}),
            "plan": first.plan.model_copy(update={"steps": [*left, *left]}),
        }
    )
    assert not carries_on(other, first)
