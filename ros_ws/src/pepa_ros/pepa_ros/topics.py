"""Every topic and service of the PEPA nodes: name, type, QoS, meaning.

Nodes create their endpoints from these tables and ``docs/interfaces.md`` is generated from
them, so the documentation cannot drift from what runs. Cognitive topics carry an
``agent.messages`` model as JSON in ``std_msgs/String`` (``model`` names it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pepa_ros.params import RECORDER_PARAMETERS, SIM_PARAMETERS, ParamSpec
from pepa_ros.qos import QosKind

STRING = "std_msgs/msg/String"


class TopicSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^/[a-z0-9_/]+$")
    type: str
    qos: QosKind
    depth: int | None = None
    model: str | None = Field(default=None, description="agent.messages model carried as JSON")
    description: str


class ServiceSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str
    description: str


class NodeInterface(BaseModel):
    """What one node offers and needs on ROS."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    node: str
    executable: str
    summary: str
    publishes: tuple[TopicSpec, ...] = ()
    subscribes: tuple[TopicSpec, ...] = ()
    services: tuple[ServiceSpec, ...] = ()
    parameters: tuple[ParamSpec, ...] = ()


# --- the robot's interface (what the sim, Gazebo and the real robot all speak) ---------------

CMD_VEL = TopicSpec(
    name="/cmd_vel",
    type="geometry_msgs/msg/Twist",
    qos="command",
    description="velocity command in base_link: linear.x (m/s), angular.z (rad/s)",
)
ODOM = TopicSpec(
    name="/odom",
    type="nav_msgs/msg/Odometry",
    qos="sensor",
    description="pose of base_link in odom and its velocity; carries the odom->base_link "
    "transform (header.frame_id -> child_frame_id)",
)
TF = TopicSpec(
    name="/tf",
    type="tf2_msgs/msg/TFMessage",
    qos="event",
    depth=100,
    description="odom->base_link, published only where the tf2_msgs package is installed",
)
IMAGE = TopicSpec(
    name="/camera/image_raw",
    type="sensor_msgs/msg/Image",
    qos="sensor",
    depth=2,
    description="forward camera, rgb8",
)
CAMERA_INFO = TopicSpec(
    name="/camera/camera_info",
    type="sensor_msgs/msg/CameraInfo",
    qos="sensor",
    depth=2,
    description="intrinsics of the forward camera (plumb-bob, no distortion)",
)
BATTERY = TopicSpec(
    name="/battery_state",
    type="sensor_msgs/msg/BatteryState",
    qos="sensor",
    description="state of charge (percentage 0..1), voltage, charging status",
)
CLOCK = TopicSpec(
    name="/clock",
    type="rosgraph_msgs/msg/Clock",
    qos="clock",
    description="simulated time, for nodes with use_sim_time",
)
ELEVATOR_STATE = TopicSpec(
    name="/pepa/elevator/state",
    type=STRING,
    qos="latched",
    depth=8,
    model="ElevatorStatus",
    description="each car's floor, state, calls and load; one message per car on change",
)
ELEVATOR_CALL = TopicSpec(
    name="/pepa/elevator/call",
    type=STRING,
    qos="event",
    model="ElevatorCall",
    description="press a hall button (call the car to a floor) or a car button (go to a floor)",
)

# --- the cognitive topics (Sys1, Sys2, Sys3 and the console bridge) --------------------------

REQUESTS = TopicSpec(
    name="/pepa/requests",
    type=STRING,
    qos="event",
    model="UserRequest",
    description="new user requests (console, or people the robot meets)",
)
REQUEST_UPDATES = TopicSpec(
    name="/pepa/request_updates",
    type=STRING,
    qos="event",
    model="UserRequest",
    description="a request each time its state changes, with its history",
)
GOAL = TopicSpec(
    name="/pepa/goal",
    type=STRING,
    qos="latched",
    model="Goal",
    description="the ultimate goal Sys3 derived from the personality",
)
DAILY_GOALS = TopicSpec(
    name="/pepa/daily_goals",
    type=STRING,
    qos="latched",
    depth=5,
    model="DailyGoal",
    description="today's condition -> action rules, one message per goal",
)
DECISIONS = TopicSpec(
    name="/pepa/decisions",
    type=STRING,
    qos="event",
    model="Decision",
    description="each Sys2 arbitration: the chosen candidate, the plan, the alternatives",
)
PLAN = TopicSpec(
    name="/pepa/plan",
    type=STRING,
    qos="latched",
    model="Plan",
    description="the plan Sys1 is executing, with its progress",
)
EXPERIENCES = TopicSpec(
    name="/pepa/experiences",
    type=STRING,
    qos="event",
    model="Experience",
    description="episodes Sys1 records for episodic memory",
)
STATUS = TopicSpec(
    name="/pepa/status",
    type=STRING,
    qos="latched",
    model="AgentStatus",
    description="the agent's status, including the count of bad messages it dropped",
)
REFLECTIONS = TopicSpec(
    name="/pepa/reflections",
    type=STRING,
    qos="latched",
    depth=7,
    model="Reflection",
    description="Sys3's daily self-reflections (the last week's survive a late subscriber)",
)

COGNITIVE_TOPICS: tuple[TopicSpec, ...] = (
    REQUESTS,
    REQUEST_UPDATES,
    GOAL,
    DAILY_GOALS,
    DECISIONS,
    PLAN,
    EXPERIENCES,
    STATUS,
    REFLECTIONS,
)

# --- the nodes -------------------------------------------------------------------------------

SIM_NODE = NodeInterface(
    node="pepa_sim",
    executable="sim_node",
    summary="the simulated office, speaking the robot's ROS interface",
    publishes=(ODOM, TF, IMAGE, CAMERA_INFO, BATTERY, CLOCK, ELEVATOR_STATE),
    subscribes=(CMD_VEL, ELEVATOR_CALL),
    parameters=SIM_PARAMETERS,
)

RECORDER_NODE = NodeInterface(
    node="pepa_recorder",
    executable="recorder",
    summary="records every discovered topic into an MCAP file (ROS 2 CDR, ros2msg schemas)",
    parameters=RECORDER_PARAMETERS,
)

NODES: tuple[NodeInterface, ...] = (SIM_NODE, RECORDER_NODE)
