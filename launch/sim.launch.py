"""PEPA in the simulated office: ``ros2 launch pepa_ros sim.launch.py personality:=Lazy``.

Starts the simulated office, Sys1, Sys2, Sys3 and the web console (http://127.0.0.1:8080/ by
default). The simulated office speaks the robot's interface (/cmd_vel in; /odom, /camera/image_raw,
/battery_state, /clock and the elevator topics out) on a wall clock sped up by ``speed``.
With ``record:=true`` every topic is recorded into an MCAP file.
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
            "use_sim_time",
            default_value="true",
            description="nodes other than the simulator follow /clock",
        ),
        DeclareLaunchArgument(
            "console_host", default_value="127.0.0.1", description="web console address"
        ),
        DeclareLaunchArgument(
            "console_port", default_value="8080", description="web console port"
        ),
        DeclareLaunchArgument(
            "speed", default_value="1.0", description="simulated seconds per wall-clock second"
        ),
        DeclareLaunchArgument("seed", default_value="1", description="simulation seed"),
        DeclareLaunchArgument(
            "camera_rate_hz",
            default_value="5.0",
            description="camera frames per second; 0 disables the camera",
        ),
        DeclareLaunchArgument(
            "record", default_value="false", description="record every topic into an MCAP file"
        ),
        DeclareLaunchArgument(
            "record_file", default_value="", description="MCAP file; empty: <data_dir>/recordings/"
        ),
    ]
    use_sim_time = ParameterValue(LaunchConfiguration("use_sim_time"), value_type=bool)
    simulator = Node(
        package="pepa_ros",
        executable="sim_node",
        name="pepa_sim",
        output="screen",
        parameters=[
            {
                "speed": ParameterValue(LaunchConfiguration("speed"), value_type=float),
                "seed": ParameterValue(LaunchConfiguration("seed"), value_type=int),
                "camera_rate_hz": ParameterValue(
                    LaunchConfiguration("camera_rate_hz"), value_type=float
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
                "use_sim_time": use_sim_time,
            }
        ],
    )
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
                "robot": "sim_office",
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
                "speed": ParameterValue(LaunchConfiguration("speed"), value_type=float),
                "console_host": LaunchConfiguration("console_host"),
                "console_port": ParameterValue(
                    LaunchConfiguration("console_port"), value_type=int
                ),
            }
        ],
    )
    return LaunchDescription([*arguments, simulator, sys1, sys2, sys3, console, recorder])
