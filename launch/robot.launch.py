"""PEPA on a robot that speaks ROS 2: ``ros2 launch pepa_ros robot.launch.py``.

The robot (real, or Gazebo through gazebo.launch.py) provides /cmd_vel, /odom, the camera
and /battery_state; this starts Sys1, Sys2, Sys3 and the web console on it. The recorder
runs by default as the robot's black box: every topic goes into an MCAP file under
``<data_dir>/recordings/``.
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
            "robot",
            default_value="generic",
            description="robot adapter of Sys1: generic (any ROS robot) or sim_office",
        ),
        DeclareLaunchArgument(
            "console_host", default_value="127.0.0.1", description="web console address"
        ),
        DeclareLaunchArgument(
            "console_port", default_value="8080", description="web console port"
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
    use_sim_time = ParameterValue(LaunchConfiguration("use_sim_time"), value_type=bool)
    sys1 = Node(
        package="pepa_ros",
        executable="sys1_node",
        name="pepa_sys1",
        output="screen",
        parameters=[
            {
                "personality": ParameterValue(LaunchConfiguration("personality"), value_type=str),
                "data_dir": ParameterValue(LaunchConfiguration("data_dir"), value_type=str),
                "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
                "sys2_llm_model": ParameterValue(
                    LaunchConfiguration("sys2_llm_model"), value_type=str
                ),
                "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
                "sys3_llm_model": ParameterValue(
                    LaunchConfiguration("sys3_llm_model"), value_type=str
                ),
                "use_sim_time": use_sim_time,
                "robot": LaunchConfiguration("robot"),
            }
        ],
    )
    sys2 = Node(
        package="pepa_ros",
        executable="sys2_node",
        name="pepa_sys2",
        output="screen",
        parameters=[
            {
                "personality": ParameterValue(LaunchConfiguration("personality"), value_type=str),
                "data_dir": ParameterValue(LaunchConfiguration("data_dir"), value_type=str),
                "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
                "sys2_llm_model": ParameterValue(
                    LaunchConfiguration("sys2_llm_model"), value_type=str
                ),
                "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
                "sys3_llm_model": ParameterValue(
                    LaunchConfiguration("sys3_llm_model"), value_type=str
                ),
                "use_sim_time": use_sim_time,
            }
        ],
    )
    sys3 = Node(
        package="pepa_ros",
        executable="sys3_node",
        name="pepa_sys3",
        output="screen",
        parameters=[
            {
                "personality": ParameterValue(LaunchConfiguration("personality"), value_type=str),
                "data_dir": ParameterValue(LaunchConfiguration("data_dir"), value_type=str),
                "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
                "sys2_llm_model": ParameterValue(
                    LaunchConfiguration("sys2_llm_model"), value_type=str
                ),
                "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
                "sys3_llm_model": ParameterValue(
                    LaunchConfiguration("sys3_llm_model"), value_type=str
                ),
                "use_sim_time": use_sim_time,
            }
        ],
    )
    console = Node(
        package="pepa_ros",
        executable="console_bridge",
        name="pepa_console",
        output="screen",
        parameters=[
            {
                "personality": ParameterValue(LaunchConfiguration("personality"), value_type=str),
                "data_dir": ParameterValue(LaunchConfiguration("data_dir"), value_type=str),
                "sys2_llm_backend": LaunchConfiguration("sys2_llm_backend"),
                "sys2_llm_model": ParameterValue(
                    LaunchConfiguration("sys2_llm_model"), value_type=str
                ),
                "sys3_llm_backend": LaunchConfiguration("sys3_llm_backend"),
                "sys3_llm_model": ParameterValue(
                    LaunchConfiguration("sys3_llm_model"), value_type=str
                ),
                "use_sim_time": use_sim_time,
                "console_host": LaunchConfiguration("console_host"),
                "console_port": ParameterValue(
                    LaunchConfiguration("console_port"), value_type=int
                ),
            }
        ],
    )
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
    return LaunchDescription([*arguments, sys1, sys2, sys3, console, recorder])
