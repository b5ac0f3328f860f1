"""The names the exported world, the robot model, the bridge and the elevator bridge node share.

Gazebo topics and ROS topics of the same thing carry the same name, so ``ros_gz_bridge``'s
configuration reads as a plain list of what crosses over.
"""

from __future__ import annotations

import re

ROBOT_MODEL = "pepa_robot"
ROBOT_CMD_VEL = f"/model/{ROBOT_MODEL}/cmd_vel"
ROBOT_ODOMETRY = f"/model/{ROBOT_MODEL}/odometry"
ROBOT_WHEEL_ODOMETRY = f"/model/{ROBOT_MODEL}/wheel_odometry"
ROBOT_WHEEL_TF = f"/model/{ROBOT_MODEL}/wheel_tf"
CAMERA_IMAGE = "/camera/image_raw"
#: Gazebo publishes a camera's intrinsics beside its image topic, under this name.
CAMERA_INFO = "/camera/camera_info"
ELEVATOR_PREFIX = "/pepa/gazebo/elevator"


def level_token(level: int) -> str:
    """A floor level as a name part: ``2`` -> ``"2"``, ``-1`` -> ``"m1"`` (basements)."""
    return f"m{-level}" if level < 0 else str(level)


def world_name(building_name: str) -> str:
    """The SDF world's name: the building's, reduced to what Gazebo topic names accept."""
    name = re.sub(r"[^a-z0-9_]+", "_", building_name.lower()).strip("_")
    return name or "building"


def clock_topic(world: str) -> str:
    return f"/world/{world}/clock"


def car_topic(elevator_id: str) -> str:
    """Target height (m, from the car's start floor) of an elevator car's lift joint."""
    return f"{ELEVATOR_PREFIX}/{elevator_id}/car"


def door_topic(elevator_id: str, level: int) -> str:
    """Target opening (m) of an elevator's landing door on a floor."""
    return f"{ELEVATOR_PREFIX}/{elevator_id}/door_{level_token(level)}"
