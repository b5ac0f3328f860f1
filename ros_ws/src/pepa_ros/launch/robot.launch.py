"""PEPA on a robot that speaks ROS 2: ``ros2 launch pepa_ros robot.launch.py``.

The robot (real, or Gazebo through gazebo.launch.py) provides /cmd_vel, /odom, the camera
and /battery_state; this starts Sys1, Sys2, Sys3 and the web console on it. The recorder
runs by default as the robot's black box: every topic goes into an MCAP file under
``<data_dir>/recordings/``.
"""

from launch import LaunchDescription
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from pepa_ros.launch_arguments import AGENT_ARGUMENTS
from pepa_ros.launch_support import argument, declare, node


def generate_launch_description() -> LaunchDescription:
    arguments = declare(
        *AGENT_ARGUMENTS,
        "use_sim_time",
        "robot",
        "building",
        "console_host",
        "console_port",
        "record",
        "record_file",
        robot="generic",
        record="true",
    )
    building = argument("building")
    return LaunchDescription(
        [
            *arguments,
            node("sys1_node", "pepa_sys1", robot=argument("robot"), building=building),
            node("sys2_node", "pepa_sys2", building=building),
            node("sys3_node", "pepa_sys3", building=building),
            node(
                "console_bridge",
                "pepa_console",
                building=building,
                console_host=argument("console_host"),
                console_port=argument("console_port"),
            ),
            node(
                "recorder",
                "pepa_recorder",
                condition=IfCondition(LaunchConfiguration("record")),
                output=argument("record_file"),
            ),
        ]
    )
