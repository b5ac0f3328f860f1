"""A robot on ROS in a building with basements: its level comes from its odometry height and
the building's floor elevations, below ground as above it."""

from __future__ import annotations

import pytest
from pepa_ros.robot_adapters import RobotTopics, make_adapter
from pepa_ros.ros_robot import RosRobot
from rclpy.node import Node

from pepa.building.layout import parse_building
from pepa.sim.generator import STOREY_M, generate_building

pytestmark = pytest.mark.ros


def test_a_robot_on_ros_tells_basement_levels_from_its_height(ros_context) -> None:
    building = parse_building(generate_building(5, floors=2, basements=2))
    node = Node("basement_robot", context=ros_context)
    try:
        robot = RosRobot(make_adapter("generic", node, RobotTopics()), building)
        assert robot.floor_at(-2 * STOREY_M) == -2
        assert robot.floor_at(-STOREY_M + 0.05) == -1
        assert robot.floor_at(-0.02) == 0  # odometry noise at the ground floor
        assert robot.floor_at(STOREY_M) == 1
        assert robot.floor_at(-10 * STOREY_M) == -2  # below the lowest level: the lowest
    finally:
        node.destroy_node()
