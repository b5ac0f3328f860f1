"""Every topic and service of the PEPA nodes: name, type, QoS, meaning.

Nodes create their endpoints from these tables and ``docs/interfaces.md`` is generated from
them, so the documentation cannot drift from what runs. Cognitive topics carry an
``pepa.messages`` model as JSON in ``std_msgs/String`` (``model`` names it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pepa.messages import MESSAGE_TYPES, Message
from pepa.world_state import WorldState
from pepa_ros.health import NodeHealth
from pepa_ros.params import (
    CONSOLE_PARAMETERS,
    GAZEBO_BATTERY_PARAMETERS,
    GAZEBO_ELEVATOR_PARAMETERS,
    RECORDER_PARAMETERS,
    SIM_PARAMETERS,
    SYS1_PARAMETERS,
    SYS2_PARAMETERS,
    SYS3_PARAMETERS,
    ParamSpec,
)
from pepa_ros.qos import QosKind
from pepa_ros.rpc import RpcCall, RpcReply

STRING = "std_msgs/msg/String"


class TopicSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^/[a-z0-9_/]+$")
    type: str
    qos: QosKind
    depth: int | None = None
    model: str | None = Field(default=None, description="pepa.messages model carried as JSON")
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
LOCALIZATION = TopicSpec(
    name="/amcl_pose",
    type="geometry_msgs/msg/PoseWithCovarianceStamped",
    qos="sensor",
    description="base_link in the map frame from a localiser, stamped as the /odom it "
    "corrects (nav2's AMCL publishes it here; the simulated office publishes its true pose, "
    "a perfect localiser); without it Sys1 steers by odometry alone, which drifts",
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

ELEVATOR_JOINTS = TopicSpec(
    name="/pepa/gazebo/elevator",
    type="std_msgs/msg/Float64",
    qos="command",
    description="Gazebo only, one topic per joint under this prefix: <elevator>/car (the car's "
    "height in m above its start floor) and <elevator>/door_<level> (a landing door's opening "
    "in m; level m1 is -1); ros_gz_bridge hands them to the world's joint position controllers",
)

# --- the cognitive topics (Sys1, Sys2, Sys3 and the console bridge) --------------------------

REQUESTS = TopicSpec(
    name="/pepa/requests",
    type="pepa_interfaces/msg/UserRequest",
    qos="event",
    model="UserRequest",
    description="new user requests from any node (people the robot meets); typed, the "
    "model's fields as pepa_interfaces/msg/UserRequest lays them out",
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

WORLD_STATE = TopicSpec(
    name="/pepa/world_state",
    type=STRING,
    qos="latched",
    model="WorldState",
    description="what Sys1 believes about the world now (pose, battery, people last seen, "
    "places visited today); Sys2 decides on it",
)
STEP_RESULTS = TopicSpec(
    name="/pepa/step_results",
    type=STRING,
    qos="event",
    model="StepResult",
    description="each skill Sys1 finished (or a plan the safety guard refused), with its plan",
)
HEALTH = TopicSpec(
    name="/pepa/health",
    type=STRING,
    qos="latched",
    depth=8,
    model="NodeHealth",
    description="each agent node's bad-message count, control-loop deadlines and boot id",
)
DIAGNOSTICS = TopicSpec(
    name="/diagnostics",
    type="diagnostic_msgs/msg/DiagnosticArray",
    qos="event",
    depth=50,
    description="each agent node's health at 1 Hz, one status per area (messages, control "
    "loop, requests, llm, memory, battery) at OK/WARN/ERROR by the thresholds below",
)


def _rpc_topics(service: str, what: str) -> tuple[TopicSpec, TopicSpec]:
    return (
        TopicSpec(
            name=f"{service}/call",
            type=STRING,
            qos="event",
            model="RpcCall",
            description=f"calls to {what} (correlation id, client, method, parameters)",
        ),
        TopicSpec(
            name=f"{service}/reply",
            type=STRING,
            qos="event",
            model="RpcReply",
            description=f"replies of {what}, by correlation id",
        ),
    )


MEMORY_QUERY = ServiceSpec(
    name="/pepa/memory/query",
    type="pepa_interfaces/srv/QueryMemory",
    description="search the episodic memory by text, place, floor and time window; a refused "
    "query answers code INVALID with the field named",
)

REQUEST_ACTION = ServiceSpec(
    name="/pepa/request",
    type="pepa_interfaces/action/Request",
    description="action: a person's request; feedback at each state change, the result when "
    "it ends; a goal with empty or oversized text or an unknown place, person or priority is "
    "rejected (the log names the field)",
)
CANCEL_REQUEST = ServiceSpec(
    name="/pepa/request/cancel",
    type="pepa_interfaces/srv/CancelRequest",
    description="cancel a request by id; UNKNOWN_REQUEST or ALREADY_FINISHED when it cannot be",
)

SYS1_RPC = "/pepa/rpc/sys1"
SYS2_RPC = "/pepa/rpc/sys2"
SYS3_RPC = "/pepa/rpc/sys3"
SYS1_CALL, SYS1_REPLY = _rpc_topics(SYS1_RPC, "Sys1")
SYS2_CALL, SYS2_REPLY = _rpc_topics(SYS2_RPC, "Sys2 (requests)")
SYS3_CALL, SYS3_REPLY = _rpc_topics(SYS3_RPC, "Sys3 (memory, reflections, personality)")

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
    WORLD_STATE,
    STEP_RESULTS,
    HEALTH,
)

MODELS: dict[str, type[Message]] = {
    **MESSAGE_TYPES,
    "WorldState": WorldState,
    "NodeHealth": NodeHealth,
    "RpcCall": RpcCall,
    "RpcReply": RpcReply,
}
"""Every model carried on a /pepa/ topic, by the name the topic tables use."""

RPC_NOTE = (
    "a call/reply pair of JSON topics with correlation ids (ROS 2 has no standard string "
    "service type): "
)

# --- the nodes -------------------------------------------------------------------------------

SIM_NODE = NodeInterface(
    node="pepa_sim",
    executable="sim_node",
    summary="the simulated office, speaking the robot's ROS interface",
    publishes=(
        ODOM,
        LOCALIZATION,
        TF,
        IMAGE,
        CAMERA_INFO,
        BATTERY,
        CLOCK,
        ELEVATOR_STATE,
        REQUESTS,
    ),
    subscribes=(CMD_VEL, ELEVATOR_CALL),
    parameters=SIM_PARAMETERS,
)

GAZEBO_ELEVATORS_NODE = NodeInterface(
    node="pepa_gazebo_elevators",
    executable="gazebo_elevators",
    summary="Gazebo only: PEPA's elevator state machines (sim.elevator) drive the exported "
    "world's elevator joints and serve the simulated office's elevator interface",
    publishes=(ELEVATOR_STATE, ELEVATOR_JOINTS),
    subscribes=(ELEVATOR_CALL, ODOM, CLOCK),
    parameters=GAZEBO_ELEVATOR_PARAMETERS,
)

GAZEBO_BATTERY_NODE = NodeInterface(
    node="pepa_gazebo_battery",
    executable="gazebo_battery",
    summary="Gazebo only: PEPA's battery model (sim.battery) on the robot's odometry, "
    "charging on the dock",
    publishes=(BATTERY,),
    subscribes=(ODOM, CLOCK),
    parameters=GAZEBO_BATTERY_PARAMETERS,
)

RECORDER_NODE = NodeInterface(
    node="pepa_recorder",
    executable="recorder",
    summary="records every discovered topic into an MCAP file (ROS 2 CDR, ros2msg schemas)",
    parameters=RECORDER_PARAMETERS,
)

SYS1_NODE = NodeInterface(
    node="pepa_sys1",
    executable="sys1_node",
    summary="Sys1 around agent.sys1.executor.Sys1: runs Sys2's plans with skills, perception "
    "and the safety guard on a 20 Hz control loop, records experiences",
    publishes=(
        CMD_VEL,
        ELEVATOR_CALL,
        PLAN,
        STEP_RESULTS,
        WORLD_STATE,
        EXPERIENCES,
        HEALTH,
        DIAGNOSTICS,
    ),
    subscribes=(
        ODOM,
        LOCALIZATION,
        IMAGE,
        CAMERA_INFO,
        BATTERY,
        CLOCK,
        ELEVATOR_STATE,
        DECISIONS,
    ),
    services=(
        ServiceSpec(
            name=SYS1_RPC,
            type="RpcCall/RpcReply",
            description=RPC_NOTE + "`cancel` {plan_id, reason}: stop a plan",
        ),
    ),
    parameters=SYS1_PARAMETERS,
)

SYS2_NODE = NodeInterface(
    node="pepa_sys2",
    executable="sys2_node",
    summary="Sys2 around agent.sys2.deliberator.Deliberator: takes requests, arbitrates "
    "between them and the daily goals, plans, re-plans; publishes the agent's status",
    publishes=(DECISIONS, REQUEST_UPDATES, STATUS, EXPERIENCES, HEALTH, DIAGNOSTICS, SYS1_CALL),
    subscribes=(
        REQUESTS,
        WORLD_STATE,
        STEP_RESULTS,
        GOAL,
        DAILY_GOALS,
        REFLECTIONS,
        HEALTH,
        CLOCK,
        SYS1_REPLY,
    ),
    services=(
        ServiceSpec(
            name=SYS2_RPC,
            type="RpcCall/RpcReply",
            description=RPC_NOTE + "`requests`, `request` {request_id} (new requests and "
            "cancels go through the action and the cancel service below)",
        ),
        REQUEST_ACTION,
        CANCEL_REQUEST,
    ),
    parameters=SYS2_PARAMETERS,
)

SYS3_NODE = NodeInterface(
    node="pepa_sys3",
    executable="sys3_node",
    summary="Sys3 around agent.sys3.system.Sys3 and the episodic memory (memory.episodic): "
    "ultimate and daily goals, reflection at the end of each day, memory queries",
    publishes=(GOAL, DAILY_GOALS, REFLECTIONS, HEALTH, DIAGNOSTICS),
    subscribes=(EXPERIENCES, WORLD_STATE, DECISIONS, CLOCK),
    services=(
        ServiceSpec(
            name=SYS3_RPC,
            type="RpcCall/RpcReply",
            description=RPC_NOTE + "`memory.search` {text, place, floor, start, end, k}, "
            "`memory.episode` {episode_id}, `reflection.days`, `reflection.day` {day}, "
            "`reflection.feedback` {day, text}, `personality`, `personality.switch` "
            "{name, reason}",
        ),
        MEMORY_QUERY,
    ),
    parameters=SYS3_PARAMETERS,
)

CONSOLE_NODE = NodeInterface(
    node="pepa_console",
    executable="console_bridge",
    summary="the web console (agent.console) over ROS: status, requests, memory, "
    "reflections and personality through the topics and calls of Sys2 and Sys3",
    publishes=(SYS2_CALL, SYS3_CALL, DIAGNOSTICS),
    subscribes=(
        STATUS,
        DECISIONS,
        REQUEST_UPDATES,
        DAILY_GOALS,
        GOAL,
        REFLECTIONS,
        WORLD_STATE,
        ELEVATOR_STATE,
        SYS2_REPLY,
        SYS3_REPLY,
    ),
    parameters=CONSOLE_PARAMETERS,
)

NODES: tuple[NodeInterface, ...] = (
    SIM_NODE,
    GAZEBO_ELEVATORS_NODE,
    GAZEBO_BATTERY_NODE,
    SYS1_NODE,
    SYS2_NODE,
    SYS3_NODE,
    CONSOLE_NODE,
    RECORDER_NODE,
)
