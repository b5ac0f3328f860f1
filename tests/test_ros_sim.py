"""The simulated office over real DDS: commands from another process move the robot."""

from __future__ import annotations

import math

import pytest
from pepa_ros.robot_adapters import SimOfficeAdapter
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from ros_support import Children, output_of, spin_until

from pepa.messages import ElevatorCall

pytestmark = pytest.mark.ros


def _adapter(ros_context) -> tuple[Node, SimOfficeAdapter, SingleThreadedExecutor]:
    node = Node("test_commander", context=ros_context)
    adapter = SimOfficeAdapter(node)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    return node, adapter, executor


def test_cmd_vel_from_another_process_moves_the_robot(children: Children, ros_context) -> None:
    sim = children.runner("sim", ros_args=("-p", "speed:=4.0", "-p", "camera_rate_hz:=0.0"))
    node, robot, executor = _adapter(ros_context)
    assert spin_until(executor, lambda: robot.odometry() is not None, 30), output_of(sim)
    start = robot.odometry()
    assert start is not None

    def moved() -> bool:
        robot.send_velocity(0.5, 0.0)  # keep the sim's command watchdog fed
        now = robot.odometry()
        return now is not None and math.hypot(now.x - start.x, now.y - start.y) > 0.5

    assert spin_until(executor, moved, 20), output_of(sim)
    moving = robot.odometry()
    assert moving is not None and moving.stamp > start.stamp
    assert moving.v > 0.0
    robot.stop()
    assert spin_until(executor, lambda: robot.odometry().v == 0.0, 10)
    assert spin_until(executor, lambda: robot.battery() is not None, 10), output_of(sim)
    battery = robot.battery()
    assert battery is not None and 0.0 < battery.soc <= 1.0
    executor.shutdown()
    node.destroy_node()
    assert sim.poll() is None


def test_elevator_call_is_answered_by_the_state_topic(children: Children, ros_context) -> None:
    sim = children.runner("sim", ros_args=("-p", "speed:=20.0", "-p", "camera_rate_hz:=0.0"))
    node, robot, executor = _adapter(ros_context)
    assert spin_until(executor, lambda: len(robot.elevators()) >= 1, 30), output_of(sim)
    car = sorted(robot.elevators())[0]
    status = robot.elevators()[car]
    target = 1 if status.floor == 0 else 0

    def arrived() -> bool:
        s = robot.elevators().get(car)
        return s is not None and s.floor == target and s.doors_open

    robot.call_elevator(ElevatorCall(elevator=car, floor=target, button="hall"))
    assert spin_until(executor, arrived, 30), output_of(sim)
    executor.shutdown()
    node.destroy_node()


def test_camera_frames_are_rgb8_when_the_renderer_exists(children: Children, ros_context) -> None:
    pytest.importorskip(
        "pepa.sim.camera_adapter", reason="the camera scene adapter is not built yet"
    )
    sim = children.runner("sim", ros_args=("-p", "camera_rate_hz:=5.0"))
    node, robot, executor = _adapter(ros_context)
    assert spin_until(executor, lambda: robot.image() is not None, 30), output_of(sim)
    image = robot.image()
    assert image is not None and image.shape == (480, 640, 3)
    assert image.std() > 0  # a rendered view, not a blank frame
    executor.shutdown()
    node.destroy_node()
