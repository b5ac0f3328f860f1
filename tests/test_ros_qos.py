"""QoS: a subscriber that starts late still gets the latest latched (transient-local) message."""

from __future__ import annotations

import time

import pytest
from pepa_ros import qos
from pepa_ros.codec import JsonCodec
from pepa_ros.topics import COGNITIVE_TOPICS, ELEVATOR_STATE, GOAL, REFLECTIONS, STATUS
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, ReliabilityPolicy
from ros_support import Children, output_of, spin_until, wait_for

from pepa.messages import ElevatorStatus, Goal


def test_goals_status_and_reflections_are_reliable_and_latched() -> None:
    for spec in (GOAL, STATUS, REFLECTIONS, ELEVATOR_STATE):
        profile = qos.profile(spec.qos, spec.depth)
        assert profile.reliability == ReliabilityPolicy.RELIABLE, spec.name
        assert profile.durability == DurabilityPolicy.TRANSIENT_LOCAL, spec.name
    assert qos.sensor().reliability == ReliabilityPolicy.BEST_EFFORT
    assert all(t.model for t in COGNITIVE_TOPICS)


@pytest.mark.ros
def test_late_subscriber_in_another_process_gets_the_latest(
    children: Children, ros_context
) -> None:
    sim = children.runner("sim", ros_args=("-p", "camera_rate_hz:=0.0"))
    # the cars stand still: their state was published once, at start, long before we listen
    assert wait_for(lambda: "simulated office" in output_of(sim), 30), output_of(sim)
    time.sleep(2.0)
    node = Node("late_listener", context=ros_context)
    got: dict[str, ElevatorStatus] = {}
    JsonCodec().subscribe(
        node,
        ElevatorStatus,
        ELEVATOR_STATE.name,
        lambda s: got.__setitem__(s.elevator, s),
        qos.profile(ELEVATOR_STATE.qos, ELEVATOR_STATE.depth),
    )
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    assert spin_until(executor, lambda: len(got) >= 2, 20), output_of(sim)
    executor.shutdown()
    node.destroy_node()


@pytest.mark.ros
def test_late_subscriber_gets_the_latest_goal_only(ros_context) -> None:
    """Keep-last-1: of two goals published before anyone listened, the newer one arrives."""
    pub_node = Node("goal_publisher", context=ros_context)
    pub = JsonCodec().publisher(pub_node, Goal, GOAL.name, qos.profile(GOAL.qos, GOAL.depth))
    pub.publish(Goal(personality="Curious", text="first"))
    pub.publish(Goal(personality="Curious", text="latest"))
    sub_node = Node("goal_listener", context=ros_context)
    got: list[Goal] = []
    JsonCodec().subscribe(sub_node, Goal, GOAL.name, got.append, qos.profile(GOAL.qos))
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(pub_node)
    executor.add_node(sub_node)
    assert spin_until(executor, lambda: len(got) >= 1, 10)
    spin_until(executor, lambda: False, 0.5)
    assert [g.text for g in got] == ["latest"]
    executor.shutdown()
