"""The JSON codec: bad messages are named, counted and dropped; the node keeps running."""

from __future__ import annotations

import json
import time

import pytest
from pepa_ros import qos
from pepa_ros.codec import DecodeError, JsonCodec, decode, encode
from rclpy.node import Node
from ros_support import Children, output_of, spin_until
from std_msgs.msg import String

from pepa.messages import ElevatorCall, Goal


def test_round_trip_of_a_model() -> None:
    goal = Goal(personality="Curious", text="know every room")
    assert decode(Goal, encode(goal), "/pepa/goal") == goal


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"schema_version": 2, "personality": "x", "text": "y"}), "schema_version 2"),
        (json.dumps({"personality": "x"}), "text: Field required"),
        (json.dumps({"personality": "x", "text": "y", "extra": 1}), "extra"),
    ],
)
def test_decode_names_topic_and_problem(payload: str, problem: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode(Goal, payload, "/pepa/goal")
    assert str(err.value).startswith("/pepa/goal: ")
    assert problem in str(err.value)


def test_bad_messages_are_counted_per_topic() -> None:
    codec = JsonCodec()
    assert codec.decode_or_count(Goal, "nonsense", "/pepa/goal") is None
    assert codec.decode_or_count(Goal, "{}", "/pepa/goal") is None
    assert codec.decode_or_count(Goal, b"\xff", "/pepa/other") is None
    assert codec.bad_messages == 3
    assert codec.bad_by_topic() == {"/pepa/goal": 2, "/pepa/other": 1}


def test_publisher_refuses_another_model(ros_context) -> None:
    node = Node("codec_pub", context=ros_context)
    pub = JsonCodec().publisher(node, Goal, "/pepa/goal", qos.latched())
    with pytest.raises(TypeError, match="carries Goal"):
        pub.publish(ElevatorCall(elevator="a", floor=1))
    node.destroy_node()


@pytest.mark.ros
def test_malformed_messages_do_not_stop_a_node(children: Children, ros_context) -> None:
    """Garbage on the elevator-call topic is logged with its topic; valid calls still work."""
    from pepa_ros.robot_adapters import SimOfficeAdapter
    from rclpy.executors import SingleThreadedExecutor

    sim = children.runner("sim", ros_args=("-p", "speed:=20.0", "-p", "camera_rate_hz:=0.0"))
    node = Node("codec_attacker", context=ros_context)
    robot = SimOfficeAdapter(node)
    raw = node.create_publisher(String, "/pepa/elevator/call", qos.event())
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    assert spin_until(executor, lambda: len(robot.elevators()) >= 1, 30), output_of(sim)
    assert spin_until(executor, lambda: raw.get_subscription_count() >= 1, 10)

    for bad in ("{oops", json.dumps({"schema_version": 9, "elevator": "x", "floor": 1}), "[]"):
        raw.publish(String(data=bad))
    car = sorted(robot.elevators())[0]
    target = 1 if robot.elevators()[car].floor == 0 else 0
    robot.call_elevator(ElevatorCall(elevator=car, floor=target))

    def arrived() -> bool:
        s = robot.elevators().get(car)
        return s is not None and s.floor == target

    assert spin_until(executor, arrived, 30), output_of(sim)
    assert sim.poll() is None
    time.sleep(0.2)
    log = output_of(sim)
    assert "/pepa/elevator/call: not valid JSON" in log
    assert "/pepa/elevator/call: schema_version 9" in log
    assert "dropped bad message #3" in log
    executor.shutdown()
    node.destroy_node()
