"""MCTS on a hand-made world, plan validation, and re-planning after skill failures."""

from __future__ import annotations

import random
from pathlib import Path

from sys2_support import deliberator, state

from pepa.agent.sys2.arbitration import COMPANY_MIN_P, LATELY_S
from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.mcts import MCTS
from pepa.agent.sys2.options import Option
from pepa.agent.sys2.presence import PresenceModel
from pepa.agent.sys2.site_map import SiteMap
from pepa.agent.sys2.travel import MapTravel
from pepa.agent.sys2.validation import PlanValidator
from pepa.agent.sys2.world_model import WorldModel
from pepa.knowledge import WorldKnowledge
from pepa.messages import (
    BatteryAbove,
    CandidateKind,
    Condition,
    DailyGoal,
    Idle,
    Place,
    Plan,
    Pose,
    RequestState,
    SkillCall,
    SkillResult,
    SkillStatus,
)
from pepa.reward_features import Feature
from pepa.world_state import WorldState


def _tiny_world() -> tuple[WorldKnowledge, WorldModel, Sys2Config]:
    def place(name: str, x: float, kind: str = "room") -> Place:
        return Place(name=name, floor=0, kind=kind, pose=Pose(x=x, y=0.0, floor=0))

    knowledge = WorldKnowledge(
        places={
            p.name: p
            for p in (place("dock", 0.0, "dock"), place("near", 10.0), place("far", 40.0))
        },
        floors=[0],
    )
    config = Sys2Config(seed=3)
    site = SiteMap.build(knowledge)
    model = WorldModel(site, MapTravel(site, config.robot), PresenceModel(site), config)
    return knowledge, model, config


def _sighting(ws: WorldState, person: str, room: str, t: float) -> WorldState:
    """``ws`` at ``t``, when ``person`` was just seen in ``room``."""
    return ws.model_copy(
        update={"time": t, "people_rooms": {person: room}, "people_seen_at": {person: t}}
    )


def _request(label: str, place: str, value: float) -> Option:
    return Option(
        kind=CandidateKind.REQUEST,
        ref=label,
        label=label,
        steps=(SkillCall(skill="navigate", args={"place": place}),),
        extrinsic=value,
        once=True,
    )


def _root(model: WorldModel, battery: float = 0.9) -> WorldState:
    return WorldState(
        time=36_000.0, battery=battery, pose=Pose(x=0.0, y=0.0, floor=0), room="dock"
    )


def test_mcts_picks_the_higher_value_candidate() -> None:
    _k, model, config = _tiny_world()
    # one option deep: the value of each candidate is exactly its own (known) reward
    config = config.model_copy(
        update={"search": config.search.model_copy(update={"max_depth": 1, "rollout_steps": 0})}
    )
    weights = dict.fromkeys(("novelty", "social", "task", "energy", "safety", "play"), 0.0)
    for options in (
        [_request("small", "near", 0.3), _request("big", "far", 2.0)],
        [_request("big", "far", 2.0), _request("small", "near", 0.3)],
    ):
        result = MCTS(model, config).search(
            model.initial_state(_root(model)), options, weights, random.Random(1)
        )
        assert result.chosen.option.label == "big"
        other = next(c for c in result.children if c.option.label == "small")
        assert result.chosen.visits > other.visits
        assert result.chosen.mean("extrinsic") > other.mean("extrinsic")


def test_mcts_prefers_the_nearer_of_equal_requests_because_delay_costs() -> None:
    _k, model, config = _tiny_world()
    weights = dict.fromkeys(("novelty", "social", "task", "energy", "safety", "play"), 0.1)
    options = [_request("far", "far", 1.0), _request("near", "near", 1.0)]
    result = MCTS(model, config).search(
        model.initial_state(_root(model)), options, weights, random.Random(2)
    )
    assert result.chosen.option.label == "near"


def test_validation_rejects_unknown_places_and_plans_the_battery_cannot_cover() -> None:
    knowledge, model, _config = _tiny_world()
    validator = PlanValidator(knowledge, model)
    ok = validator.check([SkillCall(skill="navigate", args={"place": "far"})], _root(model), 0.2)
    assert ok.ok and ok.energy > 0
    bad = validator.check(
        [SkillCall(skill="navigate", args={"place": "atlantis"})], _root(model), 0.2
    )
    assert not bad.ok and "unknown place 'atlantis'" in bad.problems[0]
    low = validator.check(
        [
            SkillCall(skill="navigate", args={"place": "far"}),
            SkillCall(skill="rest", args={"duration_s": 3600.0}),
        ],
        _root(model, battery=0.3),
        0.25,
    )
    assert not low.ok and low.battery_problem
    assert "not enough battery" in low.problems[0]
    charged = validator.check(
        [SkillCall(skill="dock_and_charge"), SkillCall(skill="navigate", args={"place": "far"})],
        _root(model, battery=0.3),
        0.25,
    )
    assert charged.ok


