"""The intrinsic reward Sys2 evaluates, and daily-goal conditions against a world state."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepa.agent.sys3.reward import IntrinsicReward, RewardFeatures
from pepa.agent.sys3.synthetic_days import office_world
from pepa.clock import at
from pepa.conditions import condition_holds, firing_goals, goal_problems
from pepa.messages import (
    AtPlace,
    BatteryBelow,
    Condition,
    DailyGoal,
    Idle,
    NotVisitedToday,
    PersonInRoom,
    Pose,
    SkillCall,
    TimeBetween,
    WeightChange,
)
from pepa.personalities.loader import load
from pepa.world_state import WorldState

WORLD = office_world()


def state(**kw: object) -> WorldState:
    base: dict[str, object] = {
        "time": at(0, 12.5),
        "battery": 0.6,
        "pose": Pose(x=12, y=2, floor=0),
        "room": "kitchen",
    }
    base.update(kw)
    return WorldState(**base)  # type: ignore[arg-type]


def test_reward_is_features_times_weights_and_ranks_by_personality() -> None:
    explore = RewardFeatures(novelty=0.9, energy=0.2, safety=0.5)
    rest = RewardFeatures(energy=1.0, safety=0.8)
    curious, lazy = IntrinsicReward(load("Curious")), IntrinsicReward(load("Lazy"))
    w = load("Curious").weights()
    assert curious.evaluate(explore) == pytest.approx(
        0.9 * w["novelty"] + 0.2 * w["energy"] + 0.5 * w["safety"]
    )
    assert curious.evaluate(explore) > curious.evaluate(rest)
    assert lazy.evaluate(rest) > lazy.evaluate(explore)
    assert curious.breakdown(explore).top() == "novelty"


def test_features_outside_unit_range_are_rejected() -> None:
    with pytest.raises(ValueError, match="novelty"):
        RewardFeatures(novelty=1.5)


def test_weights_are_clamped_to_bounds_and_persist(tmp_path: Path) -> None:
    p = load("Cautious")
    reward = IntrinsicReward(p)
    kept = reward.apply([WeightChange(feature="safety", old=0.5, new=0.99, reason="test")])
    assert kept[0].new == p.reward.spec("safety").max
    path = tmp_path / "weights.json"
    reward.save(path)
    assert IntrinsicReward.load(p, path).weights == reward.weights
    with pytest.raises(ValueError, match="belong to 'Cautious', not 'Lazy'"):
        IntrinsicReward.load(load("Lazy"), path)


def test_conditions_hold_against_the_world_state() -> None:
    s = state(
        people_rooms={"alice": "kitchen"},
        people_seen_at={"alice": at(0, 12.45)},
        visited_today={"kitchen": 1, "lobby": 2},
    )
    lunch = Condition(
        all_of=[PersonInRoom(room="kitchen", person="alice"), TimeBetween(start_h=12, end_h=13.5)]
    )
    assert condition_holds(lunch, s, WORLD)
    assert not condition_holds(lunch, s.model_copy(update={"time": at(0, 14)}), WORLD)
    assert condition_holds(Condition(all_of=[BatteryBelow(threshold=0.7), Idle()]), s, WORLD)
    assert not condition_holds(Condition(all_of=[BatteryBelow(threshold=0.5)]), s, WORLD)
    assert condition_holds(Condition(all_of=[AtPlace(place="kitchen")]), s, WORLD)
    assert not condition_holds(Condition(all_of=[NotVisitedToday(place="lobby")]), s, WORLD)
    assert condition_holds(Condition(all_of=[NotVisitedToday(floor=1)]), s, WORLD)
    night = Condition(all_of=[TimeBetween(start_h=22, end_h=6)])
    assert condition_holds(night, s.model_copy(update={"time": at(1, 2)}), WORLD)
    assert not condition_holds(night, s, WORLD)


def test_firing_goals_are_ordered_by_priority() -> None:
    s = state(battery=0.2)
    low = DailyGoal(
        day=0,
        text="charge",
        condition=Condition(all_of=[BatteryBelow(threshold=0.3)]),
        action=SkillCall(skill="dock_and_charge"),
        priority=0.9,
    )
    idle = DailyGoal(
        day=0,
        text="look",
        condition=Condition(all_of=[Idle()]),
        action=SkillCall(skill="look_around"),
        priority=0.4,
    )
    away = DailyGoal(
        day=0,
        text="x",
        condition=Condition(all_of=[AtPlace(place="lab")]),
        action=SkillCall(skill="look_around"),
        priority=1.0,
    )
    assert [g.text for g in firing_goals([idle, away, low], s, WORLD)] == ["charge", "look"]


def test_goal_problems_name_unknown_places_people_and_skills() -> None:
    goal = DailyGoal(
        day=0,
        text="bad",
        condition=Condition(all_of=[PersonInRoom(room="moon_base", person="zed")]),
        action=SkillCall(skill="navigate", args={"place": "atlantis"}),
    )
    problems = " ".join(goal_problems(goal, WORLD))
    assert "unknown place 'moon_base'" in problems
    assert "unknown person 'zed'" in problems
    assert "unknown place 'atlantis'" in problems
    fly = goal.model_copy(
        update={"action": SkillCall(skill="fly"), "condition": Condition(all_of=[Idle()])}
    )
    assert goal_problems(fly, WORLD) == ["goal 'bad': unknown skill 'fly'"]
