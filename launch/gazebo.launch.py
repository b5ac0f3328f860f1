"""PEPA on a Gazebo robot: ``ros2 launch pepa_ros gazebo.launch.py``.

Start the Gazebo world and its ROS bridge first (they provide /cmd_vel, /odom, the camera,
/battery_state and /clock); this is robot.launch.py with the nodes on simulated time.
"""

from launch import LaunchDescription
from launch.actions import IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, ThisLaunchFileDir
from pepa_ros.launch_arguments import AGENT_ARGUMENTS
from pepa_ros.launch_support import declare

PASSED = (*AGENT_ARGUMENTS, "use_sim_time", "record")


def generate_launch_description() -> LaunchDescription:
    robot = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(
            PathJoinSubstitution([ThisLaunchFileDir(), "robot.launch.py"])
        ),
        launch_arguments={name: LaunchConfiguration(name) for name in PASSED}.items(),
    )
    return LaunchDescription([*declare(*PASSED, use_sim_time="true", record="true"), robot])
