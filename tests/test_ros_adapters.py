"""Robot adapters: image conversion, expressive motions on every robot kind."""

from __future__ import annotations

import time

import numpy as np
import pytest
from geometry_msgs.msg import Twist
from pepa_ros.robot_adapters import (
    EXPRESS_PATTERNS,
    GO2_EXPRESS,
    DryRunMotionApi,
    GenericRosRobotAdapter,
    Go2Adapter,
    RobotTopics,
    UnsupportedMotionError,
    image_to_rgb,
    make_adapter,
)
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from sensor_msgs.msg import Image

from pepa.knowledge import EMOTIONS
from pepa.messages import ElevatorCall


def _image(encoding: str, pixels: np.ndarray, pad: int = 0) -> Image:
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    rows = pixels.reshape(h, w * channels)
    padded = np.hstack([rows, np.zeros((h, pad), dtype=np.uint8)])
    return Image(
        height=h, width=w, encoding=encoding, step=w * channels + pad, data=padded.tobytes()
    )


def test_image_encodings_become_rgb() -> None:
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert np.array_equal(image_to_rgb(_image("rgb8", rgb, pad=2)), rgb)
    assert np.array_equal(image_to_rgb(_image("bgr8", rgb[:, :, ::-1].copy())), rgb)
    rgba = np.dstack([rgb, np.full((2, 3), 255, np.uint8)])
    assert np.array_equal(image_to_rgb(_image("rgba8", rgba)), rgb)
    mono = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    assert np.array_equal(image_to_rgb(_image("mono8", mono))[:, :, 1], mono)


def test_unsupported_or_short_images_are_refused() -> None:
    with pytest.raises(ValueError, match="'16UC1' is not supported"):
        image_to_rgb(Image(height=1, width=1, encoding="16UC1", step=2, data=b"\x00\x00"))
    with pytest.raises(ValueError, match="too small"):
        image_to_rgb(Image(height=2, width=2, encoding="rgb8", step=6, data=b"\x00" * 6))


def test_every_emotion_has_a_motion_on_every_robot() -> None:
    assert set(EMOTIONS) <= set(EXPRESS_PATTERNS)
    assert set(EMOTIONS) <= set(GO2_EXPRESS)


def test_generic_robot_remaps_topics_and_plays_patterns(ros_context) -> None:
    node = Node("adapter_under_test", context=ros_context)
    topics = RobotTopics(cmd_vel="/robot/cmd_vel", odom="/robot/odom")
    robot = make_adapter("generic", node, topics)
    assert isinstance(robot, GenericRosRobotAdapter)
    names = {
        name
        for name, _ in node.get_publisher_names_and_types_by_node(
            node.get_name(), node.get_namespace()
        )
    }
    assert "/robot/cmd_vel" in names
    assert robot.express("wag") == pytest.approx(1.5)
    assert robot.express_busy()
    robot.stop()
    assert not robot.express_busy()
    with pytest.raises(UnsupportedMotionError, match="'moonwalk'"):
        robot.express("moonwalk")
    assert robot.call_elevator(ElevatorCall(elevator="elevator_a", floor=1)) is False
    node.destroy_node()


def test_a_pattern_plays_to_its_end_and_stops_and_can_play_again(ros_context) -> None:
    node = Node("pattern_player", context=ros_context)
    robot = make_adapter("generic", node, RobotTopics(cmd_vel="/pattern/cmd_vel"))
    sent: list[float] = []
    node.create_subscription(Twist, "/pattern/cmd_vel", lambda m: sent.append(m.linear.x), 50)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    try:
        for _ in range(2):  # the pattern's timer sleeps between motions and wakes for the next
            sent.clear()
            robot.express("nod")
            deadline = time.monotonic() + 5.0
            while robot.express_busy() and time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.01)
            for _ in range(10):
                executor.spin_once(timeout_sec=0.01)
            assert not robot.express_busy()
            assert sent == [0.15, -0.15, 0.15, -0.15, 0.0]
    finally:
        executor.shutdown()
        node.destroy_node()


def test_go2_maps_motions_onto_its_motion_api(ros_context) -> None:
    node = Node("go2_under_test", context=ros_context)
    sent: list[str] = []
    robot = make_adapter("go2", node, motion_api=DryRunMotionApi(sent.append))
    assert isinstance(robot, Go2Adapter)
    robot.send_velocity(0.4, 0.2)
    robot.express("sit")
    robot.stop()
    assert sent == ["move vx=0.40 vy=0.00 vyaw=0.20", "stop_move", "action Sit", "stop_move"]
    with pytest.raises(ValueError, match="needs a motion API"):
        make_adapter("go2", node)
    node.destroy_node()
