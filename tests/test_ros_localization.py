"""Sys1 steers in the map frame: drifting odometry corrected by the localiser's pose."""

from __future__ import annotations

import math
import time

import pytest
from geometry_msgs.msg import PoseWithCovarianceStamped
from nav_msgs.msg import Odometry
from pepa_ros import qos
from pepa_ros.robot_adapters import MapFromOdom, OdomSample, RobotTopics, make_adapter
from pepa_ros.sim_node import quaternion_z
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

pytestmark = pytest.mark.ros


def _odom(stamp: float, x: float, y: float, theta: float) -> Odometry:
    msg = Odometry()
    msg.header.stamp.sec, msg.header.stamp.nanosec = int(stamp), int(stamp % 1 * 1e9)
    msg.pose.pose.position.x, msg.pose.pose.position.y = x, y
    msg.pose.pose.orientation.z, msg.pose.pose.orientation.w = quaternion_z(theta)
    return msg


def _map_pose(odom: Odometry, x: float, y: float, theta: float) -> PoseWithCovarianceStamped:
    msg = PoseWithCovarianceStamped()
    msg.header.stamp = odom.header.stamp
    msg.header.frame_id = "map"
    msg.pose.pose.position.x, msg.pose.pose.position.y = x, y
    msg.pose.pose.orientation.z, msg.pose.pose.orientation.w = quaternion_z(theta)
    return msg


def test_the_correction_puts_odometry_where_the_localiser_saw_the_robot() -> None:
    seen = OdomSample(stamp=1.0, x=3.0, y=-1.0, theta=0.4, v=0.0, w=0.0)
    fix = MapFromOdom.between((10.0, 5.0, 1.2), seen)
    assert fix.apply(seen) == pytest.approx((10.0, 5.0, 1.2))
    # one metre further along the odometry's heading is one metre along the map heading
    later = seen.model_copy(update={"x": 3.0 + math.cos(0.4), "y": -1.0 + math.sin(0.4)})
    x, y, theta = fix.apply(later)
    assert (x, y, theta) == pytest.approx((10.0 + math.cos(1.2), 5.0 + math.sin(1.2), 1.2))


def test_adapter_reads_pose_in_the_map_frame_once_a_localisation_is_heard(ros_context) -> None:
    node = Node("localised_robot", context=ros_context)
    topics = RobotTopics(odom="/loc_test/odom", localization="/loc_test/amcl_pose")
    robot = make_adapter("generic", node, topics)
    odom_pub = node.create_publisher(Odometry, topics.odom, qos.sensor())
    loc_pub = node.create_publisher(PoseWithCovarianceStamped, topics.localization, qos.sensor())
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)

    def spin_until(done) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 10.0
        while not done() and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.02)
        return bool(done())

    try:
        drifted = _odom(5.0, 2.0, 0.5, 0.1)  # odometry says (2, 0.5); the robot is at (4, 1)
        odom_pub.publish(drifted)
        assert spin_until(lambda: robot.odometry() is not None)
        sample = robot.odometry()
        assert robot.in_map(sample) == pytest.approx((2.0, 0.5, 0.1))  # no localiser yet
        loc_pub.publish(_map_pose(drifted, 4.0, 1.0, 0.3))
        assert spin_until(lambda: robot.in_map(sample)[0] != pytest.approx(2.0))
        assert robot.in_map(sample) == pytest.approx((4.0, 1.0, 0.3))
        odom_pub.publish(_odom(5.5, 2.0 + math.cos(0.1), 0.5 + math.sin(0.1), 0.1))
        assert spin_until(lambda: robot.odometry().stamp == pytest.approx(5.5))
        moved = robot.in_map(robot.odometry())
        assert moved == pytest.approx((4.0 + math.cos(0.3), 1.0 + math.sin(0.3), 0.3))
    finally:
        executor.shutdown()
        node.destroy_node()
