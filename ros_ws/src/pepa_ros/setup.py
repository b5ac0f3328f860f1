"""ament_python package: installs with colcon on a ROS 2 install and with pip elsewhere."""

import os
from glob import glob
from pathlib import Path

from setuptools import find_packages, setup

PACKAGE = "pepa_ros"
HERE = Path(__file__).resolve().parent
# The launch files live at the project's top level; ship them in share/ for `ros2 launch`.
LAUNCH_DIR = HERE.parents[2] / "launch"
LAUNCH_FILES = sorted(os.path.relpath(p, HERE) for p in LAUNCH_DIR.glob("*.launch.py"))

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test", "test.*"]),
    package_data={PACKAGE: ["foxglove/*.json"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", LAUNCH_FILES),
        (f"share/{PACKAGE}/config", glob("config/*.yaml")),
    ],
    install_requires=["setuptools", "pydantic>=2.7", "numpy>=1.26"],
    zip_safe=True,
    maintainer="PEPA maintainers",
    maintainer_email="pepa@example.org",
    description="ROS 2 adapters for PEPA: simulated office, robot adapters, supervisor, MCAP.",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "sim_node = pepa_ros.sim_node:main",
            "sys1_node = pepa_ros.sys1_node:main",
            "sys2_node = pepa_ros.sys2_node:main",
            "sys3_node = pepa_ros.sys3_node:main",
            "console_bridge = pepa_ros.console_bridge:main",
            "recorder = pepa_ros.recorder:main",
            "gazebo_elevators = pepa_ros.gazebo_elevators:main",
            "gazebo_battery = pepa_ros.gazebo_battery:main",
            "stack = pepa_ros.runner:main",
        ],
    },
)
