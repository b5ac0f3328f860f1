"""The ``ros_gz_bridge`` configuration: which Gazebo topics cross to ROS 2 and back.

ROS names are the robot's interface that Sys1 speaks in the simulated office and on a robot
(``/cmd_vel`` in; ``/odom``, the camera and ``/clock`` out); the elevator bridge node's joint
targets go the other way to the joint position controllers the world declares.
"""

from __future__ import annotations

from enum import StrEnum

import yaml
from pydantic import BaseModel, ConfigDict

from pepa.building.layout import Building
from pepa.sim.gazebo import names


class Direction(StrEnum):
    GZ_TO_ROS = "GZ_TO_ROS"
    ROS_TO_GZ = "ROS_TO_GZ"


class BridgeEntry(BaseModel):
    """One line of the bridge's YAML file (its field names are ros_gz_bridge's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ros_topic_name: str
    gz_topic_name: str
    ros_type_name: str
    gz_type_name: str
    direction: Direction


#: The robot's interface: (ROS topic, Gazebo topic, ROS type, Gazebo type, direction); the
#: clock's Gazebo topic carries the world's name.
ROBOT_TOPICS: tuple[tuple[str, str, str, str, Direction], ...] = (
    (
        "/cmd_vel",
        names.ROBOT_CMD_VEL,
        "geometry_msgs/msg/Twist",
        "gz.msgs.Twist",
        Direction.ROS_TO_GZ,
    ),
    (
        "/odom",
        names.ROBOT_ODOMETRY,
        "nav_msgs/msg/Odometry",
        "gz.msgs.Odometry",
        Direction.GZ_TO_ROS,
    ),
    (
        "/camera/image_raw",
        names.CAMERA_IMAGE,
        "sensor_msgs/msg/Image",
        "gz.msgs.Image",
        Direction.GZ_TO_ROS,
    ),
    (
        "/camera/camera_info",
        names.CAMERA_INFO,
        "sensor_msgs/msg/CameraInfo",
        "gz.msgs.CameraInfo",
        Direction.GZ_TO_ROS,
    ),
)


def bridge_entries(building: Building) -> list[BridgeEntry]:
    world = names.world_name(building.name)
    rows = [
        *ROBOT_TOPICS,
        (
            "/clock",
            names.clock_topic(world),
            "rosgraph_msgs/msg/Clock",
            "gz.msgs.Clock",
            Direction.GZ_TO_ROS,
        ),
    ]
    for e in building.elevators:
        for t in [names.car_topic(e.id)] + [names.door_topic(e.id, f) for f in e.floors]:
            rows.append((t, t, "std_msgs/msg/Float64", "gz.msgs.Double", Direction.ROS_TO_GZ))
    return [
        BridgeEntry(
            ros_topic_name=ros,
            gz_topic_name=gz,
            ros_type_name=ros_type,
            gz_type_name=gz_type,
            direction=direction,
        )
        for ros, gz, ros_type, gz_type, direction in rows
    ]


def bridge_yaml(building: Building) -> str:
    entries = [e.model_dump(mode="json") for e in bridge_entries(building)]
    return yaml.safe_dump(entries, sort_keys=False)