def test_validation_rejects_blocked_places() -> None:
    knowledge, model, _config = _tiny_world()
    ws = _root(model).model_copy(update={"blocked": ["far"]})
    check = PlanValidator(knowledge, model).check(
        [SkillCall(skill="navigate", args={"place": "far"})], ws, 0.2
    )
    assert not check.ok and "blocked" in check.problems[0]


def _fail(call: SkillCall, reason: str, t: float) -> SkillResult:
    return SkillResult(
        call=call, status=SkillStatus.FAILURE, reason=reason, started_at=t, ended_at=t + 30.0
    )


def test_replanning_searches_for_a_missing_person_then_gives_up() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    req = d.submit_text("guide bob to the board room", now=ws.time, sender="alice")
    decision = d.decide(ws)
    assert decision is not None and decision.plan.request_id == req.id
    call = d.next_step()
    assert call is not None and call.skill == "guide_person"
    repaired = d.on_skill_result(_fail(call, "bob not found", ws.time), ws)
    assert repaired is not None
    assert repaired.plan.steps[-1] == call
    assert repaired.plan.steps[0].skill in ("navigate", "explore")
    assert "Re-planned" in repaired.explanation and "not found" in repaired.explanation
    assert d.request(req.id).state == RequestState.IN_PROGRESS
    # every further failure uses up the budget of repairs, then the request fails with why
    for _ in range(d.config.max_replans):
        step = d.next_step()
        assert step is not None
        d.on_skill_result(_fail(step, "bob not found", ws.time + 60.0), ws)
    final = d.request(req.id)
    assert final.state == RequestState.FAILED
    assert "gave up" in final.reason and "not found" in final.reason
    assert d.current is None


def test_replanning_takes_the_stairs_when_the_elevator_fails() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    d.submit_text("explore the second floor", now=ws.time, sender="alice")
    decision = d.decide(ws)
    assert decision is not None
    ride = SkillCall(skill="ride_elevator", args={"elevator": "elevator_a", "floor": 2})
    # Sys1 reports the navigate step's elevator leg failing: the repair avoids the elevator
    new = d.replanner.repair(
        decision.plan, _fail(ride, "elevator out of service", ws.time), 0, ws.time
    )
    assert new.steps is not None and new.steps[0] == SkillCall(
        skill="take_stairs", args={"floor": 2}
    )
    assert "stairs" in new.reason


def test_successful_steps_complete_the_request() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    req = d.submit_text("greet carla", now=ws.time, sender="alice")
    decision = d.decide(ws)
    assert decision is not None and decision.plan.request_id == req.id
    t = ws.time
    while (step := d.next_step()) is not None:
        d.on_skill_result(
            SkillResult(call=step, status=SkillStatus.SUCCESS, started_at=t, ended_at=t + 20.0)
        )
        t += 20.0
    done = d.request(req.id)
    assert done.state == RequestState.DONE and "completed" in done.reason
    assert d.current is None


def test_the_search_starts_from_what_the_robot_did_today_not_from_a_fresh_day() -> None:
    _, model, _ = _tiny_world()
    express = SkillCall(skill="express", args={"emotion": "wag"})
    go_near = SkillCall(skill="navigate", args={"place": "near"})
    fresh = model.initial_state(_root(model))
    busy = model.initial_state(
        _root(model).model_copy(update={"visited_today": {"near": 3}, "expressions_since_rest": 3})
    )
    play = Feature.PLAY
    assert (
        model.step(busy, express, None).goods[play] < model.step(fresh, express, None).goods[play]
    )
    novelty = Feature.NOVELTY
    assert (
        model.step(busy, go_near, None).goods[novelty]
        < model.step(fresh, go_near, None).goods[novelty]
    )


