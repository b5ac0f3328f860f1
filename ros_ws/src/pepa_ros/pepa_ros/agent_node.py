"""What every agent node (Sys1, Sys2, Sys3, console bridge) shares: lifecycle, parameters,
time, health.

* Lifecycle: each is a managed node (pepa_ros.managed); its parameters are declared and
  validated from the node's spec table (pepa_ros.params) at construction, so a bad value stops
  it at once, and read again with the files on configure.
* Time: the core objects read an :class:`pepa.clock.ExternalClock` set from the node's ROS
  clock — simulated time from ``/clock`` with ``use_sim_time`` — while the node's own loops
  run on timers of the steady wall clock, so a sped-up simulation does not speed them up.
* Health: the JSON codec's bad-message counts and the node's boot id, on ``/pepa/health``;
  and for ROS tools, ``/diagnostics`` at 1 Hz from :meth:`AgentNode.diagnostic_readings`
  (judged by :mod:`pepa_ros.diagnostics`), which each node extends with what it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.callback_groups import CallbackGroup
from rclpy.clock import Clock
from rclpy.clock_type import ClockType
from rclpy.context import Context
from rclpy.timer import Timer

from pepa.building.layout import Building, load_building
from pepa.clock import ExternalClock
from pepa.messages import new_id
from pepa_ros import diagnostics, params, qos
from pepa_ros.codec import JsonCodec
from pepa_ros.health import NodeHealth
from pepa_ros.managed import ManagedNode
from pepa_ros.params import ParamSpec
from pepa_ros.topics import DIAGNOSTICS, HEALTH


class AgentNode(ManagedNode):
    """Base of the agent's nodes; see the module docstring. A managed (lifecycle) node: the
    parameters are declared and checked at construction, everything else is made on
    configure (see pepa_ros.managed)."""

    def __init__(
        self,
        name: str,
        specs: Sequence[ParamSpec],
        context: Context | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            name, context=context, parameter_overrides=params.overrides(parameters or {})
        )
        self.log = logging.getLogger(f"pepa_ros.{name}")
        self.specs = tuple(specs)
        self.values = params.declare(self, specs)
        self.codec = JsonCodec(self.log)
        self.clock_source = ExternalClock()
        self.wall_clock = Clock(clock_type=ClockType.STEADY_TIME)
        self.boot = new_id("boot")
        self._llm_clients: list[Any] = []

    def configure(self) -> None:
        """The parameters as they are now, the data directory, health and diagnostics; a node
        builds its own part after this."""
        self.values = {spec.name: self.get_parameter(spec.name).value for spec in self.specs}
        self.data_dir = Path(self.values["data_dir"]).expanduser()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._health = self.codec.publisher(
            self, NodeHealth, HEALTH.name, qos.profile(HEALTH.qos, HEALTH.depth)
        )
        self._llm_clients = []
        self._diagnostics = diagnostics.NodeDiagnostics(self.get_name())
        self._diagnostics_pub = self.create_publisher(
            DiagnosticArray, DIAGNOSTICS.name, qos.profile(DIAGNOSTICS.qos, DIAGNOSTICS.depth)
        )
        self.every(diagnostics.PERIOD_S, self.publish_diagnostics)

    def load_building(self) -> Building:
        return load_building(self.values.get("building") or None)

    def llm_client(self, system: str) -> Any:
        """The LLM client of ``system`` ("sys2" or "sys3"), or None for the offline engine."""
        backend = self.values.get(f"{system}_llm_backend", "offline")
        if backend == "offline":
            return None
        from pepa.agent.llm.client import LLMClient
        from pepa.agent.llm.settings import LLMSettings

        settings = LLMSettings.model_validate(
            {
                "backend": backend,
                "model": self.values.get(f"{system}_llm_model") or None,
                "base_url": self.values.get(f"{system}_llm_base_url") or None,
            }
        )
        client = LLMClient(settings, system)
        self._llm_clients.append(client)
        return client

    def now(self) -> float | None:
        """ROS time in seconds (simulated with use_sim_time), or None before the first /clock."""
        t = self.get_clock().now().nanoseconds * 1e-9
        if t <= 0.0:
            return None
        self.clock_source.set(t)
        return self.clock_source.now()

    def every(
        self, period_s: float, callback: Callable[[], None], group: CallbackGroup | None = None
    ) -> Timer:
        """A timer on the steady wall clock."""
        return self.create_timer(period_s, callback, callback_group=group, clock=self.wall_clock)

    def health(self, **extra: Any) -> NodeHealth:
        return NodeHealth(
            node=self.get_name(),
            boot=self.boot,
            time=self.clock_source.now(),
            bad_messages=self.codec.bad_messages,
            bad_by_topic=self.codec.bad_by_topic(),
            **extra,
        )

    def publish_health(self, **extra: Any) -> None:
        self._health.publish(self.health(**extra))

    def diagnostic_readings(self) -> tuple[dict[str, float], dict[str, float]]:
        """This node's cumulative counters and present gauges (see pepa_ros.diagnostics);
        a node extends them with what it holds (loop, queue, memory, battery)."""
        counters: dict[str, float] = {"bad_messages": float(self.codec.bad_messages)}
        if self._llm_clients:
            stats = [c.stats for c in self._llm_clients]
            counters["llm_calls"] = float(sum(s.calls for s in stats))
            counters["llm_fallbacks"] = float(
                sum(n for s in stats for why, n in s.fallbacks.items() if why != "offline")
            )
            counters["llm_latency_s"] = sum(s.latency_total_s for s in stats)
        return counters, {}

    def publish_diagnostics(self) -> None:
        wall_s = self.wall_clock.now().nanoseconds * 1e-9
        reports = self._diagnostics.report(wall_s, *self.diagnostic_readings())
        stamp = self.get_clock().now().to_msg()
        self._diagnostics_pub.publish(diagnostics.to_message(reports, stamp))
