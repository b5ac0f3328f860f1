"""Sys2's settings: search budget, world-model constants and reward scales, validated once."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pepa.messages import UserRequest


class RobotModel(BaseModel):
    """The robot's motion and energy figures the world model predicts with.

    Defaults describe a small quadruped; the runtime sets them from the robot (or simulator)
    so that predicted battery use matches what the battery really does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    speed_mps: float = Field(default=0.8, gt=0)
    detour_factor: float = Field(default=1.35, ge=1.0, description="path length / straight line")
    battery_wh: float = Field(default=430.0, gt=0)
    idle_w: float = Field(default=35.0, ge=0, description="standing with sensors on")
    move_w: float = Field(default=107.0, ge=0, description="walking at the nominal speed")
    express_w: float = Field(default=110.0, ge=0)
    rest_w: float = Field(default=20.0, ge=0, description="lying down, sensors idle")
    charge_w: float = Field(default=180.0, gt=0)
    elevator_wait_s: float = Field(default=25.0, ge=0, description="mean wait for a car")
    elevator_overhead_s: float = Field(default=20.0, ge=0, description="panel, doors, boarding")


class SearchSettings(BaseModel):
    """The Monte-Carlo tree search budget: small, so a decision takes a few milliseconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    iterations: int = Field(default=64, ge=1, le=100_000)
    max_depth: int = Field(default=3, ge=1, le=12)
    rollout_steps: int = Field(default=3, ge=0, le=32, description="random options after the tree")
    horizon_s: float = Field(default=1800.0, gt=0, description="simulated look-ahead")
    exploration: float = Field(default=0.9, ge=0)
    prior_weight: float = Field(default=0.5, ge=0, description="weight of LLM priors (PUCT)")


class RewardScales(BaseModel):
    """How intrinsic rates, extrinsic request value and penalties are put on one scale."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rate_period_s: float = Field(
        default=600.0, gt=0, description="intrinsic features are goods per this many seconds"
    )
    extrinsic_weight: float = Field(default=2.0, ge=0)
    priority_value: dict[str, float] = Field(
        default_factory=lambda: {"low": 0.4, "normal": 0.7, "urgent": 1.0}
    )
    urgency_tau_s: dict[str, float] = Field(
        default_factory=lambda: {"low": 4 * 3600.0, "normal": 3600.0, "urgent": 600.0},
        description="extrinsic value halves roughly every 0.7 tau of delay",
    )
    late_factor: float = Field(default=0.3, ge=0, le=1, description="value kept past a deadline")
    deferred_factor: float = Field(default=0.35, ge=0, le=1)
    goal_bonus: float = Field(default=0.8, ge=0, description="times a daily goal's priority")
    reserve_penalty: float = Field(default=3.0, ge=0)
    stranded_penalty: float = Field(default=8.0, ge=0)


class Sys2Config(BaseModel):
    """Everything Sys2 can be tuned by, with defaults that run a day in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seed: int = 0
    robot: RobotModel = RobotModel()
    search: SearchSettings = SearchSettings()
    reward: RewardScales = RewardScales()
    battery_reserve: float = Field(default=0.2, ge=0.0, le=0.9)
    critical_battery: float = Field(default=0.05, ge=0.0, le=0.5)
    charge_need_margin: float = Field(
        default=0.12, ge=0, le=0.5, description="offer charging this far above the reserve"
    )
    top_up_share: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="offer a top-up below the reserve plus this share of the span above it",
    )
    max_replans: int = Field(default=2, ge=0, le=10)
    max_parse_chars: int = Field(default=500, ge=20, le=UserRequest.MAX_TEXT)
    idle_rest_s: float = Field(default=600.0, gt=0)
    explore_s: float = Field(default=600.0, gt=0)
    express_s: float = Field(default=30.0, gt=0)
    social_s: float = Field(default=90.0, gt=0)
    patrol_period_s: float = Field(
        default=7200.0, gt=0, description="a room unchecked this long is fully due a round"
    )
    patrol_duty: float = Field(
        default=0.6, ge=0, le=1, description="task value of a round when every room is due"
    )
    use_llm_parser: bool = True
    use_llm_proposals: bool = True
