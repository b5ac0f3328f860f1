"""The launch files' arguments, made from the nodes' own parameter specifications.

An argument that sets a node parameter takes its default and description from that
parameter's :class:`~pepa_ros.params.ParamSpec`, so the launch files, the nodes and
docs/interfaces.md cannot disagree. The few arguments that only steer the launch itself
(``use_sim_time``, ``record``, ``record_file``) are specified here. Plain data: the tests
read it without ``launch`` installed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from pepa_ros import params

ValueType = Literal["str", "bool", "int", "float"]


class LaunchArgument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    default: str
    description: str
    value_type: ValueType


def from_spec(spec: params.ParamSpec) -> LaunchArgument:
    value = spec.default
    return LaunchArgument(
        name=spec.name,
        default=str(value).lower() if isinstance(value, bool) else str(value),
        description=spec.description,
        value_type=type(value).__name__,
    )


def _spec(parameters: tuple[params.ParamSpec, ...], name: str) -> params.ParamSpec:
    return next(p for p in parameters if p.name == name)


AGENT_ARGUMENTS: tuple[str, ...] = tuple(
    s.name for s in (params.PERSONALITY, params.DATA_DIR, *params.LLM_PARAMETERS)
)
"""The agent's configuration: every PEPA node but the simulator takes these parameters."""

ARGUMENTS: dict[str, LaunchArgument] = {
    a.name: a
    for a in (
        *(
            from_spec(s)
            for s in (
                params.PERSONALITY,
                params.DATA_DIR,
                *params.LLM_PARAMETERS,
                params.SPEED,
                params.SEED,
                params.BUILDING,
                _spec(params.SYS1_PARAMETERS, "control_rate_hz"),
                _spec(params.SIM_PARAMETERS, "camera_rate_hz"),
                _spec(params.SYS1_PARAMETERS, "robot"),
                _spec(params.CONSOLE_PARAMETERS, "console_host"),
                _spec(params.CONSOLE_PARAMETERS, "console_port"),
            )
        ),
        LaunchArgument(
            name="use_sim_time",
            default="false",
            description="the nodes follow /clock (the simulator's or Gazebo's)",
            value_type="bool",
        ),
        LaunchArgument(
            name="record",
            default="false",
            description="record every topic into an MCAP file (the robot's black box)",
            value_type="bool",
        ),
        LaunchArgument(
            name="record_file",
            default="",
            description="MCAP file; empty: <data_dir>/recordings/<time>.mcap",
            value_type="str",
        ),
        LaunchArgument(
            name="world_dir",
            default="gazebo_world",
            description="directory written by `pepa sim export-gazebo` (world, robot, bridge "
            "configuration and the building it was made from)",
            value_type="str",
        ),
    )
}
"""Every argument a launch file may declare, by name."""
