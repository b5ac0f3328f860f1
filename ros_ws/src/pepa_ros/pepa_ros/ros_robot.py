"""Sys1's :class:`~pepa.robot.Robot` over ROS 2 topics, through one robot adapter.

Motion goes out on ``/cmd_vel`` (re-sent every control tick, as a base driver expects a
stream, so a robot whose commander dies stops on its own watchdog); the pose comes from
``/odom`` corrected into the map frame by the localiser's ``/amcl_pose`` (the adapter's
``in_map``; odometry alone drifts); the floor from the odometry's height and the
building's floor elevations; the battery from ``/battery_state``; the camera from
``/camera/image_raw`` and ``/camera/camera_info``; the elevators from the elevator topics.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from pepa.building.layout import Building
from pepa.messages import ElevatorCall, ElevatorStatus
from pepa.robot import POSTURES, BatteryStatus, CameraImage, RobotError, RobotPose
from pepa_ros import qos
from pepa_ros.robot_adapters import EXPRESS_PATTERNS, RobotAdapter, UnsupportedMotionError
from pepa_ros.topics import CAMERA_INFO

if TYPE_CHECKING:
    from sensor_msgs.msg import CameraInfo

log = logging.getLogger(__name__)

DEFAULT_CAPACITY_WH = 100.0
"""Battery capacity when the robot does not report one (BatteryState.capacity is in Ah)."""
CAMERA_MOUNT_M = 0.5
# odometry height noise tolerated at a floor: a robot standing on the ground floor is not in
# the basement below it because its odometry reads -2 cm
FLOOR_Z_TOLERANCE_M = 0.1


class NoOdometryError(RuntimeError):
    """The robot has not reported its pose yet."""


class RosRobot:
    """The Robot protocol over an adapter; see the module docstring. Thread-safe."""

    def __init__(
        self,
        adapter: RobotAdapter,
        building: Building,
        *,
        capacity_wh: float = DEFAULT_CAPACITY_WH,
        camera_mount_m: float = CAMERA_MOUNT_M,
    ) -> None:
        from sensor_msgs.msg import CameraInfo

        self.adapter = adapter
        self.building = building
        self.capacity_wh = capacity_wh
        self.camera_mount_m = camera_mount_m
        self._elevations = sorted((f.elevation_m, f.level) for f in building.floors)
        self._lock = threading.Lock()
        self._cmd = (0.0, 0.0)
        self._k: np.ndarray | None = None
        self.posture = "stand"
        self.said: deque[tuple[float, str | None, str]] = deque(maxlen=200)
        self.commands = 0
        adapter.node.create_subscription(
            CameraInfo, CAMERA_INFO.name, self._on_camera_info, qos.sensor(depth=2)
        )

    def _on_camera_info(self, msg: CameraInfo) -> None:
        k = np.asarray(msg.k, dtype=float).reshape(3, 3)
        if k[0, 0] > 0 and k[1, 1] > 0:
            with self._lock:
                self._k = k

    # --- state ------------------------------------------------------------------------------

    def ready(self) -> bool:
        """True once odometry and the battery have been heard."""
        return self.adapter.odometry() is not None and self.adapter.battery() is not None

    def floor_at(self, z: float) -> int:
        """The floor whose elevation is nearest below the body (within odometry noise; half a
        storey counts up)."""
        best = self._elevations[0][1]
        for i, (elevation, level) in enumerate(self._elevations):
            nxt = self._elevations[i + 1][0] if i + 1 < len(self._elevations) else math.inf
            if z >= elevation - FLOOR_Z_TOLERANCE_M:
                best = level
                if z < (elevation + nxt) / 2:
                    break
        return best

    def pose(self) -> RobotPose:
        odom = self.adapter.odometry()
        if odom is None:
            raise NoOdometryError("no /odom received yet")
        x, y, theta = self.adapter.in_map(odom)
        return RobotPose(x, y, theta, self.floor_at(odom.z))

    def battery(self) -> BatteryStatus:
        b = self.adapter.battery()
        if b is None:
            return BatteryStatus(1.0, False, self.capacity_wh)
        return BatteryStatus(b.soc, b.charging, self.capacity_wh)

    # --- motion -----------------------------------------------------------------------------

    def set_cmd_vel(self, v: float, w: float) -> None:
        with self._lock:
            self._cmd = (float(v), float(w))
        self.adapter.send_velocity(v, w)
        self.commands += 1

    def keep_alive(self) -> None:
        """Re-send the standing command (unless an expressive motion is playing)."""
        if self.adapter.express_busy():
            return
        with self._lock:
            v, w = self._cmd
        self.adapter.send_velocity(v, w)

    @property
    def command(self) -> tuple[float, float]:
        with self._lock:
            return self._cmd

    def dock(self) -> bool:
        self.set_cmd_vel(0.0, 0.0)
        return self.battery().charging

    def undock(self) -> None:
        """The charger releases when the robot drives off; nothing to send."""

    # --- elevators ----------------------------------------------------------------------------

    def _press(self, elevator: str, floor: int, button: str) -> bool:
        status = self.elevator_status(elevator)
        if status.state == "out_of_service":
            return False
        return self.adapter.call_elevator(
            ElevatorCall(elevator=elevator, floor=floor, button=button)
        )

    def elevator_call(self, elevator: str, floor: int) -> bool:
        return self._press(elevator, floor, "hall")

    def elevator_press(self, elevator: str, floor: int) -> bool:
        return self._press(elevator, floor, "car")

    def elevator_status(self, elevator: str) -> ElevatorStatus:
        found = self.adapter.elevators().get(elevator)
        if found is None:
            raise RobotError(f"no state heard from elevator {elevator!r}")
        return found

    def elevator_board(self, elevator: str) -> None:
        if not self.elevator_status(elevator).robot_aboard:
            raise RobotError(f"the robot is not inside elevator {elevator}")

    def elevator_exit(self, elevator: str) -> None:
        if self.elevator_status(elevator).robot_aboard:
            raise RobotError(f"the robot is still inside elevator {elevator}")

    # --- expression -------------------------------------------------------------------------

    def speak(self, text: str, person: str | None = None) -> None:
        """Logged and kept; a robot with a speaker plays it from here. Never executed."""
        now = self.adapter.node.get_clock().now().nanoseconds * 1e-9
        self.said.append((now, person, text))
        log.info("says%s: %s", f" to {person}" if person else "", text)

    def express(self, posture: str) -> None:
        if posture not in POSTURES:
            raise RobotError(f"unknown posture {posture!r}; known: {', '.join(POSTURES)}")
        self.posture = posture
        if posture in EXPRESS_PATTERNS:
            try:
                self.adapter.express(posture)
            except UnsupportedMotionError as exc:
                log.info("%s", exc)

    def lead(self, person: str, leading: bool) -> bool:
        """No ROS interface reaches people: nobody can be asked to follow."""
        return not leading

    def camera_frame(self) -> CameraImage | None:
        image = self.adapter.image()
        with self._lock:
            k = self._k
        if image is None or k is None or self.adapter.odometry() is None:
            return None
        now = self.adapter.node.get_clock().now().nanoseconds * 1e-9
        return CameraImage(image, k, self.camera_mount_m, self.pose(), now)
