"""What differs per robot, in one class: how Sys1 moves it, senses it and makes it express.

Sys1 talks to a :class:`RobotAdapter` only, so the same skills run in the simulated office,
in Gazebo and on a real robot:

* :class:`SimOfficeAdapter` — the project's simulated office: standard topics plus the
  elevator interface (``/pepa/elevator/call``, ``/pepa/elevator/state``).
* :class:`GenericRosRobotAdapter` — any ROS 2 robot (Gazebo or real) with ``cmd_vel``,
  ``odom``, a camera and a battery topic, each name remappable; no elevator interface.
* :class:`Go2Adapter` — a Unitree Go2: sensing through ROS topics as the generic adapter,
  walking and the expressive motions through the robot's own motion API, reached by one
  pluggable :class:`Go2MotionApi` (for instance a wrapper of unitree_sdk2's sport client).
  It cannot be tested here (no robot, no SDK); :class:`DryRunMotionApi` logs what would be
  sent, to check a deployment's wiring before the robot is powered.

Sys1 steers in the ``map`` frame: each adapter composes the latest odometry with the
``map -> odom`` correction of the newest localisation (``/amcl_pose``, stamped as the odometry
it corrects), as a robot's localiser does; odometry alone drifts metres per kilometre.

Robots without built-in expressive motions play them as short velocity patterns
(:data:`EXPRESS_PATTERNS`): a wag is a yaw oscillation, a nod a short forward-back rock.
"""

from __future__ import annotations

import logging
import math
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pepa.messages import ElevatorCall, ElevatorStatus
from pepa_ros import qos
from pepa_ros.codec import JsonCodec
from pepa_ros.topics import (
    BATTERY,
    CAMERA_INFO,
    CMD_VEL,
    ELEVATOR_CALL,
    ELEVATOR_STATE,
    IMAGE,
    LOCALIZATION,
    ODOM,
)

if TYPE_CHECKING:
    from geometry_msgs.msg import PoseWithCovarianceStamped
    from nav_msgs.msg import Odometry
    from rclpy.node import Node
    from sensor_msgs.msg import BatteryState, Image

log = logging.getLogger(__name__)

ODOM_HISTORY = 256
"""Odometry samples kept to find the one a localisation was stamped with."""


class UnsupportedMotionError(ValueError):
    """An expressive motion this robot cannot perform; names the motion and the robot."""


class RobotTopics(BaseModel):
    """Topic names of a robot; remap them for a robot that uses others."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cmd_vel: str = CMD_VEL.name
    odom: str = ODOM.name
    localization: str = LOCALIZATION.name
    image: str = IMAGE.name
    camera_info: str = CAMERA_INFO.name
    battery: str = BATTERY.name


class OdomSample(BaseModel):
    """The body's pose in the odom frame and its velocity, with the stamp (s)."""

    model_config = ConfigDict(frozen=True)

    stamp: float
    x: float
    y: float
    theta: float
    v: float
    w: float
    z: float = 0.0


