"""Sys1 as a managed node, driven over ``~/change_state`` from another process.

The simulated office and Sys1 (``autostart:=false``) run in child processes; this process is
the lifecycle manager and watches ``/cmd_vel``. An unconfigured or inactive Sys1 never moves
the robot, an active one does, a deactivated one sends one zero command and goes quiet, and a
transition not allowed from the current state is refused with the state named.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from geometry_msgs.msg import Twist
from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from pepa_ros import qos
from pepa_ros.codec import JsonCodec
from pepa_ros.topics import DECISIONS
from ros_support import Children, output_of, wait_for

from pepa.building.layout import load_building
from pepa.messages import CandidateKind, CandidateScore, Decision, Plan, SkillCall

pytestmark = pytest.mark.ros


def _go_somewhere() -> Decision:
    place = load_building().rooms[-1].id
    return Decision(
        time=0.0,
        chosen=CandidateScore(kind=CandidateKind.GOAL, label=f"navigate {place}"),
        plan=Plan(steps=[SkillCall(skill="navigate", args={"place": place})]),
        explanation=f"test: go to {place}",
    )


class Manager:
    """A lifecycle manager and /cmd_vel watcher in this process."""

    def __init__(self, context: Any) -> None:
        import rclpy
        from rclpy.executors import SingleThreadedExecutor

        self.node = rclpy.create_node("pepa_test_manager", context=context)
        self.change = self.node.create_client(ChangeState, "/pepa_sys1/change_state")
        self.get = self.node.create_client(GetState, "/pepa_sys1/get_state")
        self.lock = threading.Lock()
        self.cmds: list[tuple[float, float, float]] = []
        self.node.create_subscription(Twist, "/cmd_vel", self._on_cmd, qos.command(depth=50))
        self.decisions = JsonCodec().publisher(
            self.node, Decision, DECISIONS.name, qos.profile(DECISIONS.qos)
        )
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)

    def _on_cmd(self, msg: Any) -> None:
        with self.lock:
            self.cmds.append((time.monotonic(), msg.linear.x, msg.angular.z))

    def spin(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.executor.spin_once(timeout_sec=0.05)

    def _call(self, client: Any, request: Any) -> Any:
        future = client.call_async(request)
        self.executor.spin_until_future_complete(future, timeout_sec=60.0)
        assert future.done(), f"no answer from {client.srv_name}"
        return future.result()

    def state(self) -> int:
        return self._call(self.get, GetState.Request()).current_state.id

    def transition(self, label: str) -> bool:
        request = ChangeState.Request(transition=Transition(label=label))
        return self._call(self.change, request).success

    def moving_since(self, t: float) -> bool:
        with self.lock:
            return any(when >= t and (v or w) for when, v, w in self.cmds)

    def commands_since(self, t: float) -> list[tuple[float, float, float]]:
        with self.lock:
            return [c for c in self.cmds if c[0] >= t]


def test_sys1_moves_only_while_active_and_stops_when_deactivated(
    children: Children, ros_context: Any, tmp_path: Path
) -> None:
    children.runner("sim", ros_args=("-p", "camera_rate_hz:=0.0", "-p", "speed:=4.0"))
    sys1 = children.runner(
        "sys1",
        ros_args=(
            "-p", f"data_dir:={tmp_path}",
            "-p", "use_sim_time:=true",
            "-p", "autostart:=false",
            "-p", "speed:=4.0",
        ),
    )  # fmt: skip
    m = Manager(ros_context)
    assert m.get.wait_for_service(timeout_sec=60.0), output_of(sys1)
    assert m.state() == State.PRIMARY_STATE_UNCONFIGURED

    # not allowed from unconfigured: refused, and the log names the state
    assert not m.transition("activate")
    assert wait_for(lambda: "activate refused in state unconfigured" in output_of(sys1), 10.0)
    assert m.state() == State.PRIMARY_STATE_UNCONFIGURED

    assert m.transition("configure"), output_of(sys1)
    assert m.state() == State.PRIMARY_STATE_INACTIVE
    t_inactive = time.monotonic()
    m.spin(1.0)
    m.decisions.publish(_go_somewhere())  # an inactive Sys1 drops it
    m.spin(4.0)
    assert not m.commands_since(t_inactive), "an inactive Sys1 sent velocity commands"

    assert m.transition("activate"), output_of(sys1)
    assert m.state() == State.PRIMARY_STATE_ACTIVE
    t_active = time.monotonic()
    for _ in range(20):  # until the decision is taken (Sys1 builds itself at its first clock)
        m.decisions.publish(_go_somewhere())
        m.spin(3.0)
        if m.moving_since(t_active):
            break
    assert m.moving_since(t_active), output_of(sys1)[-3000:]

    t_stop = time.monotonic()
    assert m.transition("deactivate"), output_of(sys1)
    m.spin(2.0)
    after = m.commands_since(t_stop)
    assert after, "no stop command on deactivation"
    assert after[-1][1:] == (0.0, 0.0), after[-3:]
    t_quiet = time.monotonic()
    m.spin(3.0)
    assert not m.commands_since(t_quiet), "a deactivated Sys1 kept commanding the base"

    assert not m.transition("deactivate")  # already inactive
    assert wait_for(lambda: "deactivate refused in state inactive" in output_of(sys1), 10.0)
    assert m.transition("cleanup"), output_of(sys1)
    assert m.state() == State.PRIMARY_STATE_UNCONFIGURED
    assert (tmp_path / "sys1" / "state.json").exists(), "cleanup saved Sys1's state"
    assert sys1.poll() is None, output_of(sys1)
