"""The one schema source for every cognitive-level message.

Sys1, Sys2, Sys3, memory, the console and the ROS adapters all exchange these models; on ROS
they travel as JSON in ``std_msgs/String``. Every model carries ``schema_version`` so that a
peer running another version is rejected with a clear error instead of being misread.
Times are simulated seconds since the simulation epoch (day 0, 00:00, a Monday), as given by
:mod:`pepa.clock`.
"""

from __future__ import annotations

import math
import uuid
from enum import StrEnum
from typing import Annotated, ClassVar, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pepa.clock import format_time

SCHEMA_VERSION: Final = 1

Scalar = str | int | float | bool
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
# A building level: 0 is the ground floor, 1, 2, ... above it, -1, -2, ... basements below it.
Level = Annotated[int, Field(ge=-99, le=999)]

M = TypeVar("M", bound="Message")


def new_id(prefix: str) -> str:
    """A short unique id; the prefix tells a reader what kind of thing it names."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Message(BaseModel):
    """Base of every message: strict fields, no NaN, a schema version."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)
    schema_version: Literal[1] = SCHEMA_VERSION

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls: type[M], data: str | bytes) -> M:
        return cls.model_validate_json(data)


# --- places and poses ------------------------------------------------------------------------


class Pose(Message):
    """A planar pose in the building's ``map`` frame (REP-103: metres, radians)."""

    x: FiniteFloat
    y: FiniteFloat
    theta: FiniteFloat = 0.0
    floor: Level

    def distance_to(self, other: Pose) -> float:
        """Euclidean distance on the same floor; infinite across floors."""
        if other.floor != self.floor:
            return math.inf
        return math.hypot(self.x - other.x, self.y - other.y)


class Place(Message):
    """A named place the robot can go to: a room, a landmark or the dock."""

    name: str = Field(min_length=1, max_length=64)
    floor: Level
    kind: str = Field(min_length=1, max_length=32)
    pose: Pose


# --- skills and plans ------------------------------------------------------------------------


class SkillCall(Message):
    """One skill invocation; names are checked against the world model, not here."""

    skill: str = Field(min_length=1, max_length=48)
    args: dict[str, Scalar] = Field(default_factory=dict)

    def label(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in sorted(self.args.items()))
        return f"{self.skill}({inner})"


class SkillStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"


class SkillResult(Message):
    call: SkillCall
    status: SkillStatus
    reason: str = ""
    started_at: Seconds
    ended_at: Seconds
    distance_m: Seconds = 0.0
    energy_wh: Seconds = 0.0

    @field_validator("ended_at")
    @classmethod
    def _ends_after_start(cls, v: float, info: ValidationInfo) -> float:
        start = info.data.get("started_at")
        if start is not None and v < start:
            raise ValueError(f"ended_at {v} is before started_at {start}")
        return v


class PlanSource(StrEnum):
    MCTS = "mcts"
    LLM = "llm"
    RULE = "rule"
    SAFETY = "safety"
    POLICY = "policy"


class Plan(Message):
    id: str = Field(default_factory=lambda: new_id("plan"))
    steps: list[SkillCall] = Field(min_length=1, max_length=32)
    source: PlanSource = PlanSource.MCTS
    request_id: str | None = None
    goal_id: str | None = None
    expected_reward: FiniteFloat = 0.0
    created_at: Seconds = 0.0
    progress: int = Field(default=0, ge=0)


# --- requests --------------------------------------------------------------------------------


class RequestState(StrEnum):
    QUEUED = "queued"
    CLARIFICATION = "clarification"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_REQUEST_STATES = frozenset(
    {RequestState.DONE, RequestState.FAILED, RequestState.DECLINED, RequestState.CANCELLED}
)


class RequestPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"


class RequestEvent(Message):
    time: Seconds
    state: RequestState
    reason: str = ""


