"""The personality schema: what a personality file may say, and the checks it must pass.

A personality is data, not code: its Big Five vector, the weights of its intrinsic reward (and
how far self-reflection may move them), the skills it likes, and how it treats requests. Every
model forbids unknown fields so a typo in a user's file is an error, not a silent default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pepa.knowledge import SKILLS
from pepa.messages import RequestPriority
from pepa.reward_features import FEATURES, Feature

Score = Annotated[float, Field(allow_inf_nan=False)]

TRAITS: tuple[str, ...] = (
    "openness",
    "conscientiousness",
    "extraversion",
    "agreeableness",
    "neuroticism",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _in_unit(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} {value} is outside the range 0..1")
    return value


class BigFive(_Strict):
    """The five trait scores, each 0..1; all five are required."""

    openness: Score
    conscientiousness: Score
    extraversion: Score
    agreeableness: Score
    neuroticism: Score

    @field_validator("*")
    @classmethod
    def _unit(cls, v: float, info: ValidationInfo) -> float:
        return _in_unit(f"trait {info.field_name}", v)

    def vector(self) -> list[float]:
        return [getattr(self, t) for t in TRAITS]


class WeightSpec(_Strict):
    """A reward weight and the band within which self-reflection may move it."""

    weight: Score
    min: Score
    max: Score

    @model_validator(mode="after")
    def _consistent(self) -> WeightSpec:
        for name, value in (("weight", self.weight), ("min", self.min), ("max", self.max)):
            _in_unit(name, value)
        if self.min > self.max:
            raise ValueError(f"bounds are inverted: min {self.min} > max {self.max}")
        if self.weight < self.min:
            raise ValueError(f"bound min {self.min} excludes the weight {self.weight}")
        if self.weight > self.max:
            raise ValueError(f"bound max {self.max} excludes the weight {self.weight}")
        return self

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))


class RewardSpec(RootModel[dict[Feature, WeightSpec]]):
    """One weight per intrinsic-reward feature; every feature must be given."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _complete(self) -> RewardSpec:
        missing = [f for f in FEATURES if f not in self.root]
        if missing:
            raise ValueError(f"missing feature(s) {', '.join(missing)}")
        return self

    def spec(self, feature: str) -> WeightSpec:
        for f in FEATURES:
            if f == feature:
                return self.root[f]
        raise KeyError(f"unknown reward feature {feature!r}; known: {', '.join(FEATURES)}")

    def weights(self) -> dict[str, float]:
        return {f: self.root[f].weight for f in FEATURES}


class RequestPolicyKind(StrEnum):
    ACCEPT_ALL = "accept_all"
    DEFER_NON_URGENT = "defer_non_urgent"
    ACCEPT_WHEN_IDLE = "accept_when_idle"
    ACCEPT_IF_SAFE = "accept_if_safe"


_PRIORITY_RANK = {RequestPriority.LOW: 0, RequestPriority.NORMAL: 1, RequestPriority.URGENT: 2}

RequestVerdict = Literal["accept", "defer", "decline"]


class RequestPolicy(_Strict):
    """How the personality treats a user request; Sys2 asks :meth:`verdict` on arrival."""

    policy: RequestPolicyKind
    max_queue: int = Field(default=10, ge=1, le=100)
    urgency_threshold: RequestPriority = RequestPriority.NORMAL
    defer_max_s: float = Field(default=3600.0, ge=0.0, le=86_400.0)
    min_battery: float = Field(default=0.0, ge=0.0, le=1.0)

    def verdict(
        self, priority: RequestPriority, queue_len: int, battery: float, busy: bool
    ) -> tuple[RequestVerdict, str]:
        """Accept, defer or decline a request, with a reason a person can read."""
        urgent = priority == RequestPriority.URGENT
        if queue_len >= self.max_queue and not urgent:
            return "decline", f"queue is full ({queue_len} of {self.max_queue})"
        important = _PRIORITY_RANK[priority] >= _PRIORITY_RANK[self.urgency_threshold]
        match self.policy:
            case RequestPolicyKind.ACCEPT_ALL:
                return "accept", "accepts every request it can"
            case RequestPolicyKind.DEFER_NON_URGENT:
                if important:
                    return "accept", f"priority {priority} reaches {self.urgency_threshold}"
                return "defer", f"priority {priority} is below {self.urgency_threshold}"
            case RequestPolicyKind.ACCEPT_WHEN_IDLE:
                if busy and not important:
                    return "defer", "busy with its own goal; will take it when idle"
                return "accept", "idle or important enough"
            case RequestPolicyKind.ACCEPT_IF_SAFE:
                if battery < self.min_battery and not urgent:
                    return "defer", f"battery {battery:.0%} below {self.min_battery:.0%}"
                return "accept", "safe to accept"
        raise AssertionError(self.policy)


class Personality(_Strict):
    """One personality file."""

    name: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    description: str = Field(min_length=20, max_length=3000)
    big_five: BigFive
    reward: RewardSpec
    preferred_skills: list[str] = Field(default_factory=list, max_length=len(SKILLS))
    requests: RequestPolicy
    battery_reserve: float = Field(ge=0.05, le=0.9)
    home_place_kind: str = Field(min_length=1, max_length=32)
    slow_near_people_m: float = Field(
        default=0.0,
        ge=0.0,
        le=5.0,
        description="how much sooner than the safety guard it slows to walking pace near a "
        "person (0: it leaves that to the guard)",
    )

    @field_validator("preferred_skills")
    @classmethod
    def _known_skills(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in SKILLS]
        if unknown:
            raise ValueError(f"unknown skill(s) {', '.join(map(repr, unknown))}")
        return v

    def weights(self) -> dict[str, float]:
        return self.reward.weights()

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {f: (self.reward.spec(f).min, self.reward.spec(f).max) for f in FEATURES}
