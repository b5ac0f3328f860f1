"""The ``ros_gz_bridge`` configuration: which Gazebo topics cross to ROS 2 and back.

ROS names are the robot's interface that Sys1 speaks in the simulated office and on a robot
(``/cmd_vel`` in; ``/odom``, the camera and ``/clock`` out); the elevator bridge node's joint
targets go the other way to the joint position controllers the world declares.
"""

from __future__ import annotations

from enum import StrEnum

import yaml
from pydantic import BaseModel, ConfigDict

from sim.building import Building
from sim.gazebo import names


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


def bridge_entries(building: Building) -> list[BridgeEntry]:
    world = names.world_name(building.name)
    out = [
        BridgeEntry(
            ros_topic_name="/cmd_vel",
            gz_topic_name=names.ROBOT_CMD_VEL,
            ros_type_name="geometry_msgs/msg/Twist",
            gz_type_name="gz.msgs.Twist",
            direction=Direction.ROS_TO_GZ,
        ),
        BridgeEntry(
            ros_topic_name="/odom",
            gz_topic_name=names.ROBOT_ODOMETRY,
            ros_type_name="nav_msgs/msg/Odometry",
            gz_type_name="gz.msgs.Odometry",
            direction=Direction.GZ_TO_ROS,
        ),
        BridgeEntry(
            ros_topic_name="/camera/image_raw",
            gz_topic_name=names.CAMERA_IMAGE,
            ros_type_name="sensor_msgs/msg/Image",
            gz_type_name="gz.msgs.Image",
            direction=Direction.GZ_TO_ROS,
        ),
        BridgeEntry(
            ros_topic_name="/camera/camera_info",
            gz_topic_name=names.CAMERA_INFO,
            ros_type_name="sensor_msgs/msg/CameraInfo",
            gz_type_name="gz.msgs.CameraInfo",
            direction=Direction.GZ_TO_ROS,
        ),
        BridgeEntry(
            ros_topic_name="/clock",
            gz_topic_name=names.clock_topic(world),
            ros_type_name="rosgraph_msgs/msg/Clock",
            gz_type_name="gz.msgs.Clock",
            direction=Direction.GZ_TO_ROS,
        ),
    ]
    for e in building.elevators:
        topics = [names.car_topic(e.id)] + [names.door_topic(e.id, f) for f in e.floors]
        out += [
            BridgeEntry(
                ros_topic_name=t,
                gz_topic_name=t,
                ros_type_name="std_msgs/msg/Float64",
                gz_type_name="gz.msgs.Double",
                direction=Direction.ROS_TO_GZ,
            )
            for t in topics
        ]
    return out


def bridge_yaml(building: Building) -> str:
    entries = [e.model_dump(mode="json") for e in bridge_entries(building)]
    return yaml.safe_dump(entries, sort_keys=False)