def test_exploring_rooms_entered_today_is_worth_only_what_of_the_floor_is_still_unseen() -> None:
    _, model, _ = _tiny_world()
    explore = SkillCall(skill="explore", args={"floor": 0})
    entered = {"dock": 1, "near": 1, "far": 1}
    novelty = Feature.NOVELTY

    def explored(update: dict[str, object]) -> float:
        s = model.initial_state(_root(model).model_copy(update=update))
        return model.step(s, explore, None).goods.get(novelty, 0.0)

    half_seen = explored({"visited_today": entered, "floor_unseen": {0: 0.5}})
    all_seen = explored({"visited_today": entered, "floor_unseen": {0: 0.0}})
    assert all_seen == 0.0 < half_seen
    # rooms not yet entered today are new places, however much of the floor was seen
    assert explored({"floor_unseen": {0: 0.0}}) > half_seen
    # patrolling is a round of the rooms, not a search for unseen space
    patrol = SkillCall(skill="patrol", args={"floor": 0})
    s = model.initial_state(
        _root(model).model_copy(update={"visited_today": entered, "floor_unseen": {0: 0.0}})
    )
    assert model.step(s, patrol, None).goods[novelty] > 0.0


def test_greeting_someone_already_met_today_is_worth_less() -> None:
    _, model, _ = _tiny_world()
    model.presence.observe(
        _root(model).model_copy(
            update={"people_rooms": {"eva": "near"}, "people_seen_at": {"eva": 36_000.0}}
        )
    )
    greet = SkillCall(skill="greet", args={"person": "eva"})
    social = Feature.SOCIAL

    def greeted(met: dict[str, int]) -> float:
        s = model.initial_state(_root(model).model_copy(update={"met_today": met}))
        return model.step(s, greet, None).goods[social]

    assert greeted({"eva": 3}) < greeted({}) and greeted({"bob": 3}) == greeted({})


def test_the_dock_and_rooms_off_limits_are_no_rooms_to_cover() -> None:
    def place(name: str, kind: str = "room") -> Place:
        return Place(name=name, floor=0, kind=kind, pose=Pose(x=0.0, y=0.0, floor=0))

    knowledge = WorldKnowledge(
        places={p.name: p for p in (place("dock", "dock"), place("lab"), place("vault"))},
        floors=[0],
        off_limits=["vault"],
    )
    assert SiteMap.build(knowledge).rooms_on(0) == ["lab"]


def test_a_room_where_a_person_was_not_found_is_not_believed_again_at_once() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    room = next(p for p in d.knowledge.places if d.knowledge.places[p].kind != "dock")
    glimpsed = ws.model_copy(
        update={"people_rooms": {"bob": room}, "people_seen_at": {"bob": ws.time - 5.0}}
    )
    d.presence.observe(glimpsed)
    assert d.presence.where("bob", ws.time) == [(room, 0.9)]
    call = SkillCall(skill="approach_person", args={"person": "bob"})
    plan = Plan(steps=[call])
    d.replanner.repair(plan, _fail(call, "Bob not found (looked in x)", ws.time), 0, ws.time)
    # still glimpsed there, but a search there has just failed: look elsewhere first
    d.presence.observe(glimpsed.model_copy(update={"people_seen_at": {"bob": ws.time + 1.0}}))
    assert room not in [r for r, _p in d.presence.where("bob", ws.time + 60.0)]
    # the failure is forgotten after a while, and a sighting counts again
    later = ws.time + 3600.0
    d.presence.observe(
        glimpsed.model_copy(update={"time": later, "people_seen_at": {"bob": later}})
    )
    assert d.presence.where("bob", later + 1.0) == [(room, 0.9)]


def test_a_search_for_a_person_never_goes_back_to_a_room_just_searched_in_vain() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    person = sorted(d.knowledge.people)[0]
    rooms = [p for p in sorted(d.knowledge.places) if d.knowledge.places[p].kind != "dock"]
    # seen about the building on earlier days at this hour, and in one room just now
    for day, room in enumerate(rooms[:3]):
        d.presence.observe(_sighting(ws, person, room, ws.time - (day + 1) * 86_400.0))
    d.presence.observe(
        ws.model_copy(
            update={"people_rooms": {person: rooms[3]}, "people_seen_at": {person: ws.time - 5.0}}
        )
    )
    call = SkillCall(skill="approach_person", args={"person": person})
    plan = Plan(steps=[call])
    looked: list[str] = []
    t = ws.time
    for _ in range(4):
        repair = d.replanner.repair(plan, _fail(call, "not found", t), 0, t)
        assert repair is not None
        first = repair.steps[0]
        if first.skill != "navigate":
            break
        room = str(first.args["place"])
        assert room not in looked, f"back to {room} after {looked}"
        looked.append(room)
        # the robot looked there and did not find him either
        d.presence.missed(person, room, t + 30.0)
        t += 60.0
    assert looked and set(looked) <= d.presence.missed_rooms(person, t)


