"""What every launch file builds the same way: its arguments and PEPA's nodes.

Only a ROS install has ``launch`` and ``launch_ros``; the launch files import this module
there. Arguments come from :mod:`pepa_ros.launch_arguments`; a node gets the agent's
configuration (personality, data directory, LLM engines) and ``use_sim_time`` from the
launch arguments of the same names, plus what the launch file gives it. The agent's nodes are
managed (lifecycle) nodes: each starts unconfigured (``autostart:=false``), the launch
configures it and, once it is inactive, activates it.
"""

from __future__ import annotations

from typing import Any

from launch.action import Action
from launch.actions import DeclareLaunchArgument, EmitEvent, GroupAction, RegisterEventHandler
from launch.condition import Condition
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from launch_ros.parameter_descriptions import ParameterValue
from lifecycle_msgs.msg import Transition

from pepa_ros.launch_arguments import AGENT_ARGUMENTS, ARGUMENTS

_TYPES = {"str": str, "bool": bool, "int": int, "float": float}


def declare(*names: str, **defaults: str) -> list[DeclareLaunchArgument]:
    """Declare ``names``; ``defaults`` change the default of some of them for this file."""
    unknown = [n for n in names if n not in ARGUMENTS]
    if unknown:
        raise ValueError(f"unknown launch arguments {unknown} (see pepa_ros.launch_arguments)")
    undeclared = sorted(set(defaults) - set(names))
    if undeclared:
        raise ValueError(f"defaults given for arguments not declared here: {undeclared}")
    return [
        DeclareLaunchArgument(
            name,
            default_value=defaults.get(name, ARGUMENTS[name].default),
            description=ARGUMENTS[name].description,
        )
        for name in names
    ]


def argument(name: str) -> ParameterValue:
    """The launch argument ``name`` as a parameter value of its own type."""
    return ParameterValue(LaunchConfiguration(name), value_type=_TYPES[ARGUMENTS[name].value_type])


def node(
    executable: str,
    name: str,
    *,
    agent: bool = True,
    condition: Condition | None = None,
    **parameters: Any,
) -> Action:
    """A pepa_ros node; with ``agent`` it also gets the agent's configuration and is brought up
    through its lifecycle (configure, then activate once inactive)."""
    if not agent:
        return Node(
            package="pepa_ros",
            executable=executable,
            name=name,
            output="screen",
            condition=condition,
            parameters=[parameters],
        )
    values: dict[str, Any] = {n: argument(n) for n in (*AGENT_ARGUMENTS, "use_sim_time")}
    values.update(parameters)
    values["autostart"] = False  # the transitions below bring it up
    managed = LifecycleNode(
        package="pepa_ros",
        executable=executable,
        name=name,
        namespace="",
        output="screen",
        parameters=[values],
    )

    def transition(transition_id: int) -> EmitEvent:
        return EmitEvent(
            event=ChangeState(
                lifecycle_node_matcher=matches_action(managed), transition_id=transition_id
            )
        )

    activate_when_configured = RegisterEventHandler(
        OnStateTransition(
            target_lifecycle_node=managed,
            start_state="configuring",
            goal_state="inactive",
            entities=[transition(Transition.TRANSITION_ACTIVATE)],
        )
    )
    return GroupAction(
        [managed, activate_when_configured, transition(Transition.TRANSITION_CONFIGURE)],
        condition=condition,
        scoped=False,
    )
