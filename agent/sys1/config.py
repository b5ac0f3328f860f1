"""Sys1's settings: control rates, motion limits, perception model, safety margins.

The defaults suit the simulated office in fast mode (control at 5 Hz of simulated time,
long straight stretches coasted in one step); a real robot raises ``control_hz``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.personalities.model import Personality


class _Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ControlConfig(_Cfg):
    control_hz: float = Field(default=5.0, gt=0, le=100)
    coast_max_s: float = Field(default=3.0, ge=0, description="longest step on a straight run")
    cruise_mps: float = Field(default=0.8, gt=0, le=2.0)
    turn_radps: float = Field(default=1.2, gt=0, le=3.0)
    lookahead_m: float = Field(default=0.8, gt=0.1)
    goal_tolerance_m: float = Field(default=0.3, gt=0)
    slow_near_people_m: float = Field(
        default=0.0,
        ge=0,
        description="slow to the guard's near-person speed this much beyond the guard's radius "
        "(the personality's care; 0: the guard alone slows the robot)",
    )
    rotate_in_place_rad: float = Field(default=0.9, gt=0, description="turn first above this")
    stuck_window_s: float = Field(default=6.0, gt=0)
    stuck_progress_m: float = Field(default=0.15, gt=0)
    max_replans: int = Field(default=4, ge=0)
    blocked_ttl_s: float = Field(default=900.0, gt=0, description="forget a blockage after")


class PerceptionConfig(_Cfg):
    mode: Literal["oracle", "camera"] = "oracle"
    period_moving_s: float = Field(default=1.0, gt=0, description="shortest gap between looks")
    period_still_s: float = Field(default=5.0, gt=0, description="longest gap between looks")
    look_every_m: float = Field(default=1.5, gt=0, description="while moving: look this often")
    look_every_rad: float = Field(default=0.5, gt=0, description="while turning: this often")
    fov_deg: float = Field(default=75.0, gt=10, lt=360)
    range_m: float = Field(default=5.0, gt=0.5)
    miss_base: float = Field(default=0.02, ge=0, le=1)
    miss_at_range: float = Field(default=0.1, ge=0, le=1)
    noise_base_m: float = Field(default=0.03, ge=0)
    noise_per_m: float = Field(default=0.02, ge=0)
    person_near_m: float = Field(default=2.5, gt=0, description="close enough to talk")
    person_moved_m: float = Field(default=3.0, gt=0, description="a change worth recording")
    person_note_s: float = Field(
        default=600.0, gt=0, description="a person still in view is recorded again after this"
    )
    object_moved_m: float = Field(default=0.7, gt=0)
    camera_width_px: int = Field(default=640, ge=16, description="for the oracle's readability")
    camera_height_px: int = Field(default=480, ge=16)
    camera_mount_m: float = Field(default=0.5, gt=0)
    min_marker_px: float = Field(default=22.0, gt=0, description="smallest readable marker side")
    panel_marker_height_m: float = Field(default=1.2, gt=0)
    panel_marker_size_m: float = Field(default=0.25, gt=0, description="call panel markers")
    object_marker_size_m: float = Field(default=0.25, gt=0, description="markers not on the map")
    visit_cell_m: float = Field(default=1.0, gt=0.2)
    seen_radius_m: float = Field(default=3.0, gt=0)


class SafetyConfig(_Cfg):
    battery_reserve: float = Field(default=0.15, ge=0, le=0.9)
    battery_check_s: float = Field(default=10.0, gt=0)
    near_person_m: float = Field(default=1.2, gt=0)
    near_person_mps: float = Field(default=0.4, gt=0)
    forbidden_horizon_s: float = Field(default=0.6, gt=0)
    robot_radius_m: float = Field(default=0.3, gt=0)
    moving_w: float = Field(
        default=160.0, gt=0, description="draw while walking (for the reserve)"
    )


class SkillConfig(_Cfg):
    elevator_wait_timeout_s: float = Field(default=180.0, gt=0)
    elevator_ride_timeout_s: float = Field(default=120.0, gt=0)
    elevator_out_of_service_s: float = Field(default=1800.0, gt=0)
    charge_target: float = Field(default=0.95, gt=0, le=1)
    charge_poll_s: float = Field(default=300.0, gt=0)
    explore_waypoints: int = Field(default=4, ge=1)
    patrol_look_s: float = Field(default=4.0, ge=0)
    look_turn_radps: float = Field(default=0.8, gt=0)
    speak_s_per_char: float = Field(default=0.07, gt=0)
    follow_default_s: float = Field(default=120.0, gt=0)
    follow_distance_m: float = Field(default=1.8, gt=0)
    approach_distance_m: float = Field(default=2.0, gt=0, description="to read a badge")
    person_recent_s: float = Field(default=600.0, gt=0)
    lost_person_s: float = Field(default=30.0, gt=0)
    guide_arrive_m: float = Field(default=3.0, gt=0)
    rest_default_s: float = Field(default=900.0, gt=0)


class LivelockConfig(_Cfg):
    """When the same return (floor change or blocked spot) means going round in circles."""

    returns: int = Field(default=6, ge=2, description="the same return this many times ...")
    window_s: float = Field(default=1800.0, gt=0, description="... within this much sim time")
    spot_m: float = Field(default=3.0, gt=0, description="returns this close are the same spot")


class Sys1Config(_Cfg):
    control: ControlConfig = ControlConfig()
    perception: PerceptionConfig = PerceptionConfig()
    safety: SafetyConfig = SafetyConfig()
    skills: SkillConfig = SkillConfig()
    livelock: LivelockConfig = LivelockConfig()
    seed: int = 0


def control_for(personality: Personality, **fields: Any) -> ControlConfig:
    """Sys1's control as ``personality`` drives (its care near people), with ``fields``."""
    return ControlConfig(slow_near_people_m=personality.slow_near_people_m, **fields)
