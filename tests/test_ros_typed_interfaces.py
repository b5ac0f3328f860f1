"""pepa_interfaces: generated from the models without drift, and every field round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pepa_ros import ros_schema
from pydantic import Field

from pepa.messages import (
    TERMINAL_REQUEST_STATES,
    AgentStatus,
    AtPlace,
    BatteryAbove,
    BatteryBelow,
    CandidateKind,
    CandidateScore,
    Condition,
    DailyGoal,
    Decision,
    Experience,
    Goal,
    Idle,
    Insight,
    Message,
    NotVisitedToday,
    PersonInRoom,
    Plan,
    PlanSource,
    Pose,
    Reflection,
    RequestPending,
    RequestPriority,
    RequestState,
    SkillCall,
    TimeBetween,
    UserRequest,
    WeightChange,
)

PACKAGE = Path(__file__).resolve().parents[1] / "ros_ws" / "src" / "pepa_interfaces"


def _sections(path: Path) -> list[dict[str, str]]:
    """Each ``---`` section of a .srv/.action file as field name -> type (constants apart)."""
    out: list[dict[str, str]] = []
    for part in path.read_text().split("\n---\n"):
        fields = {}
        for line in part.splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not re.match(r"^\S+ [A-Z0-9_]+=", line):  # not a constant
                typ, name = line.split()
                fields[name] = typ
        out.append(fields)
    return out


def _constants(path: Path, prefix: str) -> set[str]:
    return set(re.findall(rf'^string {prefix}_[A-Z_]+="([a-z_]+)"', path.read_text(), re.M))


def test_generated_messages_match_the_models() -> None:
    assert ros_schema.stale(PACKAGE) == [], "run: python -m pepa_ros.ros_schema"


def test_request_action_goal_uses_the_user_request_fields_and_states() -> None:
    action = PACKAGE / "action" / "Request.action"
    goal, result, feedback = _sections(action)
    assert set(goal) <= set(UserRequest.model_fields)
    assert {"text", "place", "person", "priority"} <= set(goal)
    goal_text, result_text, _ = action.read_text().split("\n---\n")
    assert set(re.findall(r'PRIORITY_[A-Z]+="([a-z]+)"', goal_text)) == {
        p.value for p in RequestPriority
    }
    assert set(re.findall(r'STATE_[A-Z_]+="([a-z_]+)"', result_text)) == {
        s.value for s in TERMINAL_REQUEST_STATES
    }
    assert result["request"] == "UserRequest"
    assert {"request_id", "state", "reason", "plan_step", "plan_steps"} <= set(feedback)
    # feedback states are UserRequest's, which the generated message lists as constants
    assert _constants(PACKAGE / "msg" / "UserRequest.msg", "STATE") == {
        s.value for s in RequestState
    }


def test_memory_query_service_asks_what_the_console_search_asks() -> None:
    from pepa.agent.console.backend import MemorySearch

    request, response = _sections(PACKAGE / "srv" / "QueryMemory.srv")
    assert set(request) == set(MemorySearch.model_fields)
    assert response["episodes"] == "Experience[]"


def test_a_field_with_no_ros_layout_is_named() -> None:
    class Odd(Message):
        tags: set[int] = Field(default_factory=set)

    with pytest.raises(ros_schema.SchemaError, match=r"Odd\.tags"):
        ros_schema.fields_of(Odd)


def test_a_cpp_keyword_field_is_renamed_in_the_message_only() -> None:
    fields = {f.name: f for f in ros_schema.fields_of(WeightChange)}
    assert fields["new"].ros_name == "new_value"
    assert "float64 new_value" in (PACKAGE / "msg" / "WeightChange.msg").read_text()


# --- round trips through the generated classes and CDR (needs the built package) -------------


def _pose() -> Pose:
    return Pose(x=1.5, y=-2.25, theta=0.5, floor=2)


def _plan() -> Plan:
    return Plan(
        steps=[
            SkillCall(skill="navigate", args={"place": "somewhere"}),
            SkillCall(skill="speak", args={"text": "hi", "loud": True, "times": 2, "gap": 0.5}),
        ],
        source=PlanSource.LLM,
        request_id="req-1",
        goal_id=None,
        expected_reward=1.25,
        created_at=30.0,
        progress=1,
    )


def _goal() -> DailyGoal:
    preds = [
        BatteryBelow(threshold=0.3),
        BatteryAbove(threshold=0.6),
        TimeBetween(start_h=9.0, end_h=10.5),
        PersonInRoom(room="r1", person=None),
        AtPlace(place="r2"),
        NotVisitedToday(place=None, floor=1),
    ]
    return DailyGoal(
        day=3,
        text="when low, charge",
        condition=Condition(all_of=preds),
        action=SkillCall(skill="dock_and_charge"),
        priority=0.7,
        rationale="because",
    )


def _request() -> UserRequest:
    r = UserRequest(
        text="bring this",
        place="r3",
        person=None,
        priority="urgent",
        created_at=5.0,
        deadline=99.0,
        task=_plan(),
    )
    r.move_to(RequestState.ACCEPTED, 6.0, "fine")
    return r


def _score(kind: CandidateKind) -> CandidateScore:
    return CandidateScore(
        kind=kind, ref="x", label="l", intrinsic=0.1, extrinsic=0.2, total=0.3, visits=7
    )


SAMPLES: list[Message] = [
    _pose(),
    _plan(),
    _request(),
    UserRequest(text="plain"),
    Goal(personality="P", text="purpose", created_at=1.0, source="llm"),
    _goal(),
    DailyGoal(
        day=0,
        text="idle",
        condition=Condition(all_of=[Idle(), RequestPending()]),
        action=SkillCall(skill="rest"),
    ),
    Decision(
        time=12.0,
        chosen=_score(CandidateKind.REQUEST),
        plan=_plan(),
        candidates=[_score(CandidateKind.IDLE), _score(CandidateKind.NEED)],
        explanation="why",
        source=PlanSource.RULE,
    ),
    Experience(
        time=3.0,
        day=0,
        floor=1,
        room="r1",
        pose=_pose(),
        skill="greet",
        outcome="success",
        people=["a", "b"],
        objects=["o"],
        caption="met a",
        importance=0.8,
        goal_id="g",
        request_id=None,
        battery=0.55,
    ),
    Experience(time=3.0, day=0, floor=0, room="r0", pose=_pose(), caption="nothing"),
    AgentStatus(
        time=4.0,
        personality="P",
        pose=_pose(),
        room="r1",
        battery=0.9,
        charging=True,
        current_skill="navigate",
        plan=_plan(),
        queue={"queued": 2, "done": 5},
        bad_messages=3,
    ),
    AgentStatus(time=4.0, personality="P", pose=_pose(), battery=0.9),
    Reflection(
        day=2,
        personality="P",
        summary="a day",
        went_well=["x"],
        went_badly=["y"],
        insights=[Insight(text="i", episode_ids=["e1"])],
        weight_changes=[WeightChange(feature="novelty", old=0.2, new=0.3, reason="r")],
        weights_after={"novelty": 0.3, "task": 0.4},
        tomorrow_goals=[_goal()],
        feedback_used=["f"],
        source="llm",
        created_at=7.0,
    ),
]


@pytest.mark.ros
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_every_field_round_trips_through_cdr(sample: Message) -> None:
    from pepa_ros import typed_codec
    from rclpy.serialization import deserialize_message, serialize_message

    msg = typed_codec.to_ros(sample)
    cls = typed_codec.message_class(type(sample))
    back = typed_codec.from_ros(type(sample), deserialize_message(serialize_message(msg), cls))
    assert back == sample


@pytest.mark.ros
def test_a_typed_message_with_an_unknown_state_is_refused_naming_the_field() -> None:
    from pepa_ros import typed_codec
    from pepa_ros.codec import DecodeError

    msg = typed_codec.to_ros(_request())
    msg.state = "flying"
    with pytest.raises(DecodeError, match=r"/t: invalid UserRequest: state"):
        typed_codec.from_ros(UserRequest, msg, "/t")
    goal = typed_codec.to_ros(_goal())
    goal.condition.all_of[0].predicate = "raining"
    with pytest.raises(DecodeError, match=r"predicate: unknown kind 'raining'"):
        typed_codec.from_ros(DailyGoal, goal, "/t")