def test_a_daily_goal_met_by_its_plan_fires_again_only_after_its_condition_went_false() -> None:
    d = deliberator("working")
    obj = sorted(d.knowledge.objects)[0]
    goal = DailyGoal(
        day=0,
        text=f"Take a close look at {obj}",
        condition=Condition(all_of=[Idle(), BatteryAbove(threshold=0.5)]),
        action=SkillCall(skill="inspect", args={"object": obj}),
        priority=1.0,
    )
    d.set_goals([goal])

    def decide(hour: float, battery: float = 0.9) -> str | None:
        ws = state(hour=hour, battery=battery)
        decision = d.decide(ws)
        assert decision is not None
        chosen = decision.plan.goal_id
        while (step := d.next_step()) is not None:  # the plan succeeds
            d.on_skill_result(
                SkillResult(
                    call=step,
                    status=SkillStatus.SUCCESS,
                    started_at=ws.time,
                    ended_at=ws.time + 30.0,
                ),
                ws,
            )
        return chosen

    assert decide(10.0) == goal.id
    assert decide(10.1) != goal.id  # its condition still holds: it is met, not due again
    decide(10.2, battery=0.4)  # the condition goes false while the robot is idle
    assert decide(10.3) == goal.id  # and when it holds again, the goal fires again


def test_greeting_offers_people_met_least_today_first_not_the_first_names() -> None:
    d = deliberator("playful")
    ws = state(hour=10.0)
    people = sorted(d.knowledge.people)[:4]
    seen = ws.model_copy(
        update={
            "people_rooms": dict.fromkeys(people, ws.room),
            "people_seen_at": {p: ws.time - 10.0 * i for i, p in enumerate(people)},
            "met_today": {people[0]: 2, people[1]: 1},
        }
    )
    offered = [o.ref for o in d.options.idle_options(seen, 0) if o.label.startswith("greet ")]
    # not met today first, the one seen most recently before the other
    assert offered == [people[2], people[3]]


def test_someone_greeted_minutes_ago_is_not_greeted_again_while_still_around() -> None:
    d = deliberator("working")
    ws = state(hour=11.0)
    person = sorted(d.knowledge.people)[0]
    around = {"people_rooms": {person: ws.room}, "people_seen_at": {person: ws.time - 5.0}}

    def greets(**update: object) -> bool:
        options = d.options.idle_options(ws.model_copy(update={**around, **update}), 0)
        return any(o.label == f"greet {person}" for o in options)

    assert greets()
    just_now = {"met_today": {person: 1}, "met_at": {person: ws.time - 2.0}}
    assert not greets(**just_now)
    # a later encounter is a new one
    assert greets(met_today={person: 1}, met_at={person: ws.time - 2 * LATELY_S})


def test_a_search_in_vain_at_an_hour_makes_that_room_less_likely_then_on_later_days(
    tmp_path: Path,
) -> None:
    d = deliberator("working")
    person = next(p for p, desk in d.presence.site.people.items() if desk.location is not None)
    ws = state(hour=11.0)
    before = d.presence.where(person, ws.time)
    assert before, "the desk is where to look when nothing was seen"
    room, p0 = before[0]
    d.presence.missed(person, room, ws.time)
    tomorrow = ws.time + 86_400.0
    p1 = dict(d.presence.where(person, tomorrow)).get(room, 0.0)
    assert p1 < p0
    # learned, not a passing note: it survives a restart, and other hours keep the old belief
    d.presence.save(tmp_path / "presence.json")
    fresh = deliberator("working")
    fresh.presence.load(tmp_path / "presence.json")
    assert dict(fresh.presence.where(person, tomorrow)).get(room, 0.0) == p1
    evening = tomorrow + 6 * 3600.0
    assert dict(fresh.presence.where(person, evening)).get(room, 0.0) == p0


