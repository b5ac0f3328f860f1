"""The simulated office as a ROS 2 node: the robot's own interface, on a sped-up wall clock.

A thin adapter around :class:`pepa.sim.world.World`: ``/cmd_vel`` goes to ``World.set_cmd_vel``;
the loop steps the world by the wall time elapsed times ``speed`` and publishes what a robot
would — odometry (which carries the ``odom -> base_link`` transform, also sent on ``/tf``
where tf2_msgs exists), camera frames, battery state, ``/clock`` and the elevators. Every
stamp is simulated time, so nodes with ``use_sim_time`` see one consistent clock.

The loop and the command callbacks share one mutually exclusive callback group (so the
world is never stepped and commanded at once); the camera renders in its own group from a
snapshot taken under a lock, so a slow frame never delays the control loop.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from geometry_msgs.msg import PoseWithCovarianceStamped, TransformStamped, Twist
from nav_msgs.msg import Odometry
from rcl_interfaces.msg import SetParametersResult
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.context import Context
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.timer import Timer
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import BatteryState, CameraInfo, Image

from pepa.agent.coordinator.coordinator import person_request
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.building.layout import Building, load_building
from pepa.clock import at
from pepa.messages import ElevatorCall, ElevatorStatus, UserRequest
from pepa.sim.elevator import ElevatorError
from pepa.sim.events import PersonRequest
from pepa.sim.robot import CommandError
from pepa.sim.world import RobotState, World
from pepa_ros import params, qos, typed_codec
from pepa_ros.battery_state import battery_state
from pepa_ros.codec import JsonCodec
from pepa_ros.entry import node_main
from pepa_ros.loop_stats import LoopStats, TimerDeadlines
from pepa_ros.topics import (
    BATTERY,
    CAMERA_INFO,
    CLOCK,
    CMD_VEL,
    ELEVATOR_CALL,
    ELEVATOR_STATE,
    IMAGE,
    LOCALIZATION,
    ODOM,
    REQUESTS,
    TF,
)

log = logging.getLogger(__name__)

try:  # the PyPI wheels ship no tf2_msgs; /odom then carries the transform alone
    from tf2_msgs.msg import TFMessage
except ImportError:
    TFMessage = None


def stamp_of(t: float) -> Any:
    from builtin_interfaces.msg import Time

    sec = math.floor(t)
    return Time(sec=int(sec), nanosec=min(999_999_999, round((t - sec) * 1e9)))


def quaternion_z(theta: float) -> tuple[float, float]:
    """(z, w) of a rotation by ``theta`` about z."""
    return math.sin(theta / 2.0), math.cos(theta / 2.0)


class SimNode(Node):
    """The simulated office; see the module docstring."""

    def __init__(self, building: Building | None = None, **node_kwargs: Any) -> None:
        super().__init__("pepa_sim", **node_kwargs)
        v = params.declare(self, params.SIM_PARAMETERS)
        self.add_post_set_parameters_callback(self._on_parameters_set)
        self.building = building or load_building(v["building"] or None)
        start = at(v["start_day"], v["start_hour"])
        self.world = World(self.building, seed=v["seed"], start_time=start)
        self.codec = JsonCodec(log)
        self._speed = v["speed"]
        self._odom_frame, self._base_frame = v["odom_frame"], v["base_frame"]
        self._lock = threading.Lock()
        self._elevations = {f.level: f.elevation_m for f in self.building.floors}
        self.commands = 0
        self.rejected_commands = 0
        self._last_cmd_wall = time.monotonic()
        self._cmd_timeout_s = v["cmd_vel_timeout_s"]

        loop_group = MutuallyExclusiveCallbackGroup()
        self._odom_pub = self.create_publisher(Odometry, ODOM.name, qos.profile(ODOM.qos))
        self._map_pose_pub = self.create_publisher(
            PoseWithCovarianceStamped, LOCALIZATION.name, qos.profile(LOCALIZATION.qos)
        )
        self._tf_pub = (
            self.create_publisher(TFMessage, TF.name, qos.profile(TF.qos, TF.depth))
            if TFMessage is not None
            else None
        )
        self._battery_pub = self.create_publisher(
            BatteryState, BATTERY.name, qos.profile(BATTERY.qos)
        )
        self._clock_pub = self.create_publisher(Clock, CLOCK.name, qos.profile(CLOCK.qos))
        self._elevator_pub = self.codec.publisher(
            self,
            ElevatorStatus,
            ELEVATOR_STATE.name,
            qos.profile(ELEVATOR_STATE.qos, ELEVATOR_STATE.depth),
        )
        self.create_subscription(
            Twist,
            CMD_VEL.name,
            self._on_cmd_vel,
            qos.profile("sensor", 10),  # best-effort matches any publisher's reliability
            callback_group=loop_group,
        )
        self.codec.subscribe(
            self,
            ElevatorCall,
            ELEVATOR_CALL.name,
            self._on_elevator_call,
            qos.profile(ELEVATOR_CALL.qos),
            callback_group=loop_group,
        )
        self._elevator_seen: dict[str, tuple[Any, ...]] = {}
        # people's spoken requests go to the robot as anyone's requests do
        self._knowledge = knowledge_from_building(self.building)
        self._request_pub = typed_codec.publisher(
            self, UserRequest, REQUESTS.name, qos.profile(REQUESTS.qos)
        )

        period = 1.0 / v["step_hz"]
        self.loop_stats = LoopStats(period)
        self._due: dict[str, float] = {}
        self._every = {
            "odom": 1.0 / v["odom_rate_hz"],
            "battery": 1.0 / v["battery_rate_hz"],
            "clock": 1.0 / v["clock_rate_hz"],
        }
        self._last_tick = time.monotonic()
        self._deadlines = TimerDeadlines(period, self._last_tick)
        self.create_timer(period, self._tick, callback_group=loop_group)

        self._camera = _Camera(self, v["camera_width"], v["camera_height"])
        self._camera_timer: Timer | None = None
        self._set_camera_rate(v["camera_rate_hz"])
        self._publish_all(self.world.robot_state(), time.monotonic())
        self.get_logger().info(
            f"simulated office '{self.building.name}' at {self._speed}x, "
            f"{len(self.world.elevators)} elevators, camera {self._camera.status}"
        )

    # -- parameters -------------------------------------------------------------------------

    def _on_parameters_set(self, changed: list[Parameter[Any]]) -> SetParametersResult:
        for p in changed:
            if p.name == "speed":
                self._speed = float(p.value)
            elif p.name == "camera_rate_hz":
                self._set_camera_rate(float(p.value))
        return SetParametersResult(successful=True)

    def _set_camera_rate(self, hz: float) -> None:
        if self._camera_timer is not None:
            self.destroy_timer(self._camera_timer)
            self._camera_timer = None
        if hz > 0 and self._camera.available:
            self._camera_timer = self.create_timer(
                1.0 / hz, self._camera.publish, callback_group=self._camera.group
            )

    # -- commands ---------------------------------------------------------------------------

    def _on_cmd_vel(self, msg: Twist) -> None:
        self._last_cmd_wall = time.monotonic()
        try:
            with self._lock:
                self.world.set_cmd_vel(msg.linear.x, msg.angular.z)
            self.commands += 1
        except CommandError as exc:
            self.rejected_commands += 1
            self.get_logger().warning(f"{CMD_VEL.name}: {exc}")

    def _on_elevator_call(self, call: ElevatorCall) -> None:
        try:
            with self._lock:
                if call.button == "hall":
                    accepted = self.world.call_elevator(call.elevator, call.floor)
                else:
                    accepted = self.world.press_elevator_button(call.elevator, call.floor)
        except ElevatorError as exc:
            self.rejected_commands += 1
            self.get_logger().warning(f"{ELEVATOR_CALL.name}: {exc}")
            return
        if not accepted:
            self.get_logger().info(f"{ELEVATOR_CALL.name}: {call.elevator} did not accept {call}")

    # -- the loop ---------------------------------------------------------------------------

    def _tick(self) -> None:
        start = time.monotonic()
        late = self._deadlines.late(start)
        dt_wall, self._last_tick = start - self._last_tick, start
        if self._cmd_timeout_s > 0 and start - self._last_cmd_wall > self._cmd_timeout_s:
            with self._lock:
                if self.world.robot.moving:
                    self.world.set_cmd_vel(0.0, 0.0)  # watchdog: the commander went silent
        if dt_wall > 0:
            with self._lock:
                self.world.step(dt_wall * self._speed)
                state = self.world.robot_state()
                events = self.world.poll_events()
        else:
            state = self.world.robot_state()
            events = []
        for ev in events:
            if isinstance(ev, PersonRequest):
                self._request_pub.publish(person_request(ev, self._knowledge, state.t))
        self._publish_all(state, start)
        self.loop_stats.record(late, time.monotonic() - start)

    def _is_due(self, what: str, now: float) -> bool:
        """Rates below the loop's are kept on average: half a tick early counts as due."""
        due = self._due.get(what, now)
        if now + 0.5 * self.loop_stats.period_s >= due:
            self._due[what] = max(due + self._every[what], now)
            return True
        return False

    def _publish_all(self, state: RobotState, now: float) -> None:
        if self._is_due("clock", now):
            self._clock_pub.publish(Clock(clock=stamp_of(state.t)))
        if self._is_due("odom", now):
            self._publish_odom(state)
        if self._is_due("battery", now):
            self._publish_battery(state)
        self._publish_elevators(state)

    def elevation(self, state: RobotState) -> float:
        """Height (m) of the body above floor 0's, between floors on the stairs."""
        low = math.floor(state.z)
        e_low = self._elevations.get(low, 0.0)
        e_high = self._elevations.get(low + 1, e_low)
        return e_low + (state.z - low) * (e_high - e_low)

    def _publish_odom(self, state: RobotState) -> None:
        msg = Odometry()
        msg.header.stamp = stamp_of(state.t)
        msg.header.frame_id = self._odom_frame
        msg.child_frame_id = self._base_frame
        pose = msg.pose.pose
        pose.position.x, pose.position.y = state.odom_x, state.odom_y
        pose.position.z = self.elevation(state)
        pose.orientation.z, pose.orientation.w = quaternion_z(state.odom_theta)
        cov = [0.0] * 36
        cov[0] = cov[7] = 0.01
        cov[14] = cov[21] = cov[28] = 1e-6
        cov[35] = 0.02
        msg.pose.covariance = cov
        msg.twist.twist.linear.x = state.v
        msg.twist.twist.angular.z = state.w
        msg.twist.covariance = cov
        self._odom_pub.publish(msg)
        self._publish_map_pose(state, msg)
        if self._tf_pub is not None:
            tf = TransformStamped()
            tf.header = msg.header
            tf.child_frame_id = self._base_frame
            tf.transform.translation.x = pose.position.x
            tf.transform.translation.y = pose.position.y
            tf.transform.translation.z = pose.position.z
            tf.transform.rotation = pose.orientation
            self._tf_pub.publish(TFMessage(transforms=[tf]))

    def _publish_map_pose(self, state: RobotState, odom: Odometry) -> None:
        """The true pose in ``map``, stamped as the odometry it corrects: a perfect localiser.

        In-process Sys1 steers by the simulator's true pose; on ROS it reads drifting odometry
        and needs this, as a robot needs its localiser.
        """
        loc = PoseWithCovarianceStamped()
        loc.header.stamp = odom.header.stamp
        loc.header.frame_id = "map"
        pose = loc.pose.pose
        pose.position.x, pose.position.y = state.x, state.y
        pose.position.z = odom.pose.pose.position.z
        pose.orientation.z, pose.orientation.w = quaternion_z(state.theta)
        self._map_pose_pub.publish(loc)

    def _publish_battery(self, state: RobotState) -> None:
        self._battery_pub.publish(
            battery_state(
                state.battery_soc,
                state.charging,
                stamp_of(state.t),
                self._base_frame,
                self.world.battery.config.capacity_wh,
            )
        )

    def _publish_elevators(self, state: RobotState) -> None:
        for car_id in self.world.elevators:
            with self._lock:
                s = self.world.elevator_status(car_id)
            key = (
                s.state,
                s.floor,
                s.direction,
                s.doors_open,
                s.hall_calls,
                s.car_calls,
                s.load,
                state.aboard == car_id,
            )
            if self._elevator_seen.get(car_id) == key:
                continue
            self._elevator_seen[car_id] = key
            self._elevator_pub.publish(
                ElevatorStatus(
                    elevator=car_id,
                    time=state.t,
                    floor=s.floor,
                    state=s.state,
                    direction=max(-1, min(1, s.direction)),
                    doors_open=s.doors_open,
                    hall_calls=list(s.hall_calls),
                    car_calls=list(s.car_calls),
                    load=s.load,
                    capacity=s.capacity,
                    robot_aboard=state.aboard == car_id,
                )
            )

    def snapshot(self) -> RobotState:
        with self._lock:
            return self.world.robot_state()


