"""Sys1's Nav2 backend against a fake Nav2 in another process: success, abort, cancel.

The fake (tests/fake_nav2.py) serves the tests' copy of ``nav2_msgs/action/NavigateToPose``
(Kilted's definition); Sys1 here is the real one on the simulated office, with the backend
built from this test's node, and drives a leg with the skill that uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ros_support import Children, output_of, wait_for

from pepa.agent.sys1.navigation_backend import DriveState
from pepa.agent.sys1.skills.backend_drive import BackendDrive, goal_of
from pepa.messages import SkillStatus

pytestmark = pytest.mark.ros

FAKE_NAV2 = str(Path(__file__).with_name("fake_nav2.py"))


@pytest.fixture
def sys1_with_nav2(ros_context: Any) -> Any:
    """Sys1 on the office with navigation=nav2, and an executor spinning the backend's node."""
    import rclpy
    from pepa_ros.nav2_backend import Nav2Backend
    from rclpy.executors import SingleThreadedExecutor
    from sys1_support import rig

    node = rclpy.create_node("pepa_test_sys1", context=ros_context)
    backend = Nav2Backend(node)
    r = rig()
    r.sys1.ctx.navigation = backend
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    yield r, backend, executor
    node.destroy_node()


def _drive(r: Any, backend: Any, executor: Any, *, cancel_after_feedback: bool = False) -> Any:
    skill = BackendDrive(r.sys1.ctx, backend, [(1.0, 1.0), (4.0, 5.0)])
    now = r.world.now
    fed = False
    for _ in range(600):
        executor.spin_once(timeout_sec=0.02)
        now += 0.05
        r.sys1.ctx.refresh(now)
        result = skill.poll(now)
        if result is not None:
            return skill, result
        if skill.feedback.text.startswith("nav2:"):
            fed = True
            if cancel_after_feedback:
                return skill, skill.cancel(now, "a person asked to stop")
    raise AssertionError(f"no result (feedback seen: {fed})")


def test_a_leg_goal_succeeds_with_progress_from_feedback(
    children: Children, sys1_with_nav2: Any
) -> None:
    r, backend, executor = sys1_with_nav2
    nav2 = children.start(FAKE_NAV2, "--outcome", "succeed", name="nav2")
    assert wait_for(lambda: (executor.spin_once(timeout_sec=0.05), backend.ready())[1], 30.0)
    skill, result = _drive(r, backend, executor)
    assert result.status == SkillStatus.SUCCESS, result.reason
    assert result.reason == "nav2 reached the goal"
    assert skill.feedback.fraction == 1.0
    assert "goal frame=map x=4.00 y=5.00" in output_of(nav2)


def test_an_aborted_goal_fails_the_skill_with_nav2_s_error(
    children: Children, sys1_with_nav2: Any
) -> None:
    r, backend, executor = sys1_with_nav2
    children.start(FAKE_NAV2, "--outcome", "abort", name="nav2")
    assert wait_for(lambda: (executor.spin_once(timeout_sec=0.05), backend.ready())[1], 30.0)
    _, result = _drive(r, backend, executor)
    assert result.status == SkillStatus.FAILURE
    assert "error 9002" in result.reason and "timed out" in result.reason


def test_cancelling_the_skill_cancels_the_nav2_goal(
    children: Children, sys1_with_nav2: Any
) -> None:
    r, backend, executor = sys1_with_nav2
    nav2 = children.start(FAKE_NAV2, "--outcome", "hold", name="nav2")
    assert wait_for(lambda: (executor.spin_once(timeout_sec=0.05), backend.ready())[1], 30.0)
    skill, result = _drive(r, backend, executor, cancel_after_feedback=True)
    assert result.status == SkillStatus.CANCELLED
    assert r.sys1.ctx.cmd == (0.0, 0.0)
    assert wait_for(
        lambda: (executor.spin_once(timeout_sec=0.05), "goal canceled" in output_of(nav2))[1],
        20.0,
    )
    assert wait_for(
        lambda: (
            executor.spin_once(timeout_sec=0.05),
            skill.handle.status().state == DriveState.CANCELLED,
        )[1],
        20.0,
    )


def test_without_a_nav2_server_the_leg_fails_at_once(sys1_with_nav2: Any) -> None:
    r, backend, executor = sys1_with_nav2
    _, result = _drive(r, backend, executor)
    assert result.status == SkillStatus.FAILURE
    assert result.reason == "nav2: no Nav2 server on navigate_to_pose"


def test_the_goal_is_the_leg_end_facing_along_it_or_short_of_it() -> None:
    assert goal_of([(0.0, 0.0), (3.0, 4.0)], None) == pytest.approx((3.0, 4.0, 0.9272952))
    x, y, _ = goal_of([(0.0, 0.0), (3.0, 4.0)], 1.0)
    assert (x, y) == pytest.approx((2.4, 3.2))


def test_the_sys1_node_with_navigation_nav2_sends_its_drive_legs_to_nav2(
    children: Children, ros_context: Any, tmp_path: Path
) -> None:
    """The node as `pepa run` starts it, with ``navigation:=nav2``: a plan's drive leg becomes
    a NavigateToPose goal on the present floor (the fake never moves the robot, so Sys1 asks
    again after each leg it finds itself short of; the goals are what is checked)."""
    import rclpy
    from pepa_ros import qos
    from pepa_ros.codec import JsonCodec
    from pepa_ros.topics import DECISIONS

    from pepa.building.layout import load_building
    from pepa.messages import CandidateKind, CandidateScore, Decision, Plan, SkillCall

    building = load_building()
    floor = building.floor_levels[0]
    room = next(r for r in building.rooms if r.floor == floor)
    nav2 = children.start(FAKE_NAV2, "--outcome", "succeed", name="nav2")
    children.runner("sim", ros_args=("-p", "camera_rate_hz:=0.0", "-p", "speed:=4.0"))
    sys1 = children.runner(
        "sys1",
        ros_args=(
            "-p", f"data_dir:={tmp_path}",
            "-p", "use_sim_time:=true",
            "-p", "speed:=4.0",
            "-p", "navigation:=nav2",
        ),
    )  # fmt: skip
    node = rclpy.create_node("pepa_test_planner", context=ros_context)
    decisions = JsonCodec().publisher(node, Decision, DECISIONS.name, qos.profile(DECISIONS.qos))
    decision = Decision(
        time=0.0,
        chosen=CandidateScore(kind=CandidateKind.GOAL, label=f"navigate {room.id}"),
        plan=Plan(steps=[SkillCall(skill="navigate", args={"place": room.id})]),
        explanation="test: a leg for Nav2",
    )
    try:
        for _ in range(30):  # Sys1 builds itself at its first clock, then takes the decision
            decisions.publish(decision)
            if wait_for(lambda: "goal frame=map" in output_of(nav2), 3.0):
                break
        assert "goal frame=map" in output_of(nav2), output_of(sys1)[-3000:]
        assert "goal succeeded" in output_of(nav2) or wait_for(
            lambda: "goal succeeded" in output_of(nav2), 20.0
        )
    finally:
        node.destroy_node()
