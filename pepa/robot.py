"""What Sys1 needs from a robot: one Protocol for the simulated office, Gazebo and the real robot.

Skills, perception and the safety guard talk only to a :class:`Robot`. What differs per platform
is one adapter class (:class:`pepa.sim.robot_adapter.SimRobot` in-process, or over ROS topics).
Units are REP-103 (metres, radians, m/s); poses are in the building's ``map`` frame. The protocol
and its values (poses, frames, sightings) sit below Sys1 and the platforms: an adapter fits the
protocol by its shape and imports nothing of Sys1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol, runtime_checkable

import numpy as np

from pepa.messages import ElevatorStatus, Pose

#: Body postures an ``express`` motion can ask for; a platform maps them to its own gaits.
POSTURES: tuple[str, ...] = ("stand", "sit", "lie_down", "stretch", "bow", "jump", "nod")


class RobotError(RuntimeError):
    """A robot command that the platform refused (elevator full, doors shut, not on a dock)."""


class RobotPose(NamedTuple):
    """The robot's estimated pose; cheap to make, since the control loop reads it every tick."""

    x: float
    y: float
    theta: float
    floor: int

    def to_pose(self) -> Pose:
        return Pose(x=self.x, y=self.y, theta=self.theta, floor=self.floor)


class BatteryStatus(NamedTuple):
    soc: float  # state of charge, 0..1
    charging: bool
    capacity_wh: float


@dataclass(frozen=True)
class CameraImage:
    """One camera frame with what a detector needs to turn pixels into metres."""

    image: np.ndarray  # HxWx3 uint8, RGB
    k: np.ndarray  # 3x3 intrinsic matrix
    mount_height_m: float
    pose: RobotPose  # the robot pose the frame was taken from
    time: float


SightingKind = Literal["landmark", "person", "elevator_panel", "object"]


@dataclass(frozen=True)
class Sighting:
    """One thing seen: ``ident`` is a landmark id, a person id or ``elevator@floor``."""

    kind: SightingKind
    ident: str
    floor: int
    x: float
    y: float
    distance: float
    bearing: float  # radians, positive to the robot's left
    incidence: float = 0.0  # angle between the marker's normal and the line of sight


@runtime_checkable
class Robot(Protocol):
    """The robot's interface as Sys1 sees it (what ``/cmd_vel``, ``/odom`` and friends carry)."""

    def set_cmd_vel(self, v: float, w: float) -> None:
        """Forward speed (m/s) and turn rate (rad/s) until the next command."""
        ...

    def pose(self) -> RobotPose:
        """Localised pose in the map frame (odometry corrected by the map on a real robot)."""
        ...

    def battery(self) -> BatteryStatus: ...

    def dock(self) -> bool:
        """Engage the charger; False when the robot is not standing on the dock."""
        ...

    def undock(self) -> None: ...

    def elevator_call(self, elevator: str, floor: int) -> bool:
        """Press the hall button on ``floor``; False when the car refuses (out of service)."""
        ...

    def elevator_press(self, elevator: str, floor: int) -> bool:
        """Press a car button (the robot is inside); False when refused."""
        ...

    def elevator_status(self, elevator: str) -> ElevatorStatus: ...

    def elevator_board(self, elevator: str) -> None:
        """Tell the car the robot is aboard (it stands inside); raises :class:`RobotError`."""
        ...

    def elevator_exit(self, elevator: str) -> None:
        """Tell the car the robot has left; raises :class:`RobotError` when doors are shut."""
        ...

    def speak(self, text: str, person: str | None = None) -> None:
        """Say ``text`` (to ``person`` when given). Text is only ever spoken, never run."""
        ...

    def express(self, posture: str) -> None:
        """Take a body posture from :data:`POSTURES`."""
        ...

    def lead(self, person: str, leading: bool) -> bool:
        """Ask ``person`` to follow the robot (or release them); False when they decline."""
        ...

    def camera_frame(self) -> CameraImage | None:
        """The latest camera frame, or None when the platform has no camera running."""
        ...