class _Camera:
    """Renders the robot's forward camera from the world's scene, in its own callback group."""

    def __init__(self, node: SimNode, width: int, height: int) -> None:
        self.node = node
        self.group = MutuallyExclusiveCallbackGroup()
        self.frames = 0
        self._scenes: dict[int, Any] = {}
        try:
            from pepa.sim.camera import CameraConfig, Renderer
            from pepa.sim.camera_adapter import scene_for
        except ImportError as exc:
            self.available = False
            self.status = f"unavailable ({exc})"
            return
        self.available = True
        self.config = CameraConfig(width=width, height=height)
        self.renderer = Renderer(self.config)
        self._scene_for = scene_for
        self.status = f"{width}x{height}"
        self._image_pub = node.create_publisher(Image, IMAGE.name, qos.profile(IMAGE.qos, 2))
        self._info_pub = node.create_publisher(
            CameraInfo, CAMERA_INFO.name, qos.profile(CAMERA_INFO.qos, 2)
        )
        self._info = self._camera_info()

    def _camera_info(self) -> CameraInfo:
        fields = self.config.camera_info()
        info = CameraInfo()
        info.header.frame_id = str(fields["frame_id"])
        info.width, info.height = int(fields["width"]), int(fields["height"])
        info.distortion_model = str(fields["distortion_model"])
        info.d, info.k = list(fields["d"]), list(fields["k"])
        info.r, info.p = list(fields["r"]), list(fields["p"])
        return info

    def publish(self) -> None:
        state = self.node.snapshot()
        scene = self._scenes.get(state.floor)
        if scene is None:
            scene = self._scenes[state.floor] = self._scene_for(self.node.building, state.floor)
        frame = self.renderer.render(scene, state.x, state.y, state.theta)
        msg = Image()
        msg.header.stamp = stamp_of(state.t)
        msg.header.frame_id = self.config.frame_id
        msg.height, msg.width = frame.image.shape[:2]
        msg.encoding = "rgb8"
        msg.is_bigendian = 0
        msg.step = msg.width * 3
        msg.data = frame.image.tobytes()
        self._image_pub.publish(msg)
        self._info.header.stamp = msg.header.stamp
        self._info_pub.publish(self._info)
        self.frames += 1


def create(context: Context, parameters: dict[str, Any]) -> SimNode:
    """Registry factory (see pepa_ros.registry)."""
    # The simulator is the clock: it never follows /clock itself, whatever the others do.
    values = {**parameters, "use_sim_time": False}
    return SimNode(context=context, parameter_overrides=params.overrides(values))


main = node_main("sim")