class UserRequest(Message):
    """A request from a person (console, or someone the robot meets)."""

    MAX_TEXT: ClassVar[int] = 2000

    id: str = Field(default_factory=lambda: new_id("req"))
    text: str = Field(max_length=MAX_TEXT)
    sender: str = Field(default="console", min_length=1, max_length=64)
    place: str | None = Field(default=None, max_length=64)
    person: str | None = Field(default=None, max_length=64)
    priority: RequestPriority = RequestPriority.NORMAL
    created_at: Seconds = 0.0
    deadline: Seconds | None = None
    state: RequestState = RequestState.QUEUED
    reason: str = ""
    task: Plan | None = None
    history: list[RequestEvent] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("request text is empty")
        return v

    def move_to(self, state: RequestState, time: float, reason: str = "") -> None:
        """Change state and keep the history, so nothing about a request is silently lost."""
        self.state = state
        self.reason = reason
        self.history.append(RequestEvent(time=time, state=state, reason=reason))


# --- goals -----------------------------------------------------------------------------------


class Goal(Message):
    """The ultimate goal Sys3 derives once from the personality."""

    id: str = Field(default_factory=lambda: new_id("goal"))
    personality: str
    text: str = Field(min_length=1, max_length=2000)
    created_at: Seconds = 0.0
    source: Literal["offline", "llm"] = "offline"


class BatteryBelow(Message):
    predicate: Literal["battery_below"] = "battery_below"
    threshold: Unit


class BatteryAbove(Message):
    predicate: Literal["battery_above"] = "battery_above"
    threshold: Unit


class TimeBetween(Message):
    """Time of day in hours, e.g. 12.0-13.5."""

    predicate: Literal["time_between"] = "time_between"
    start_h: Annotated[float, Field(ge=0.0, le=24.0)]
    end_h: Annotated[float, Field(ge=0.0, le=24.0)]


class PersonInRoom(Message):
    """A person (any, if ``person`` is None) is seen in a room (any, if ``room`` is None)."""

    predicate: Literal["person_in_room"] = "person_in_room"
    room: str | None = None
    person: str | None = None


class AtPlace(Message):
    predicate: Literal["at_place"] = "at_place"
    place: str


class NotVisitedToday(Message):
    """A place (or any room of a floor) has not been visited today."""

    predicate: Literal["not_visited_today"] = "not_visited_today"
    place: str | None = None
    floor: int | None = None


class RequestPending(Message):
    predicate: Literal["request_pending"] = "request_pending"


class Idle(Message):
    """Nothing else is running; used for 'when idle, explore' style rules."""

    predicate: Literal["idle"] = "idle"


Predicate = Annotated[
    BatteryBelow
    | BatteryAbove
    | TimeBetween
    | PersonInRoom
    | AtPlace
    | NotVisitedToday
    | RequestPending
    | Idle,
    Field(discriminator="predicate"),
]


class Condition(Message):
    """All predicates must hold; machine-checkable against the world state."""

    all_of: list[Predicate] = Field(min_length=1, max_length=6)


class DailyGoal(Message):
    """A 'condition → action' rule made each morning by Sys3."""

    id: str = Field(default_factory=lambda: new_id("dg"))
    day: int = Field(ge=0)
    text: str = Field(min_length=1, max_length=300)
    condition: Condition
    action: SkillCall
    priority: Unit = 0.5
    rationale: str = ""


# --- decisions -------------------------------------------------------------------------------


class CandidateKind(StrEnum):
    REQUEST = "request"
    GOAL = "goal"
    NEED = "need"
    IDLE = "idle"


class CandidateScore(Message):
    kind: CandidateKind
    ref: str | None = None
    label: str
    intrinsic: FiniteFloat = 0.0
    extrinsic: FiniteFloat = 0.0
    total: FiniteFloat = 0.0
    visits: int = Field(default=0, ge=0)


class Decision(Message):
    id: str = Field(default_factory=lambda: new_id("dec"))
    time: Seconds
    chosen: CandidateScore
    plan: Plan
    candidates: list[CandidateScore] = Field(default_factory=list)
    explanation: str = Field(min_length=1)
    source: PlanSource = PlanSource.MCTS


# --- experiences -----------------------------------------------------------------------------


class ExperienceSource(StrEnum):
    SYS1 = "sys1"
    SYS2 = "sys2"
    SYS3 = "sys3"
    USER = "user"
    REFLECTION = "reflection"


