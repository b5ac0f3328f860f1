"""The nodes PEPA can run, by name: the one place a new node is made known.

An entry names a module and a factory ``create(context, parameters) -> Node``; nothing is
imported until the node is built, so listing the registry (``pepa --help``) never loads
rclpy. Other packages add nodes without editing this file through the ``pepa_ros.nodes``
entry-point group (``name = "package.module:create"``), or at run time with :func:`register`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from rclpy.context import Context
    from rclpy.node import Node

NodeFactory = Callable[["Context", dict[str, Any]], "Node"]
ENTRY_POINT_GROUP = "pepa_ros.nodes"


class UnknownNodeError(ValueError):
    """A node name the registry does not know; the text lists the known ones."""


class NodeEntry(BaseModel):
    """A runnable node: where its factory lives and what it is for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    target: str = Field(pattern=r"^[\w.]+:\w+$", description="'module:factory'")
    summary: str = ""
    nice: int = Field(
        default=0,
        ge=-20,
        le=19,
        description="CPU niceness of the node's own process: background work yields the cores "
        "(> 0); the robot's real-time side takes them first (< 0, where the OS allows it)",
    )
    threads: int = Field(
        default=2,
        ge=1,
        le=16,
        description="executor threads of the node: 1 (a single-threaded executor, far cheaper "
        "per message in rclpy) when its callbacks never need to run side by side",
    )

    def factory(self) -> NodeFactory:
        module, attr = self.target.split(":")
        factory: NodeFactory = getattr(importlib.import_module(module), attr)
        return factory


ROBOT_NICE = -5
"""The robot side's priority: as on a real robot, the control loop (and here the simulated
hardware) are served before deliberation when the cores are short. Raising priority needs
privileges (root or CAP_SYS_NICE); without them these nodes run at the normal priority."""

_BUILTIN: tuple[NodeEntry, ...] = (
    NodeEntry(
        name="sim",
        target="pepa_ros.sim_node:create",
        summary="the simulated office: robot, camera, battery, elevators, clock",
        nice=ROBOT_NICE,  # it is the robot's hardware: odometry must not wait for cognition
        threads=2,  # the loop and the camera's rendering run side by side
    ),
    NodeEntry(
        name="sys1",
        target="pepa_ros.sys1_node:create",
        summary="Sys1: skills, perception, safety guard and recording on a 20 Hz loop",
        nice=ROBOT_NICE,  # its control loop keeps its deadlines while Sys2 and Sys3 think
        threads=1,  # one callback group; route searches run on its planner's own thread
    ),
    NodeEntry(
        name="sys2",
        target="pepa_ros.sys2_node:create",
        summary="Sys2: requests, arbitration, planning and re-planning; the agent's status",
        threads=1,
    ),
    NodeEntry(
        name="sys3",
        target="pepa_ros.sys3_node:create",
        summary="Sys3 and episodic memory: goals, daily reflection, memory queries",
        # Minutes-to-a-day work (embedding episodes takes seconds of both cores): it must
        # never take the CPU from Sys1's 20 Hz loop or the simulator.
        nice=10,
        threads=1,
    ),
    NodeEntry(
        name="console",
        target="pepa_ros.console_bridge:create",
        summary="the web console over the agent's topics and calls",
        threads=1,  # its blocking calls come from the web server's threads, not callbacks
    ),
    NodeEntry(
        name="gazebo_elevators",
        target="pepa_ros.gazebo_elevators:create",
        summary="Gazebo: PEPA's elevator state machines driving the world's elevator joints",
        threads=1,
    ),
    NodeEntry(
        name="gazebo_battery",
        target="pepa_ros.gazebo_battery:create",
        summary="Gazebo: PEPA's battery model on the robot's odometry",
        threads=1,
    ),
    NodeEntry(
        name="recorder",
        target="pepa_ros.recorder:create",
        summary="records every topic into an MCAP file",
        threads=1,
    ),
)

_extra: dict[str, NodeEntry] = {}


def register(name: str, target: str, summary: str = "") -> NodeEntry:
    """Make a node known under ``name`` (replaces an earlier one of the same name)."""
    entry = NodeEntry(name=name, target=target, summary=summary)
    _extra[name] = entry
    return entry


def entries() -> dict[str, NodeEntry]:
    """Every known node: built-in, then entry points, then :func:`register` calls."""
    found = {e.name: e for e in _BUILTIN}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = NodeEntry(name=ep.name, target=ep.value, summary=f"from {ep.group}")
    found.update(_extra)
    return found


def lookup(name: str) -> NodeEntry:
    known = entries()
    if name not in known:
        raise UnknownNodeError(f"unknown node {name!r}; known nodes: {', '.join(sorted(known))}")
    return known[name]


def build(name: str, context: Context, parameters: dict[str, Any]) -> Node:
    """Build the node ``name`` in ``context`` with parameter overrides ``parameters``."""
    return lookup(name).factory()(context, parameters)
