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

from agent.messages import SkillStatus
from agent.sys1.navigation_backend import DriveState
from agent.sys1.skills.backend_drive import BackendDrive, goal_of

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
