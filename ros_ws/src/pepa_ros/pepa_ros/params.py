"""Every ROS parameter of the PEPA nodes: declared with a descriptor, validated, explained.

A parameter is declared with its description and range so ``ros2 param describe`` tells an
operator what it means; values are checked once at start (a node with a bad value refuses to
start, naming the parameter and the reason) and on every change at run time through an
on-set-parameters callback, so a bad ``ros2 param set`` gets its reason back instead of
silently breaking a running robot.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from pepa.personalities import loader as personality_loader

if TYPE_CHECKING:
    from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
    from rclpy.node import Node
    from rclpy.parameter import Parameter

log = logging.getLogger(__name__)

ParamValue = bool | int | float | str | list[str]
Check = Callable[[Any], str | None]
"""Returns None when the value is fine, else the reason it is not."""


class ParameterError(ValueError):
    """A parameter value a node refuses; the text names node, parameter, value and reason."""


class ParamSpec(BaseModel):
    """One parameter: name, default (which fixes its type), meaning and constraints."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str
    default: ParamValue
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    read_only: bool = False
    check: Check | None = None
    constraints: str = ""

    def descriptor(self) -> ParameterDescriptor:
        from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

        desc = ParameterDescriptor(
            name=self.name,
            description=self.description,
            read_only=self.read_only,
            additional_constraints=self.constraint_text(),
        )
        if self.minimum is not None and self.maximum is not None:
            if isinstance(self.default, bool):
                pass
            elif isinstance(self.default, int):
                desc.integer_range = [
                    IntegerRange(from_value=int(self.minimum), to_value=int(self.maximum), step=0)
                ]
            elif isinstance(self.default, float):
                desc.floating_point_range = [
                    FloatingPointRange(
                        from_value=float(self.minimum), to_value=float(self.maximum), step=0.0
                    )
                ]
        return desc

    def constraint_text(self) -> str:
        parts = []
        if self.minimum is not None or self.maximum is not None:
            whole = isinstance(self.default, int) and not isinstance(self.default, bool)
            lo, hi = (
                (int(v) if whole and v is not None else v) for v in (self.minimum, self.maximum)
            )
            parts.append(f"in [{lo}, {hi}]")
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        if self.constraints:
            parts.append(self.constraints)
        if self.read_only:
            parts.append("fixed after start")
        return "; ".join(parts)

    def type_name(self) -> str:
        if isinstance(self.default, list):
            return "string[]"
        return {bool: "bool", int: "int", float: "double", str: "string"}[type(self.default)]

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None."""
        want = type(self.default)
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            return f"expected {self.type_name()}, got {type(value).__name__}"
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            return "expected a list of strings"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return f"{value} is below the minimum {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"{value} is above the maximum {self.maximum}"
        if self.choices and value not in self.choices:
            return f"{value!r} is not one of {', '.join(self.choices)}"
        return self.check(value) if self.check else None


# --- checks ----------------------------------------------------------------------------------


def _writable_dir(value: str) -> str | None:
    if not value.strip():
        return "the data directory must not be empty"
    path = Path(value).expanduser()
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"{existing} exists and is not a directory"
    if not os.access(existing, os.W_OK):
        return f"{existing} is not writable"
    return None


def _known_personality(value: str) -> str | None:
    from pepa.personalities.loader import PersonalityError, load

    try:
        load(value)
    except PersonalityError as exc:
        return str(exc)
    return None


def _url_or_empty(value: str) -> str | None:
    if value and not re.match(r"^https?://[^\s/]+", value):
        return f"{value!r} is not an http(s) URL"
    return None


def _mcap_path_or_empty(value: str) -> str | None:
    if value and not value.endswith(".mcap"):
        return f"{value!r} does not end in .mcap"
    if value:
        return _writable_dir(str(Path(value).expanduser().resolve().parent))
    return None


def _regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"{value!r} is not a regular expression ({exc})"
    return None


LLM_BACKENDS: tuple[str, ...] = ("offline", "openai", "local")


def _llm_specs(system: str) -> list[ParamSpec]:
    return [
        ParamSpec(
            name=f"{system}_llm_backend",
            default="offline",
            choices=LLM_BACKENDS,
            read_only=True,
            description=f"{system.capitalize()}'s engine: offline (no LLM), openai "
            "(any OpenAI-compatible server) or local (the bundled llama.cpp server)",
        ),
        ParamSpec(
            name=f"{system}_llm_model",
            default="",
            read_only=True,
            description=f"model name {system.capitalize()} sends to its LLM server",
            constraints="required when the backend is openai",
        ),
        ParamSpec(
            name=f"{system}_llm_base_url",
            default="",
            read_only=True,
            check=_url_or_empty,
            description=f"OpenAI-compatible endpoint (ending in /v1) for {system.capitalize()}",
        ),
    ]


# --- the parameter sets ----------------------------------------------------------------------

SPEED = ParamSpec(
    name="speed",
    default=1.0,
    minimum=0.01,
    maximum=1000.0,
    description="simulated seconds per wall-clock second",
)

SEED = ParamSpec(
    name="seed",
    default=1,
    minimum=0,
    maximum=2**31 - 1,
    read_only=True,
    description="seed of the simulation's random generators (same seed, same day)",
)

BUILDING = ParamSpec(
    name="building",
    default="",
    read_only=True,
    description="building description file; empty: the built-in office",
)

SIM_PARAMETERS: tuple[ParamSpec, ...] = (
    SPEED,
    SEED,
    ParamSpec(
        name="start_hour",
        default=8.0,
        minimum=0.0,
        maximum=24.0,
        read_only=True,
        description="time of day (hours) at which the simulation's first day starts",
    ),
    ParamSpec(
        name="start_day",
        default=0,
        minimum=0,
        maximum=100_000,
        read_only=True,
        description="the simulated day the run starts on (after a warm-up, or to continue)",
    ),
    BUILDING,
    ParamSpec(
        name="step_hz",
        default=50.0,
        minimum=5.0,
        maximum=1000.0,
        read_only=True,
        description="rate of the simulation loop (wall clock)",
    ),
    ParamSpec(
        name="odom_rate_hz",
        default=50.0,
        minimum=1.0,
        maximum=1000.0,
        read_only=True,
        description="rate of /odom (capped by step_hz)",
    ),
    ParamSpec(
        name="camera_rate_hz",
        default=5.0,
        minimum=0.0,
        maximum=60.0,
        description="rate of /camera/image_raw (wall clock); 0 disables the camera",
    ),
    ParamSpec(
        name="camera_width",
        default=640,
        minimum=16,
        maximum=1920,
        read_only=True,
        description="camera image width in pixels",
    ),
    ParamSpec(
        name="camera_height",
        default=480,
        minimum=16,
        maximum=1080,
        read_only=True,
        description="camera image height in pixels",
    ),
    ParamSpec(
        name="battery_rate_hz",
        default=1.0,
        minimum=0.1,
        maximum=100.0,
        read_only=True,
        description="rate of /battery_state",
    ),
    ParamSpec(
        name="clock_rate_hz",
        default=100.0,
        minimum=1.0,
        maximum=1000.0,
        read_only=True,
        description="rate of /clock (wall clock)",
    ),
    ParamSpec(
        name="cmd_vel_timeout_s",
        default=0.5,
        minimum=0.0,
        maximum=60.0,
        description="stop the robot when no /cmd_vel arrived for this long (wall clock); "
        "0 disables the watchdog",
    ),
    ParamSpec(
        name="odom_frame",
        default="odom",
        read_only=True,
        check=lambda v: _frame_id(v),
        description="frame of the odometry (REP-105)",
    ),
    ParamSpec(
        name="base_frame",
        default="base_link",
        read_only=True,
        check=lambda v: _frame_id(v),
        description="frame of the robot body (REP-105)",
    ),
)


def _frame_id(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_/]*", value):
        return f"{value!r} is not a valid frame id"
    return None


def _sim_parameter(name: str) -> ParamSpec:
    return next(p for p in SIM_PARAMETERS if p.name == name)


GAZEBO_ELEVATOR_PARAMETERS: tuple[ParamSpec, ...] = (
    BUILDING,
    ParamSpec(
        name="rate_hz",
        default=20.0,
        minimum=1.0,
        maximum=200.0,
        read_only=True,
        description="rate of the elevator joint targets sent to Gazebo (simulated time)",
    ),
)

GAZEBO_BATTERY_PARAMETERS: tuple[ParamSpec, ...] = (
    BUILDING,
    _sim_parameter("battery_rate_hz"),
    _sim_parameter("base_frame"),
)


DATA_DIR = ParamSpec(
    name="data_dir",
    default="data",
    read_only=True,
    check=_writable_dir,
    description="directory holding memory, goals, reward weights, requests, reflections "
    "and recordings",
)

PERSONALITY = ParamSpec(
    name="personality",
    default=personality_loader.DEFAULT,
    read_only=True,
    check=_known_personality,
    description="personality prototype (Lazy, Playful, Cautious, Working, Curious) or a "
    "user personality's name or YAML file",
)

LLM_PARAMETERS: tuple[ParamSpec, ...] = (*_llm_specs("sys2"), *_llm_specs("sys3"))

AUTOSTART = ParamSpec(
    name="autostart",
    default=True,
    read_only=True,
    description="configure and activate the (lifecycle) node at start; false: it waits "
    "unconfigured for ~/change_state, as the launch files drive it",
)

AGENT_PARAMETERS: tuple[ParamSpec, ...] = (
    PERSONALITY,
    DATA_DIR,
    *LLM_PARAMETERS,
    BUILDING,
    SEED,
    AUTOSTART,
)

SYS1_PARAMETERS: tuple[ParamSpec, ...] = (
    *AGENT_PARAMETERS,
    SPEED,
    ParamSpec(
        name="control_rate_hz",
        default=20.0,
        minimum=1.0,
        maximum=100.0,
        read_only=True,
        description="rate of Sys1's control loop in simulated time (the wall-clock rate is "
        "this times speed), so a sped-up simulation does not coarsen control",
    ),
    ParamSpec(
        name="robot",
        default="sim_office",
        choices=("sim_office", "generic"),
        read_only=True,
        description="robot adapter: the simulated office (with elevators) or any ROS robot",
    ),
    ParamSpec(
        name="perception",
        default="camera",
        choices=("camera",),
        read_only=True,
        description="Sys1's perception: ArUco markers on the camera frames",
    ),
    ParamSpec(
        name="navigation",
        default="pepa",
        choices=("pepa", "nav2"),
        read_only=True,
        description="who drives same-floor legs: Sys1's own path following, or Nav2's "
        "navigate_to_pose action (floors, stairs and elevators stay Sys1's)",
    ),
    ParamSpec(
        name="nav2_action",
        default="navigate_to_pose",
        read_only=True,
        description="Nav2's NavigateToPose action (with navigation:=nav2)",
    ),
)

SYS2_PARAMETERS: tuple[ParamSpec, ...] = (
    *AGENT_PARAMETERS,
    ParamSpec(
        name="decide_rate_hz",
        default=4.0,
        minimum=0.1,
        maximum=50.0,
        read_only=True,
        description="how often Sys2 checks whether to decide (wall clock)",
    ),
    ParamSpec(
        name="day_start_hour",
        default=8.0,
        minimum=0.0,
        maximum=24.0,
        read_only=True,
        description="the robot's day begins: Sys2 takes new work from this hour",
    ),
    ParamSpec(
        name="bedtime_hour",
        default=23.0,
        minimum=0.0,
        maximum=24.0,
        read_only=True,
        description="from this hour until day_start_hour no new work: the robot docks",
    ),
)

SYS3_PARAMETERS: tuple[ParamSpec, ...] = AGENT_PARAMETERS

CONSOLE_PARAMETERS: tuple[ParamSpec, ...] = (
    *AGENT_PARAMETERS,
    SPEED,
    ParamSpec(
        name="console_host",
        default="127.0.0.1",
        read_only=True,
        check=lambda v: None if v.strip() else "the console host must not be empty",
        description="address the web console listens on (off loopback a token is required)",
    ),
    ParamSpec(
        name="console_port",
        default=8080,
        minimum=0,
        maximum=65535,
        read_only=True,
        description="port of the web console; 0: any free port",
    ),
)

RECORDER_PARAMETERS: tuple[ParamSpec, ...] = (
    DATA_DIR,
    PERSONALITY,
    *LLM_PARAMETERS,
    ParamSpec(
        name="output",
        default="",
        read_only=True,
        check=_mcap_path_or_empty,
        description="MCAP file to write; empty: <data_dir>/recordings/<time>.mcap",
        constraints="ends in .mcap",
    ),
    ParamSpec(
        name="include",
        default=".*",
        read_only=True,
        check=_regex,
        description="regular expression: topics to record (matched against the full name)",
    ),
    ParamSpec(
        name="exclude",
        default="",
        read_only=True,
        check=_regex,
        description="regular expression: topics not to record; empty: none excluded",
    ),
    ParamSpec(
        name="discovery_period_s",
        default=0.5,
        minimum=0.05,
        maximum=60.0,
        read_only=True,
        description="how often the recorder looks for new topics",
    ),
)


def llm_problem(values: Mapping[str, Any], system: str) -> str | None:
    """Cross-field check of one system's LLM settings, by the LLM client's own settings model."""
    from pepa.agent.llm.settings import LLMSettings

    fields = {
        "backend": values.get(f"{system}_llm_backend", "offline"),
        "model": values.get(f"{system}_llm_model") or None,
        "base_url": values.get(f"{system}_llm_base_url") or None,
    }
    try:
        LLMSettings.model_validate(fields)
    except ValidationError as exc:
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return None


def problems(specs: Iterable[ParamSpec], values: Mapping[str, Any]) -> dict[str, str]:
    """Every parameter whose value is refused, with the reason."""
    found: dict[str, str] = {}
    for spec in specs:
        if spec.name in values:
            reason = spec.problem(values[spec.name])
            if reason:
                found[spec.name] = reason
    for system in ("sys2", "sys3"):
        if f"{system}_llm_backend" in values:
            reason = llm_problem(values, system)
            if reason:
                found[f"{system}_llm_backend"] = reason
    return found


def declare(node: Node, specs: Sequence[ParamSpec]) -> dict[str, Any]:
    """Declare ``specs`` on ``node``, check the start values, guard every later change.

    Raises :class:`ParameterError` when a start value is refused, so a misconfigured node
    never starts.
    """
    from rclpy.exceptions import InvalidParameterValueException

    for spec in specs:
        try:
            node.declare_parameter(spec.name, spec.default, spec.descriptor())
        except InvalidParameterValueException as exc:
            raise ParameterError(f"node {node.get_name()}: parameter {spec.name}: {exc}") from None
    values = {spec.name: node.get_parameter(spec.name).value for spec in specs}
    bad = problems(specs, values)
    if bad:
        text = "; ".join(f"{name}={values[name]!r}: {why}" for name, why in bad.items())
        raise ParameterError(f"node {node.get_name()}: invalid parameters: {text}")
    by_name = {spec.name: spec for spec in specs}

    def on_set(params: list[Parameter[Any]]) -> SetParametersResult:
        from rcl_interfaces.msg import SetParametersResult

        update = {
            **{n: node.get_parameter(n).value for n in by_name},
            **{p.name: p.value for p in params if p.name in by_name},
        }
        changed = {p.name for p in params if p.name in by_name}
        bad_now = {n: why for n, why in problems(specs, update).items() if n in changed}
        if bad_now:
            reason = "; ".join(f"{n}={update[n]!r}: {why}" for n, why in bad_now.items())
            log.warning("node %s refused parameters: %s", node.get_name(), reason)
            return SetParametersResult(successful=False, reason=reason)
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(on_set)
    return values


def overrides(values: Mapping[str, ParamValue]) -> list[Parameter[Any]]:
    """Parameter overrides for a node built in-process (the composed stack)."""
    from rclpy.parameter import Parameter

    return [Parameter(name, value=value) for name, value in values.items()]


def defaults(specs: Iterable[ParamSpec]) -> dict[str, ParamValue]:
    return {spec.name: spec.default for spec in specs}
