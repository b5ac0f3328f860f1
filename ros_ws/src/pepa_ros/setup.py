"""ament_python package: installs with colcon on a ROS 2 install and with pip elsewhere."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = "pepa_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test", "test.*"]),
    package_data={PACKAGE: ["foxglove/*.json"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob("launch/*.launch.py")),
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
