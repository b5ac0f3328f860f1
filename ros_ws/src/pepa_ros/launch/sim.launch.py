"""PEPA in the simulated office: ``ros2 launch pepa_ros sim.launch.py personality:=Lazy``.

Starts the simulated office, Sys1, Sys2, Sys3 and the web console (http://127.0.0.1:8080/ by
default). The simulated office speaks the robot's interface (/cmd_vel in; /odom, /camera/image_raw,
/battery_state, /clock and the elevator topics out) on a wall clock sped up by ``speed``.
With ``record:=true`` every topic is recorded into an MCAP file.
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
        "console_host",
        "console_port",
        "speed",
        "seed",
        "building",
        "control_rate_hz",
        "camera_rate_hz",
        "record",
        "record_file",
        use_sim_time="true",
        control_rate_hz="5.0",  # Sys1's in-process rate of simulated time (see pepa run)
    )
    building = argument("building")
    simulator = node(
        "sim_node",
        "pepa_sim",
        agent=False,
        speed=argument("speed"),
        seed=argument("seed"),
        building=building,
        camera_rate_hz=argument("camera_rate_hz"),
    )
    return LaunchDescription(
        [
            *arguments,
            simulator,
            node(
                "sys1_node",
                "pepa_sys1",
                robot="sim_office",
                building=building,
                speed=argument("speed"),
                control_rate_hz=argument("control_rate_hz"),
            ),
            node("sys2_node", "pepa_sys2", building=building),
            node("sys3_node", "pepa_sys3", building=building),
            node(
                "console_bridge",
                "pepa_console",
                building=building,
                speed=argument("speed"),
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