class MapFromOdom(BaseModel):
    """The ``map -> odom`` transform (planar): where odometry's frame lies in the map."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    yaw: float

    @classmethod
    def between(cls, in_map: tuple[float, float, float], odom: OdomSample) -> MapFromOdom:
        """The correction that puts ``odom`` at ``in_map`` (x, y, theta)."""
        yaw = in_map[2] - odom.theta
        c, s = math.cos(yaw), math.sin(yaw)
        x = in_map[0] - (c * odom.x - s * odom.y)
        y = in_map[1] - (s * odom.x + c * odom.y)
        return cls(x=x, y=y, yaw=yaw)

    def apply(self, odom: OdomSample) -> tuple[float, float, float]:
        """``odom`` in the map frame (x, y, theta)."""
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        theta = math.atan2(math.sin(odom.theta + self.yaw), math.cos(odom.theta + self.yaw))
        return (self.x + c * odom.x - s * odom.y, self.y + s * odom.x + c * odom.y, theta)


class BatterySample(BaseModel):
    model_config = ConfigDict(frozen=True)

    stamp: float
    soc: float = Field(ge=0.0, le=1.0)
    charging: bool


class Segment(BaseModel):
    """Hold a velocity for a while."""

    model_config = ConfigDict(frozen=True)

    v: float
    w: float
    seconds: float = Field(gt=0)


def _wag() -> tuple[Segment, ...]:
    return tuple(Segment(v=0.0, w=(1.2 if i % 2 == 0 else -1.2), seconds=0.25) for i in range(6))


EXPRESS_PATTERNS: dict[str, tuple[Segment, ...]] = {
    "wag": _wag(),
    "nod": (Segment(v=0.15, w=0.0, seconds=0.2), Segment(v=-0.15, w=0.0, seconds=0.2)) * 2,
    "dance": (
        Segment(v=0.0, w=1.5, seconds=1.0),
        Segment(v=0.0, w=-1.5, seconds=1.0),
        *_wag(),
    ),
    "jump": (Segment(v=0.3, w=0.0, seconds=0.3), Segment(v=-0.3, w=0.0, seconds=0.3)),
    "bow": (Segment(v=-0.1, w=0.0, seconds=0.4), Segment(v=0.0, w=0.0, seconds=1.0)),
    "sit": (Segment(v=0.0, w=0.0, seconds=2.0),),
    "stretch": (Segment(v=0.05, w=0.0, seconds=1.0), Segment(v=-0.05, w=0.0, seconds=1.0)),
}
"""Expressive motions as velocity patterns, for robots without built-in ones."""


def image_to_rgb(msg: Image) -> np.ndarray:
    """A ``sensor_msgs/Image`` as an HxWx3 uint8 RGB array (rgb8, bgr8, rgba8, bgra8, mono8)."""
    channels = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "mono8": 1}.get(msg.encoding)
    if channels is None:
        raise ValueError(f"image encoding {msg.encoding!r} is not supported")
    row = msg.width * channels
    if msg.step < row or len(msg.data) < msg.step * msg.height:
        raise ValueError(
            f"image {msg.width}x{msg.height} {msg.encoding}: step {msg.step} or data size "
            f"{len(msg.data)} too small"
        )
    buf = np.frombuffer(bytes(msg.data), dtype=np.uint8).reshape(msg.height, msg.step)
    pixels = buf[:, :row].reshape(msg.height, msg.width, channels)
    if msg.encoding == "mono8":
        return np.repeat(pixels, 3, axis=2)
    if msg.encoding.startswith("bgr"):
        return np.ascontiguousarray(pixels[:, :, 2::-1])
    return np.ascontiguousarray(pixels[:, :, :3])


def yaw_of(qz: float, qw: float, qx: float = 0.0, qy: float = 0.0) -> float:
    return math.atan2(2.0 * (qw * qz + qx * qy), 1.0 - 2.0 * (qy * qy + qz * qz))


class RobotAdapter(ABC):
    """A robot as Sys1 sees it. Thread-safe: callbacks update, the control loop reads."""

    kind: ClassVar[str]

    def __init__(self, node: Node, topics: RobotTopics | None = None) -> None:
        from geometry_msgs.msg import PoseWithCovarianceStamped, Twist
        from nav_msgs.msg import Odometry
        from sensor_msgs.msg import BatteryState, Image

        self.node = node
        self.topics = topics or RobotTopics()
        self._lock = threading.Lock()
        self._odom: OdomSample | None = None
        self._odom_history: deque[OdomSample] = deque(maxlen=ODOM_HISTORY)
        self._map_from_odom: MapFromOdom | None = None
        self._image: Image | None = None
        self._battery: BatterySample | None = None
        self._twist = Twist
        self._pattern: list[Segment] = []
        self._pattern_end = 0.0
        self._cmd = node.create_publisher(Twist, self.topics.cmd_vel, qos.command(depth=10))
        node.create_subscription(Odometry, self.topics.odom, self._on_odom, qos.sensor())
        node.create_subscription(
            PoseWithCovarianceStamped,
            self.topics.localization,
            self._on_localization,
            qos.profile(LOCALIZATION.qos),
        )
        node.create_subscription(Image, self.topics.image, self._on_image, qos.sensor(depth=2))
        node.create_subscription(BatteryState, self.topics.battery, self._on_battery, qos.sensor())
        # Runs only while an expressive motion plays: an idle 50 Hz timer would wake the
        # executor (and take the GIL from the control loop) for nothing.
        self._pattern_timer = node.create_timer(0.02, self._pattern_step)
        self._pattern_timer.cancel()

    # -- sensing ----------------------------------------------------------------------------

    def _on_odom(self, msg: Odometry) -> None:
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        sample = OdomSample(
            stamp=msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9,
            x=p.x,
            y=p.y,
            theta=yaw_of(q.z, q.w, q.x, q.y),
            v=msg.twist.twist.linear.x,
            w=msg.twist.twist.angular.z,
            z=p.z,
        )
        with self._lock:
            self._odom = sample
            self._odom_history.append(sample)

    def _on_localization(self, msg: PoseWithCovarianceStamped) -> None:
        stamp = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        p, q = msg.pose.pose.position, msg.pose.pose.orientation
        in_map = (p.x, p.y, yaw_of(q.z, q.w, q.x, q.y))
        with self._lock:
            odom = next((o for o in reversed(self._odom_history) if o.stamp <= stamp + 1e-6), None)
            if odom is None:
                return  # older than every odometry kept: nothing to correct
            self._map_from_odom = MapFromOdom.between(in_map, odom)

    def in_map(self, odom: OdomSample) -> tuple[float, float, float]:
        """``odom`` in the map frame (x, y, theta); odometry itself until a localiser is heard."""
        with self._lock:
            correction = self._map_from_odom
        return (odom.x, odom.y, odom.theta) if correction is None else correction.apply(odom)

    def _on_image(self, msg: Image) -> None:
        with self._lock:
            self._image = msg

    def _on_battery(self, msg: BatteryState) -> None:
        charging = type(msg).POWER_SUPPLY_STATUS_CHARGING
        soc = msg.percentage if math.isfinite(msg.percentage) else 0.0
        sample = BatterySample(
            stamp=msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9,
            soc=min(1.0, max(0.0, soc)),
            charging=msg.power_supply_status == charging,
        )
        with self._lock:
            self._battery = sample

    def odometry(self) -> OdomSample | None:
        with self._lock:
            return self._odom

    def image(self) -> np.ndarray | None:
        """The latest camera frame as RGB, or None before the first one."""
        with self._lock:
            msg = self._image
        return None if msg is None else image_to_rgb(msg)

    def battery(self) -> BatterySample | None:
        with self._lock:
            return self._battery

    # -- acting -----------------------------------------------------------------------------

    def send_velocity(self, v: float, w: float) -> None:
        """Command a body velocity (m/s, rad/s); cancels an expressive motion in progress."""
        if not (math.isfinite(v) and math.isfinite(w)):
            raise ValueError(f"velocity must be finite, got v={v!r}, w={w!r}")
        self._cancel_pattern()
        self._publish(v, w)

    def stop(self) -> None:
        self.send_velocity(0.0, 0.0)

    def _publish(self, v: float, w: float) -> None:
        msg = self._twist()
        msg.linear.x = float(v)
        msg.angular.z = float(w)
        self._cmd.publish(msg)

    @abstractmethod
    def express(self, emotion: str) -> float:
        """Start an expressive motion; return its duration (s). Raises UnsupportedMotionError."""

    def express_busy(self) -> bool:
        return bool(self._pattern)

    def _play(self, emotion: str) -> float:
        pattern = EXPRESS_PATTERNS.get(emotion)
        if pattern is None:
            raise UnsupportedMotionError(
                f"{self.kind} robot cannot express {emotion!r}; known: "
                + ", ".join(sorted(EXPRESS_PATTERNS))
            )
        self._cancel_pattern()
        with self._lock:
            self._pattern = list(pattern)
            self._pattern_end = self._now() + pattern[0].seconds
            self._pattern_timer.reset()
        self._publish(pattern[0].v, pattern[0].w)
        return sum(s.seconds for s in pattern)

    def _now(self) -> float:
        return self.node.get_clock().now().nanoseconds * 1e-9

    def _pattern_step(self) -> None:
        with self._lock:
            if not self._pattern or self._now() < self._pattern_end:
                return
            self._pattern.pop(0)
            nxt = self._pattern[0] if self._pattern else None
            if nxt is not None:
                self._pattern_end = self._now() + nxt.seconds
            else:
                self._pattern_timer.cancel()
        if nxt is None:
            self._publish(0.0, 0.0)
        else:
            self._publish(nxt.v, nxt.w)

    def _cancel_pattern(self) -> None:
        with self._lock:
            self._pattern = []
            self._pattern_timer.cancel()

    # -- elevators --------------------------------------------------------------------------

    def call_elevator(self, call: ElevatorCall) -> bool:
        """Press an elevator button; False when this robot has no elevator interface."""
        log.info("%s robot has no elevator interface; ignoring %s", self.kind, call)
        return False

    def elevators(self) -> dict[str, ElevatorStatus]:
        return {}


class SimOfficeAdapter(RobotAdapter):
    """The simulated office: standard topics, velocity-pattern emotions, elevators."""

    kind = "sim_office"

    def __init__(
        self, node: Node, topics: RobotTopics | None = None, codec: JsonCodec | None = None
    ) -> None:
        super().__init__(node, topics)
        self.codec = codec or JsonCodec()
        self._elevators: dict[str, ElevatorStatus] = {}
        self._call_pub = self.codec.publisher(
            node, ElevatorCall, ELEVATOR_CALL.name, qos.profile(ELEVATOR_CALL.qos)
        )
        self.codec.subscribe(
            node,
            ElevatorStatus,
            ELEVATOR_STATE.name,
            self._on_elevator,
            qos.profile(ELEVATOR_STATE.qos, ELEVATOR_STATE.depth),
        )

    def _on_elevator(self, status: ElevatorStatus) -> None:
        with self._lock:
            self._elevators[status.elevator] = status

    def express(self, emotion: str) -> float:
        return self._play(emotion)

    def call_elevator(self, call: ElevatorCall) -> bool:
        self._call_pub.publish(call)
        return True

    def elevators(self) -> dict[str, ElevatorStatus]:
        with self._lock:
            return dict(self._elevators)


class GenericRosRobotAdapter(RobotAdapter):
    """Any ROS 2 robot (Gazebo or real) with remappable standard topics."""

    kind = "generic"

    def express(self, emotion: str) -> float:
        return self._play(emotion)


class Go2MotionApi(Protocol):
    """The slice of the Go2's motion API PEPA needs; wrap the vendor SDK's client in it.

    ``move`` takes body velocities (m/s, m/s, rad/s); ``action`` runs one of the robot's
    built-in motions by the SDK's name for it (see :data:`GO2_EXPRESS`).
    """

    def move(self, vx: float, vy: float, vyaw: float) -> None: ...

    def stop_move(self) -> None: ...

    def action(self, name: str) -> None: ...


GO2_EXPRESS: dict[str, tuple[str, float]] = {
    "wag": ("WiggleHips", 3.0),
    "sit": ("Sit", 3.0),
    "stretch": ("Stretch", 4.0),
    "dance": ("Dance1", 8.0),
    "bow": ("Scrape", 3.0),
    "nod": ("Hello", 3.0),
    "jump": ("FrontJump", 2.0),
}
"""Each emotion -> (built-in motion of the Go2's sport mode, its approximate duration in s)."""


class DryRunMotionApi:
    """A :class:`Go2MotionApi` that only logs: for checking a deployment before the robot."""

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self._sink = sink or log.info

    def move(self, vx: float, vy: float, vyaw: float) -> None:
        self._sink(f"move vx={vx:.2f} vy={vy:.2f} vyaw={vyaw:.2f}")

    def stop_move(self) -> None:
        self._sink("stop_move")

    def action(self, name: str) -> None:
        self._sink(f"action {name}")


class Go2Adapter(GenericRosRobotAdapter):
    """A Unitree Go2: ROS topics for sensing, the robot's motion API for motion.

    Untested here: it needs the robot and its SDK.
    """

    kind = "go2"

    def __init__(
        self, node: Node, motion_api: Go2MotionApi, topics: RobotTopics | None = None
    ) -> None:
        super().__init__(node, topics)
        self.api = motion_api

    def send_velocity(self, v: float, w: float) -> None:
        if not (math.isfinite(v) and math.isfinite(w)):
            raise ValueError(f"velocity must be finite, got v={v!r}, w={w!r}")
        if v == 0.0 and w == 0.0:
            self.api.stop_move()
        else:
            self.api.move(float(v), 0.0, float(w))

    def express(self, emotion: str) -> float:
        entry = GO2_EXPRESS.get(emotion)
        if entry is None:
            raise UnsupportedMotionError(
                f"go2 robot cannot express {emotion!r}; known: {', '.join(sorted(GO2_EXPRESS))}"
            )
        self.api.stop_move()
        self.api.action(entry[0])
        return entry[1]


AdapterKind = Literal["sim_office", "generic", "go2"]


def make_adapter(
    kind: AdapterKind,
    node: Node,
    topics: RobotTopics | None = None,
    motion_api: Go2MotionApi | None = None,
) -> RobotAdapter:
    """The adapter for ``kind``; a Go2 needs its motion API."""
    if kind == "sim_office":
        return SimOfficeAdapter(node, topics)
    if kind == "generic":
        return GenericRosRobotAdapter(node, topics)
    if kind == "go2":
        if motion_api is None:
            raise ValueError("robot 'go2' needs a motion API (a Go2MotionApi implementation)")
        return Go2Adapter(node, motion_api, topics)
    raise ValueError(f"unknown robot adapter {kind!r}; known: sim_office, generic, go2")