def test_each_search_in_vain_today_makes_it_likelier_the_person_is_not_in_until_seen() -> None:
    d = deliberator("working")
    person = next(p for p, desk in d.presence.site.people.items() if desk.location is not None)
    ws = state(hour=9.0, day=1)
    chances = [d.presence.where(person, ws.time)[0][1]]
    # looked for every hour at the likeliest room, in vain: a day off, not a busy desk
    for k in range(1, 4):
        t = ws.time + k * 3600.0
        room = d.presence.where(person, t)[0][0]
        d.presence.missed(person, room, t)
        chances.append(sum(p for _, p in d.presence.where(person, t + 1800.0)))
    assert chances == sorted(chances, reverse=True) and chances[-1] < COMPANY_MIN_P
    # seen again (anywhere): in after all, and the day's misses say nothing more
    seen_at = ws.time + 4 * 3600.0
    room = sorted(d.knowledge.places)[0]
    d.presence.observe(_sighting(ws, person, room, seen_at))
    later = seen_at + 2 * 3600.0
    assert sum(p for _, p in d.presence.where(person, later)) > chances[-1]
    # and the next day starts without them (away from the hour the miss was learned at)
    unseen = next(p for p in d.presence.site.people if p != person)
    d.presence.missed(unseen, d.presence.where(unseen, ws.time)[0][0], ws.time)
    tomorrow = ws.time + 86_400.0 + 6 * 3600.0
    assert d.presence.where(unseen, tomorrow) == deliberator("working").presence.where(
        unseen, tomorrow
    )


def test_people_not_met_today_are_looked_for_where_they_were_seen_at_this_hour() -> None:
    d = deliberator("playful")
    ws = state(hour=10.0, day=1)
    rooms = [p for p in sorted(d.knowledge.places) if d.knowledge.places[p].kind != "dock"]
    people = sorted(d.knowledge.people)[:3]
    # yesterday at this hour each was seen somewhere (not where the robot is now)
    for person, room in zip(people, (r for r in rooms if r != ws.room), strict=False):
        d.presence.observe(_sighting(ws, person, room, ws.time - 86_400.0))
    offered = {o.ref: o for o in d.options.idle_options(ws, 0) if o.label.startswith("look for ")}
    assert 0 < len(offered) <= 2 and set(offered) <= set(people)
    for person, option in offered.items():
        room = d.presence.where(person, ws.time)[0][0]
        assert [s.skill for s in option.steps] == ["navigate", "approach_person", "greet"]
        assert option.steps[0].args["place"] == room != ws.room
    # met today: not looked for; never seen at this hour (late at night): not looked for
    met = ws.model_copy(update={"met_today": dict.fromkeys(d.knowledge.people, 1)})
    assert not [o for o in d.options.idle_options(met, 0) if o.label.startswith("look for ")]
    night = state(hour=22.5, day=1)
    assert not [o for o in d.options.idle_options(night, 0) if o.label.startswith("look for ")]


def test_speaking_where_people_usually_are_at_this_hour_is_worth_more_than_to_an_empty_room() -> (
    None
):
    _, model, _ = _tiny_world()
    root = _root(model)
    # seen in "near" at this hour on three earlier days
    for day in range(1, 4):
        model.presence.observe(_sighting(root, "eva", "near", root.time - day * 86_400.0))
    speak = SkillCall(skill="speak", args={"text": "Hello everyone!"})

    def spoken_in(place: str) -> float:
        s = model.initial_state(root)
        model.step(s, SkillCall(skill="navigate", args={"place": place}), None)
        return model.step(s, speak, None).goods[Feature.SOCIAL]

    assert spoken_in("near") > spoken_in("far") > 0.0


def test_an_idle_wish_to_see_someone_is_not_searched_for_but_the_miss_is_learned() -> None:
    d = deliberator("playful")
    ws = state(hour=10.0)
    decision = d.decide(ws)
    assert decision is not None and decision.chosen.kind == CandidateKind.IDLE
    person = sorted(d.knowledge.people)[0]
    believed = d.presence.where(person, ws.time)[0][0]
    approach = SkillCall(skill="approach_person", args={"person": person})
    greet = SkillCall(skill="greet", args={"person": person})
    d.current = decision.model_copy(update={"plan": Plan(steps=[approach, greet])})
    assert d.on_skill_result(_fail(approach, f"{person} not found", ws.time), ws) is None
    assert d.current is None
    assert believed in d.presence.missed_rooms(person, ws.time + 60.0)


def test_someone_who_stepped_away_is_approached_again_not_greeted_into_thin_air() -> None:
    d = deliberator("working")
    ws = state(hour=10.0)
    greet = SkillCall(skill="greet", args={"person": "bob"})
    plan = Plan(steps=[SkillCall(skill="approach_person", args={"person": "bob"}), greet])
    plan.progress = 1
    repair = d.replanner.repair(
        plan, _fail(greet, "Bob Dvorak is not nearby", ws.time), 0, ws.time
    )
    assert repair.steps is not None
    assert [s.skill for s in repair.steps] == ["approach_person", "greet"]
    assert repair.steps[0].args == {"person": "bob"}
