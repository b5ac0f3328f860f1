"""The robot for Gazebo: a differential-drive base the size of the simulator's robot, the
forward camera with the simulator's intrinsics, and odometry in the building's frame.

Sys1 reads ``/odom`` as the robot's pose in the building (the simulated office starts its
odometry at the map pose), so the odometry comes from Gazebo's odometry publisher over the
model's pose in the world, whose frame is the building's; the diff-drive's own wheel
odometry is kept on a topic of its own. The battery is PEPA's model, integrated by the
battery node (``pepa_ros.gazebo_battery``), so energy is spent as in the simulated office.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from pydantic import BaseModel, ConfigDict

from pepa.building.layout import Building
from pepa.sim.camera import CameraConfig
from pepa.sim.gazebo import names
from pepa.sim.gazebo.sdf import box, document, inertial, num, plugin, pose, sub, vec
from pepa.sim.robot import RobotConfig

WHEEL_RADIUS_M = 0.1
WHEEL_WIDTH_M = 0.05
CASTER_RADIUS_M = 0.05
BODY_RGBA = (0.95, 0.55, 0.1, 1.0)
ODOM_RATE_HZ = 20.0
CAMERA_RATE_HZ = 10.0


def robot_sdf(robot: RobotConfig | None = None, camera: CameraConfig | None = None) -> str:
    """The robot model document (spawned at the dock by the launch file)."""
    r = robot or RobotConfig()
    c = camera or CameraConfig()
    length, width = 2 * r.radius_m, 1.4 * r.radius_m
    body = (length, width, 0.2)
    separation = width + WHEEL_WIDTH_M + 0.02
    model = ET.Element("model", name=names.ROBOT_MODEL)
    base = sub(model, "link", name="base_link")
    inertial(base, 15.0, body)
    box(base, "body", body, (0, 0, WHEEL_RADIUS_M + body[2] / 2), BODY_RGBA, bitmask=0xFF)
    reach = length / 2 - CASTER_RADIUS_M
    for side, x in (("front", reach), ("back", -reach)):
        _caster(base, side, x)
    for side, y in (("left", separation / 2), ("right", -separation / 2)):
        wheel = sub(model, "link", name=f"{side}_wheel")
        pose(wheel, 0, y, WHEEL_RADIUS_M, -math.pi / 2, 0, 0)
        inertial(wheel, 1.0, (2 * WHEEL_RADIUS_M, 2 * WHEEL_RADIUS_M, WHEEL_WIDTH_M))
        for kind in ("collision", "visual"):
            el = sub(wheel, kind, name="tyre")
            cyl = sub(sub(el, "geometry"), "cylinder")
            sub(cyl, "radius", WHEEL_RADIUS_M)
            sub(cyl, "length", WHEEL_WIDTH_M)
        joint = sub(model, "joint", name=f"{side}_wheel_joint", type="revolute")
        sub(joint, "parent", "base_link")
        sub(joint, "child", f"{side}_wheel")
        sub(sub(joint, "axis"), "xyz", vec(0, 0, 1))
    _camera(base, c)
    plugin(
        model,
        "gz-sim-diff-drive-system",
        "gz::sim::systems::DiffDrive",
        left_joint="left_wheel_joint",
        right_joint="right_wheel_joint",
        wheel_separation=separation,
        wheel_radius=WHEEL_RADIUS_M,
        max_linear_velocity=r.max_v,
        max_angular_velocity=r.max_w,
        topic=names.ROBOT_CMD_VEL,
        odom_topic=names.ROBOT_WHEEL_ODOMETRY,
        tf_topic=names.ROBOT_WHEEL_TF,
    )
    plugin(
        model,
        "gz-sim-odometry-publisher-system",
        "gz::sim::systems::OdometryPublisher",
        odom_frame="odom",
        robot_base_frame="base_link",
        odom_topic=names.ROBOT_ODOMETRY,
        odom_publish_frequency=ODOM_RATE_HZ,
        dimensions=3,
    )
    return document(model)


def _caster(base: ET.Element, side: str, x: float) -> None:
    """A frictionless ball under the body: the base rests on it and the two wheels."""
    for kind in ("collision", "visual"):
        el = sub(base, kind, name=f"caster_{side}")
        pose(el, x, 0, CASTER_RADIUS_M)
        sub(sub(sub(el, "geometry"), "sphere"), "radius", CASTER_RADIUS_M)
        if kind == "collision":
            ode = sub(sub(sub(el, "surface"), "friction"), "ode")
            sub(ode, "mu", 0.0)
            sub(ode, "mu2", 0.0)


def _camera(base: ET.Element, c: CameraConfig) -> None:
    """The forward camera at the simulator's mount height, with its exact intrinsics
    (Gazebo publishes them beside the image as camera_info)."""
    sensor = sub(base, "sensor", name="camera", type="camera")
    pose(sensor, 0.25, 0, c.mount_height_m)
    sub(sensor, "always_on", "true")
    sub(sensor, "update_rate", CAMERA_RATE_HZ)
    sub(sensor, "topic", names.CAMERA_IMAGE)
    cam = sub(sensor, "camera", name="forward")
    sub(cam, "horizontal_fov", math.radians(c.hfov_deg))
    image = sub(cam, "image")
    sub(image, "width", str(c.width))
    sub(image, "height", str(c.height))
    sub(image, "format", "R8G8B8")
    clip = sub(cam, "clip")
    sub(clip, "near", c.near_m)
    sub(clip, "far", c.max_range_m)
    intrinsics = sub(sub(cam, "lens"), "intrinsics")
    sub(intrinsics, "fx", c.fx)
    sub(intrinsics, "fy", c.fy)
    sub(intrinsics, "cx", c.cx)
    sub(intrinsics, "cy", c.cy)
    sub(intrinsics, "s", 0.0)


class SpawnPose(BaseModel):
    """Where the launch file puts the robot: on the dock, facing the dock's way."""

    model_config = ConfigDict(frozen=True)
    world: str
    x: float
    y: float
    z: float
    yaw: float

    def create_arguments(self) -> list[str]:
        """The pose as ``ros_gz_sim create`` arguments."""
        return [
            *("-world", self.world),
            *("-x", num(self.x), "-y", num(self.y), "-z", num(self.z), "-Y", num(self.yaw)),
        ]


#: Spawned this far above the dock's floor, the robot settles onto its wheels.
SPAWN_CLEARANCE_M = 0.05


def spawn_pose(building: Building) -> SpawnPose:
    dock = building.spec.dock
    level = building.room(dock.room).floor
    elevation = next(f.elevation_m for f in building.floors if f.level == level)
    return SpawnPose(
        world=names.world_name(building.name),
        x=dock.x,
        y=dock.y,
        z=elevation + SPAWN_CLEARANCE_M,
        yaw=dock.theta_rad,
    )
