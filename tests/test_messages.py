"""The one schema source: every message round-trips through JSON and rejects bad input clearly."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from pepa.messages import (
    MESSAGE_TYPES,
    AgentStatus,
    BatteryBelow,
    CandidateKind,
    CandidateScore,
    Condition,
    DailyGoal,
    Decision,
    ElevatorCall,
    ElevatorStatus,
    Experience,
    Goal,
    Insight,
    PersonInRoom,
    Place,
    Plan,
    Pose,
    Reflection,
    RequestState,
    SkillCall,
    SkillResult,
    SkillStatus,
    StepResult,
    TimeBetween,
    UserRequest,
    WeightChange,
)

POSE = Pose(x=1.0, y=2.0, theta=0.5, floor=1)
PLAN = Plan(steps=[SkillCall(skill="navigate", args={"place": "kitchen_1"})])
GOAL = DailyGoal(
    day=1,
    text="if someone is in the kitchen at lunch, greet them",
    condition=Condition(
        all_of=[TimeBetween(start_h=12, end_h=13), PersonInRoom(room="kitchen_1")]
    ),
    action=SkillCall(skill="greet", args={"person": "alice"}),
)
EXAMPLES = [
    POSE,
    Place(name="kitchen_1", floor=1, kind="kitchen", pose=POSE),
    SkillCall(skill="express", args={"emotion": "wag"}),
    SkillResult(
        call=SkillCall(skill="wait", args={"duration_s": 5.0}),
        status=SkillStatus.SUCCESS,
        started_at=10.0,
        ended_at=15.0,
    ),
    PLAN,
    UserRequest(text="please check the printer on floor 2", created_at=5.0),
    Goal(personality="curious", text="know every corner of the building"),
    GOAL,
    Decision(
        time=3.0,
        chosen=CandidateScore(kind=CandidateKind.GOAL, ref=GOAL.id, label="greet", total=1.2),
        plan=PLAN,
        explanation="a person is in the kitchen and social contact is valued",
    ),
    Experience(time=3.0, day=0, floor=1, room="kitchen_1", pose=POSE, caption="saw alice"),
    AgentStatus(time=1.0, personality="lazy", pose=POSE, battery=0.8),
    Reflection(
        day=0,
        personality="lazy",
        summary="a quiet day",
        insights=[Insight(text="the kitchen is busy at noon", episode_ids=["ep-1"])],
        weight_changes=[WeightChange(feature="social", old=0.2, new=0.25)],
        tomorrow_goals=[GOAL],
    ),
    ElevatorCall(elevator="A", floor=2, button="car"),
    ElevatorStatus(elevator="A", time=4.0, floor=1, state="moving", direction=1, car_calls=[2]),
    StepResult(
        plan_id=PLAN.id,
        result=SkillResult(
            call=PLAN.steps[0], status=SkillStatus.FAILURE, reason="door", started_at=1, ended_at=2
        ),
    ),
]


def test_every_message_type_has_an_example() -> None:
    assert {type(m).__name__ for m in EXAMPLES} == set(MESSAGE_TYPES)


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_json_round_trip_preserves_every_field(message) -> None:
    data = message.to_json()
    assert json.loads(data)["schema_version"] == 1
    assert type(message).from_json(data) == message


def test_wrong_schema_version_is_rejected() -> None:
    data = json.loads(POSE.to_json())
    data["schema_version"] = 2
    with pytest.raises(ValidationError, match="schema_version"):
        Pose.model_validate(data)


def test_unknown_field_is_rejected_by_name() -> None:
    with pytest.raises(ValidationError, match="colour"):
        Pose.model_validate({"x": 0, "y": 0, "floor": 0, "colour": "red"})


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_pose_is_rejected(bad: float) -> None:
    with pytest.raises(ValidationError, match="x"):
        Pose(x=bad, y=0.0, floor=0)


def test_empty_request_text_is_rejected() -> None:
    with pytest.raises(ValidationError, match="request text is empty"):
        UserRequest(text="   ")


def test_request_text_over_limit_is_rejected() -> None:
    with pytest.raises(ValidationError, match="text"):
        UserRequest(text="x" * 2001)


def test_request_history_keeps_every_state_change() -> None:
    req = UserRequest(text="bring me coffee")
    req.move_to(RequestState.ACCEPTED, 1.0, "can do")
    req.move_to(RequestState.DONE, 9.0)
    assert [e.state for e in req.history] == [RequestState.ACCEPTED, RequestState.DONE]
    assert req.state is RequestState.DONE


def test_caption_over_8kb_is_rejected() -> None:
    with pytest.raises(ValidationError, match="8 KB"):
        Experience(time=0, day=0, floor=0, room="lobby", pose=POSE, caption="é" * 5000)


def test_skill_result_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="before started_at"):
        SkillResult(
            call=SkillCall(skill="wait"), status=SkillStatus.FAILURE, started_at=5, ended_at=1
        )


def test_condition_predicates_are_discriminated_by_name() -> None:
    cond = Condition.model_validate({"all_of": [{"predicate": "battery_below", "threshold": 0.3}]})
    assert isinstance(cond.all_of[0], BatteryBelow)
    with pytest.raises(ValidationError, match="predicate"):
        Condition.model_validate({"all_of": [{"predicate": "moon_is_full"}]})


def test_pose_distance_is_infinite_across_floors() -> None:
    assert POSE.distance_to(Pose(x=4.0, y=6.0, floor=1)) == pytest.approx(math.hypot(3, 4))
    assert POSE.distance_to(Pose(x=1.0, y=2.0, floor=2)) == math.inf
