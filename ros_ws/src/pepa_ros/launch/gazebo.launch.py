"""PEPA in Gazebo: ``ros2 launch pepa_ros gazebo.launch.py world_dir:=DIR personality:=Curious``.

DIR is what ``pepa sim export-gazebo --out DIR`` wrote for a building. This starts Gazebo on
DIR/world.sdf, spawns the robot (DIR/robot.sdf) on the building's dock, bridges the robot's
topics and the elevator joints with ros_gz_bridge (DIR/bridge.yaml), starts the elevator
and battery nodes (PEPA's own elevator state machines and battery model), and then
robot.launch.py's PEPA nodes on Gazebo's simulated time, in that building, through the
adapter that speaks the standard topics and the elevator interface.
"""

from pathlib import Path

from launch import LaunchContext, LaunchDescription
from launch.actions import ExecuteProcess, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, ThisLaunchFileDir
from launch_ros.actions import Node
from pepa_ros.launch_arguments import AGENT_ARGUMENTS
from pepa_ros.launch_support import argument, declare, node

from pepa.building.layout import load_building
from pepa.sim.gazebo.export import BRIDGE_FILE, BUILDING_FILE, ROBOT_FILE, WORLD_FILE
from pepa.sim.gazebo.names import ROBOT_MODEL
from pepa.sim.gazebo.robot import spawn_pose

PASSED = (*AGENT_ARGUMENTS, "use_sim_time", "record")


def _spawn(context: LaunchContext) -> list[Node]:
    """The robot on the dock of the building the world was exported from."""
    world_dir = Path(LaunchConfiguration("world_dir").perform(context))
    pose = spawn_pose(load_building(world_dir / BUILDING_FILE))
    return [
        Node(
            package="ros_gz_sim",
            executable="create",
            output="screen",
            arguments=[
                *("-file", str(world_dir / ROBOT_FILE), "-name", ROBOT_MODEL),
                *pose.create_arguments(),
            ],
        )
    ]


def generate_launch_description() -> LaunchDescription:
    world_dir = LaunchConfiguration("world_dir")
    building = PathJoinSubstitution([world_dir, BUILDING_FILE])
    gazebo = ExecuteProcess(
        cmd=["gz", "sim", "-r", PathJoinSubstitution([world_dir, WORLD_FILE])], output="screen"
    )
    bridge = Node(
        package="ros_gz_bridge",
        executable="parameter_bridge",
        name="pepa_gz_bridge",
        output="screen",
        parameters=[
            {"config_file": PathJoinSubstitution([world_dir, BRIDGE_FILE]), "use_sim_time": True}
        ],
    )
    robot = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(
            PathJoinSubstitution([ThisLaunchFileDir(), "robot.launch.py"])
        ),
        launch_arguments={
            **{name: LaunchConfiguration(name) for name in PASSED},
            "robot": "sim_office",  # the standard topics and the elevator interface
            "building": building,
        }.items(),
    )
    return LaunchDescription(
        [
            *declare("world_dir", *PASSED, use_sim_time="true", record="true"),
            gazebo,
            OpaqueFunction(function=_spawn),
            bridge,
            node(
                "gazebo_elevators",
                "pepa_gazebo_elevators",
                agent=False,
                building=building,
                use_sim_time=argument("use_sim_time"),
            ),
            node(
                "gazebo_battery",
                "pepa_gazebo_battery",
                agent=False,
                building=building,
                use_sim_time=argument("use_sim_time"),
            ),
            robot,
        ]
    )