class Experience(Message):
    """One episode of episodic memory."""

    MAX_CAPTION_BYTES: ClassVar[int] = 8192

    id: str = Field(default_factory=lambda: new_id("ep"))
    time: Seconds
    day: int = Field(ge=0)
    floor: Level
    room: str = Field(min_length=1, max_length=64)
    pose: Pose
    kind: str = Field(default="event", min_length=1, max_length=32)
    skill: str | None = None
    outcome: str | None = None
    people: list[str] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list)
    caption: str
    importance: Unit = 0.5
    source: ExperienceSource = ExperienceSource.SYS1
    archived: bool = False
    # Links that let the daily reflection tell which goals paid off and how the battery went.
    goal_id: str | None = None
    request_id: str | None = None
    battery: Unit | None = None

    @field_validator("caption")
    @classmethod
    def _caption_size(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("caption is empty")
        if len(v.encode()) > cls.MAX_CAPTION_BYTES:
            raise ValueError(f"caption is {len(v.encode())} bytes, over the 8 KB limit")
        return v

    def meaning(self) -> str:
        """What memory embeds: the caption without the clock stamp the recorder puts first.

        When an episode happened is its metadata, and time questions are answered there; in
        the vector the stamp only adds noise, and without it a happening that recurs at another
        time recurs as the same text, which the embedder's cache serves without a model run.
        """
        return caption_meaning(self.caption, self.time)


def caption_meaning(caption: str, time: float) -> str:
    """``caption`` without a leading ``format_time(time)`` stamp (unchanged if it has none)."""
    rest = caption.removeprefix(f"{format_time(time)}, ")
    return rest if rest.strip() else caption


# --- status and reflection -------------------------------------------------------------------


class AgentStatus(Message):
    time: Seconds
    personality: str
    pose: Pose
    room: str | None = None
    battery: Unit
    charging: bool = False
    current_skill: str | None = None
    current_goal: str | None = None
    plan: Plan | None = None
    decision: str | None = None
    queue: dict[str, int] = Field(default_factory=dict)
    bad_messages: int = Field(default=0, ge=0)


class Insight(Message):
    text: str = Field(min_length=1, max_length=1000)
    episode_ids: list[str] = Field(default_factory=list)


class WeightChange(Message):
    feature: str
    old: FiniteFloat
    new: FiniteFloat
    reason: str = ""


class Reflection(Message):
    """Sys3's end-of-day self-reflection."""

    day: int = Field(ge=0)
    personality: str
    summary: str = Field(min_length=1)
    went_well: list[str] = Field(default_factory=list)
    went_badly: list[str] = Field(default_factory=list)
    insights: list[Insight] = Field(default_factory=list)
    weight_changes: list[WeightChange] = Field(default_factory=list)
    weights_after: dict[str, FiniteFloat] = Field(default_factory=dict)
    tomorrow_goals: list[DailyGoal] = Field(default_factory=list, max_length=5)
    feedback_used: list[str] = Field(default_factory=list)
    source: Literal["offline", "llm"] = "offline"
    created_at: Seconds = 0.0


# --- elevator interface (the robot's side of an elevator: call it, watch it) -----------------


class ElevatorCall(Message):
    """A button press: ``hall`` calls the car to ``floor``, ``car`` asks it to go there."""

    elevator: str = Field(min_length=1, max_length=32)
    floor: Level
    button: Literal["hall", "car"] = "hall"


class ElevatorStatus(Message):
    """What a rider can see of one car: where it is, where it goes, whether doors are open."""

    elevator: str = Field(min_length=1, max_length=32)
    time: Seconds
    floor: Level
    state: str = Field(min_length=1, max_length=32)
    direction: Literal[-1, 0, 1] = 0
    doors_open: bool = False
    hall_calls: list[int] = Field(default_factory=list)
    car_calls: list[int] = Field(default_factory=list)
    load: int = Field(default=0, ge=0)
    capacity: int = Field(default=1, ge=1)
    robot_aboard: bool = False


class StepResult(Message):
    """A skill result of one plan, as Sys1 reports it to Sys2 (the plan id ties them)."""

    plan_id: str = Field(min_length=1)
    result: SkillResult
    refused: bool = Field(default=False, description="the safety guard refused the plan")


MESSAGE_TYPES: dict[str, type[Message]] = {
    m.__name__: m
    for m in (
        Pose,
        Place,
        SkillCall,
        SkillResult,
        Plan,
        UserRequest,
        Goal,
        DailyGoal,
        Decision,
        Experience,
        AgentStatus,
        Reflection,
        ElevatorCall,
        ElevatorStatus,
        StepResult,
    )
}
