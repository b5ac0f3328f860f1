"""The Gazebo-side nodes over real DDS, from another process: the elevator bridge answers the
simulated office's elevator interface and drives the car's joint; the battery node turns
odometry into /battery_state, charging on the dock."""

from __future__ import annotations

import math

import pytest
from nav_msgs.msg import Odometry
from pepa_ros.robot_adapters import SimOfficeAdapter
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from ros_support import Children, output_of, spin_until
from std_msgs.msg import Float64

from pepa.building.layout import load_building
from pepa.messages import ElevatorCall
from pepa.sim.gazebo import names

pytestmark = pytest.mark.ros


def test_the_elevator_bridge_serves_calls_and_moves_the_car_joint(
    children: Children, ros_context
) -> None:
    bridge = children.runner("gazebo_elevators")
    office = load_building()
    e = office.elevators[0]
    elevation = {f.level: f.elevation_m for f in office.floors}
    target = next(f for f in e.floors if f != e.start_floor)
    rise = elevation[target] - elevation[e.start_floor]
    node = Node("test_gazebo_rider", context=ros_context)
    robot = SimOfficeAdapter(node)
    heights: list[float] = []
    node.create_subscription(Float64, names.car_topic(e.id), lambda m: heights.append(m.data), 10)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    assert spin_until(executor, lambda: e.id in robot.elevators(), 30), output_of(bridge)
    robot.call_elevator(ElevatorCall(elevator=e.id, floor=target))

    def arrived() -> bool:
        s = robot.elevators()[e.id]
        return s.floor == target and s.doors_open

    timeout = abs(target - e.start_floor) * e.travel_s_per_floor + e.door_move_s + 20
    assert spin_until(executor, arrived, timeout), output_of(bridge)
    assert spin_until(executor, lambda: math.isclose(heights[-1], rise), 5)
    assert any(0.0 < h < rise for h in heights)  # it rode there, it did not jump
    executor.shutdown()
    node.destroy_node()
    assert bridge.poll() is None


def test_the_battery_node_drains_with_motion_and_charges_on_the_dock(
    children: Children, ros_context
) -> None:
    battery = children.runner("gazebo_battery", ros_args=("-p", "battery_rate_hz:=10.0"))
    office = load_building()
    dock = office.spec.dock
    node = Node("test_gazebo_odometry", context=ros_context)
    robot = SimOfficeAdapter(node)
    odom = node.create_publisher(Odometry, "/odom", 10)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    t = 0.0

    def send(x: float, y: float, v: float) -> None:
        nonlocal t
        t += 4.0  # odometry stamps are simulated time: 4 s per sample
        msg = Odometry()
        msg.header.stamp.sec = int(t)
        msg.pose.pose.position.x, msg.pose.pose.position.y = x, y
        msg.twist.twist.linear.x = v
        odom.publish(msg)

    def drained() -> bool:
        send(dock.x + 3.0, dock.y - 3.0, 1.0)
        b = robot.battery()
        return b is not None and b.soc < 0.999 and not b.charging

    assert spin_until(executor, drained, 30), output_of(battery)
    low = robot.battery().soc  # type: ignore[union-attr]

    def charging() -> bool:
        send(dock.x, dock.y, 0.0)
        b = robot.battery()
        return b is not None and b.charging and b.soc > low

    assert spin_until(executor, charging, 30), output_of(battery)
    executor.shutdown()
    node.destroy_node()
    assert battery.poll() is None
