"""PEPA on a robot that speaks ROS 2: ``ros2 launch pepa_ros robot.launch.py``.

The robot (real, or Gazebo through gazebo.launch.py) provides /cmd_vel, /odom, the camera
and /battery_state. The recorder runs by default as the robot's black box: every topic
goes into an MCAP file under ``<data_dir>/recordings/``.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue


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
            "sys2_llm_model", default_value="", description="Sys2's LLM model name (onboard)"
        ),
        DeclareLaunchArgument(
            "sys3_llm_backend",
            default_value="offline",
            description="Sys3 engine: offline, openai or local",
        ),
        DeclareLaunchArgument(
            "sys3_llm_model",
            default_value="",
            description="Sys3's LLM model name (may be a cloud model)",
        ),
        DeclareLaunchArgument(
            "use_sim_time", default_value="false", description="follow /clock (true under Gazebo)"
        ),
        DeclareLaunchArgument(
            "record",
            default_value="true",
            description="record every topic (the robot's black box)",
        ),
        DeclareLaunchArgument(
            "record_file", default_value="", description="MCAP file; empty: <data_dir>/recordings/"
        ),
    ]
    recorder = Node(
        package="pepa_ros",
        executable="recorder",
        name="pepa_recorder",
        output="screen",
        condition=IfCondition(LaunchConfiguration("record")),
        parameters=[
            {
                "output": ParameterValue(LaunchConfiguration("record_file"), value_type=str),
                "data_dir": ParameterValue(LaunchConfiguration("data_dir"), value_type=str),
                "personality": ParameterValue(LaunchConfiguration("personality"), value_type=str),
                "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
                "sys2_llm_model": ParameterValue(
                    LaunchConfiguration("sys2_llm_model"), value_type=str
                ),
                "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
                "sys3_llm_model": ParameterValue(
                    LaunchConfiguration("sys3_llm_model"), value_type=str
                ),
                "use_sim_time": ParameterValue(
                    LaunchConfiguration("use_sim_time"), value_type=bool
                ),
            }
        ],
    )
    return LaunchDescription([*arguments, recorder])
