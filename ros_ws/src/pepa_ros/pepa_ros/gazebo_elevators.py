"""The elevators of a Gazebo world, run by PEPA's own elevator state machines.

A thin adapter around :class:`pepa.sim.gazebo.elevators.ElevatorBank`: it serves the same
interface as the simulated office (hall and car calls on ``/pepa/elevator/call``, each
car's status on ``/pepa/elevator/state``), follows the robot on ``/odom`` (boarding, the
doorway), and sends every car's height and every landing door's opening to the joint
position controllers the exported world declares (through ``ros_gz_bridge``). Time is the
node's clock: Gazebo's ``/clock`` with ``use_sim_time``.
"""

from __future__ import annotations

import logging
from typing import Any

from nav_msgs.msg import Odometry
from rclpy.context import Context
from rclpy.node import Node
from std_msgs.msg import Float64

from pepa.building.layout import Building, load_building
from pepa.messages import ElevatorCall, ElevatorStatus
from pepa.sim.elevator import ElevatorError
from pepa.sim.gazebo.elevators import ElevatorBank
from pepa_ros import params, qos
from pepa_ros.codec import JsonCodec
from pepa_ros.entry import node_main
from pepa_ros.topics import ELEVATOR_CALL, ELEVATOR_JOINTS, ELEVATOR_STATE, ODOM

log = logging.getLogger(__name__)


class GazeboElevatorsNode(Node):
    """See the module docstring."""

    def __init__(self, building: Building | None = None, **node_kwargs: Any) -> None:
        super().__init__("pepa_gazebo_elevators", **node_kwargs)
        v = params.declare(self, params.GAZEBO_ELEVATOR_PARAMETERS)
        self.building = building or load_building(v["building"] or None)
        self.bank = ElevatorBank(self.building, self._now())
        self.codec = JsonCodec(log)
        self.rejected_calls = 0
        self._status_pub = self.codec.publisher(
            self,
            ElevatorStatus,
            ELEVATOR_STATE.name,
            qos.profile(ELEVATOR_STATE.qos, ELEVATOR_STATE.depth),
        )
        self._joint_pubs = {
            topic: self.create_publisher(Float64, topic, qos.profile(ELEVATOR_JOINTS.qos))
            for topic in self.bank.joint_targets(self._now())
        }
        self.codec.subscribe(
            self, ElevatorCall, ELEVATOR_CALL.name, self._on_call, qos.profile(ELEVATOR_CALL.qos)
        )
        self.create_subscription(Odometry, ODOM.name, self._on_odom, qos.profile("sensor", 10))
        self._seen: dict[str, tuple[Any, ...]] = {}
        self.create_timer(1.0 / v["rate_hz"], self._tick)
        self.get_logger().info(
            f"elevators of '{self.building.name}': {', '.join(self.bank.cars) or 'none'}"
        )

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds / 1e9

    def _on_call(self, call: ElevatorCall) -> None:
        try:
            accepted = self.bank.call(call, self._now())
        except ElevatorError as exc:
            self.rejected_calls += 1
            self.get_logger().warning(f"{ELEVATOR_CALL.name}: {exc}")
            return
        if not accepted:
            self.get_logger().info(f"{ELEVATOR_CALL.name}: {call.elevator} did not accept {call}")
        self._tick()

    def _on_odom(self, msg: Odometry) -> None:
        p = msg.pose.pose.position
        self.bank.robot_at(p.x, p.y, p.z, self._now())

    def _tick(self) -> None:
        now = self._now()
        for topic, value in self.bank.joint_targets(now).items():
            self._joint_pubs[topic].publish(Float64(data=float(value)))
        for car_id in self.bank.cars:
            status = self.bank.status(car_id, now)
            key = tuple(status.model_dump(exclude={"time"}).values())
            if self._seen.get(car_id) != key:
                self._seen[car_id] = key
                self._status_pub.publish(status)


def create(context: Context, parameters: dict[str, Any]) -> GazeboElevatorsNode:
    """Registry factory (see pepa_ros.registry)."""
    return GazeboElevatorsNode(context=context, parameter_overrides=params.overrides(parameters))


main = node_main("gazebo_elevators")
