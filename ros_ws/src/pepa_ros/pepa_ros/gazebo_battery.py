"""The robot's battery in Gazebo: PEPA's battery model on the robot's odometry.

A thin adapter around :class:`pepa.sim.gazebo.battery.OdometryBattery`: every ``/odom`` sample
advances the model (drawing the load of the robot's speeds, or charging on the dock), and
``/battery_state`` carries the state of charge as the simulated office publishes it.
"""

from __future__ import annotations

from typing import Any

from nav_msgs.msg import Odometry
from rclpy.context import Context
from rclpy.node import Node
from sensor_msgs.msg import BatteryState

from pepa.building.layout import Building, load_building
from pepa.sim.gazebo.battery import OdometryBattery
from pepa_ros import params, qos
from pepa_ros.battery_state import battery_state
from pepa_ros.entry import node_main
from pepa_ros.topics import BATTERY, ODOM


class GazeboBatteryNode(Node):
    """See the module docstring."""

    def __init__(self, building: Building | None = None, **node_kwargs: Any) -> None:
        super().__init__("pepa_gazebo_battery", **node_kwargs)
        v = params.declare(self, params.GAZEBO_BATTERY_PARAMETERS)
        self.model = OdometryBattery(building or load_building(v["building"] or None))
        self._frame = v["base_frame"]
        self._pub = self.create_publisher(BatteryState, BATTERY.name, qos.profile(BATTERY.qos))
        self.create_subscription(Odometry, ODOM.name, self._on_odom, qos.profile("sensor", 10))
        self.create_timer(1.0 / v["battery_rate_hz"], self._publish)

    def _on_odom(self, msg: Odometry) -> None:
        t = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        p, tw = msg.pose.pose.position, msg.twist.twist
        self.model.update(t, p.x, p.y, p.z, tw.linear.x, tw.angular.z)

    def _publish(self) -> None:
        self._pub.publish(
            battery_state(
                self.model.soc,
                self.model.charging,
                self.get_clock().now().to_msg(),
                self._frame,
                self.model.battery.config.capacity_wh,
            )
        )


def create(context: Context, parameters: dict[str, Any]) -> GazeboBatteryNode:
    """Registry factory (see pepa_ros.registry)."""
    return GazeboBatteryNode(context=context, parameter_overrides=params.overrides(parameters))


main = node_main("gazebo_battery")
