"""PEPA on a Gazebo robot: ``ros2 launch pepa_ros gazebo.launch.py``.

Start the Gazebo world and its ROS bridge first (they provide /cmd_vel, /odom, the camera,
/battery_state and /clock); this is robot.launch.py with the nodes on simulated time.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, ThisLaunchFileDir


def generate_launch_description() -> LaunchDescription:
    arguments = [
        DeclareLaunchArgument(
            "personality",
            default_value="Curious",
            description="personality prototype or YAML file",
        ),
        DeclareLaunchArgument(
            "data_dir",
            default_value="data",
            description="memory, goals, reflections and recordings",
        ),
        DeclareLaunchArgument(
            "sys2_llm_backend",
            default_value="offline",
            description="Sys2 engine: offline, openai or local",
        ),
        DeclareLaunchArgument(
            "sys2_llm_model", default_value="", description="Sys2's LLM model name"
        ),
        DeclareLaunchArgument(
            "sys3_llm_backend",
            default_value="offline",
            description="Sys3 engine: offline, openai or local",
        ),
        DeclareLaunchArgument(
            "sys3_llm_model", default_value="", description="Sys3's LLM model name"
        ),
        DeclareLaunchArgument(
            "use_sim_time", default_value="true", description="follow Gazebo's /clock"
        ),
        DeclareLaunchArgument(
            "record", default_value="true", description="record every topic into an MCAP file"
        ),
    ]
    robot = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(
            PathJoinSubstitution([ThisLaunchFileDir(), "robot.launch.py"])
        ),
        launch_arguments={
            "personality": LaunchConfiguration("personality"),
            "data_dir": LaunchConfiguration("data_dir"),
            "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
            "sys2_llm_model": LaunchConfiguration("sys2_llm_model"),
            "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
            "sys3_llm_model": LaunchConfiguration("sys3_llm_model"),
            "use_sim_time": LaunchConfiguration("use_sim_time"),
            "record": LaunchConfiguration("record"),
        }.items(),
    )
    return LaunchDescription([*arguments, robot])
