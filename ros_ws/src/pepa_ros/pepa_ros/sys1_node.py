"""Sys1 as a ROS 2 node: a thin adapter around :class:`pepa.agent.sys1.executor.Sys1`.

Sys2's decisions (``/pepa/decisions``) become ``Sys1.run`` calls; a control loop ticks Sys1 at
the ROS (simulated) time and re-sends the standing velocity command, every
``1 / control_rate_hz`` seconds of *simulated* time (a wall-clock timer at ``control_rate_hz x
speed``): the skills steer for that period, so a sped-up simulation must not stretch it;
every finished skill goes back to Sys2 on ``/pepa/step_results`` with its plan id, the plan's
progress on ``/pepa/plan``, Sys1's belief on ``/pepa/world_state`` (twice a second, and at
once when Sys1 becomes idle, which Sys2 waits for) and its episodes on
``/pepa/experiences`` (the Sys3 node stores them in memory). The robot is reached through
:class:`pepa_ros.ros_robot.RosRobot`, so the same node drives the simulated office, a Gazebo
robot or a real one.

The control loop never waits on slow work. Route searches run on the planner's worker thread
(:class:`pepa.agent.sys1.planner.ThreadedPlanner`), and so does building Sys1 (its navigation map
takes seconds); the state file is written by another worker. Decisions and finished searches
tick Sys1 at once (a guard condition wakes the loop's callback group), so a new plan's first
motion waits neither for the next period nor for a search to share a tick with control.

What Sys1 learns that should outlive a crash (the visit map, where people and objects were
seen) is saved under ``<data_dir>/sys1/`` every few seconds and loaded at start; the plan it
was running is handed back by Sys2, which sees the new boot id on ``/pepa/health``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.context import Context

from pepa.agent.coordinator.coordinator import refusal
from pepa.agent.sys1 import lasting_state
from pepa.agent.sys1.config import PerceptionConfig, Sys1Config, control_for
from pepa.agent.sys1.executor import HandleState, SkillHandle, Sys1
from pepa.agent.sys1.planner import Job, ThreadedPlanner
from pepa.messages import (
    Decision,
    Experience,
    Plan,
    StepResult,
)
from pepa.personalities import loader
from pepa.world_state import WorldState
from pepa_ros import qos
from pepa_ros.agent_node import AgentNode
from pepa_ros.codec import JsonPublisher
from pepa_ros.entry import node_main
from pepa_ros.loop_stats import LoopStats, TimerDeadlines
from pepa_ros.nav2_backend import Nav2Backend
from pepa_ros.params import SYS1_PARAMETERS
from pepa_ros.robot_adapters import GenericRosRobotAdapter, RobotAdapter, SimOfficeAdapter
from pepa_ros.ros_robot import RosRobot
from pepa_ros.rpc import RpcServer
from pepa_ros.topics import (
    DECISIONS,
    EXPERIENCES,
    PLAN,
    STEP_RESULTS,
    SYS1_RPC,
    WORLD_STATE,
)

log = logging.getLogger(__name__)

REPORT_PERIOD_S = 0.5
SAVE_PERIOD_S = 10.0


class TopicSink:
    """Sys1's experience sink: each episode goes out on ``/pepa/experiences``."""

    def __init__(self, publisher: JsonPublisher) -> None:
        self.publisher = publisher
        self.sent = 0

    def record(self, experience: Experience) -> str:
        self.publisher.publish(experience)
        self.sent += 1
        return experience.id


class Sys1Node(AgentNode):
    """See the module docstring."""

    def __init__(self, context: Context | None = None, parameters: dict[str, Any] | None = None):
        super().__init__("pepa_sys1", SYS1_PARAMETERS, context, parameters)

    def configure(self) -> None:
        super().configure()
        v = self.values
        self.building = self.load_building()
        self.group = MutuallyExclusiveCallbackGroup()
        self.adapter: RobotAdapter
        if v["robot"] == "sim_office":
            self.adapter = SimOfficeAdapter(self, codec=self.codec)
        else:
            self.adapter = GenericRosRobotAdapter(self)
        self.robot = RosRobot(self.adapter, self.building)
        self.navigation = (
            Nav2Backend(self, v["nav2_action"], callback_group=self.group)
            if v["navigation"] == "nav2"
            else None
        )
        personality = loader.load(v["personality"], self.data_dir)
        self.config = Sys1Config(
            control=control_for(personality, control_hz=v["control_rate_hz"]),
            perception=PerceptionConfig(mode="camera"),
            seed=v["seed"],
        )
        self.sys1: Sys1 | None = None
        self._wake = self.create_guard_condition(self._on_ready, callback_group=self.group)
        self.planner = ThreadedPlanner(on_ready=self._wake.trigger)
        self._building: Job[Sys1] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sys1-state")
        self._plan_pub = self.codec.publisher(self, Plan, PLAN.name, qos.profile(PLAN.qos))
        self._results_pub = self.codec.publisher(
            self, StepResult, STEP_RESULTS.name, qos.profile(STEP_RESULTS.qos)
        )
        self._state_pub = self.codec.publisher(
            self, WorldState, WORLD_STATE.name, qos.profile(WORLD_STATE.qos)
        )
        self.sink = TopicSink(
            self.codec.publisher(self, Experience, EXPERIENCES.name, qos.profile(EXPERIENCES.qos))
        )
        self.codec.subscribe(
            self,
            Decision,
            DECISIONS.name,
            self._on_decision,
            qos.profile(DECISIONS.qos),
            callback_group=self.group,
        )
        RpcServer(self, self.codec, SYS1_RPC, {"cancel": self._rpc_cancel}, self.group)
        self._waiting: deque[Decision] = deque(maxlen=8)
        self._forwarded: dict[str, int] = {}
        self._handles: deque[SkillHandle] = deque(maxlen=16)
        self._plan_seen: tuple[str, int, str] | None = None
        self._was_busy = False
        self.period_s = 1.0 / (v["control_rate_hz"] * v["speed"])  # wall clock
        self.loop_stats = LoopStats(self.period_s)
        self._next_save = time.monotonic() + SAVE_PERIOD_S
        self._deadlines = TimerDeadlines(self.period_s, time.monotonic())
        self.every(self.period_s, self._control, self.group)
        self.every(REPORT_PERIOD_S, self._report, self.group)
        self.get_logger().info(
            f"Sys1 on robot '{v['robot']}' in '{self.building.name}', control at "
            f"{v['control_rate_hz']:.0f} Hz of simulated time ({1.0 / self.period_s:.0f} Hz wall)"
        )

    # --- set-up ---------------------------------------------------------------------------

    def _build(self, now: float) -> Sys1:
        sys1 = Sys1(
            self.robot,
            self.building,
            config=self.config,
            sink=self.sink,
            planner=self.planner,
            navigation=self.navigation,
            now=now,
        )
        try:
            saved = lasting_state.load(self.data_dir)
            if saved is not None:
                lasting_state.apply(sys1, saved)
                self.get_logger().info(f"Sys1 state restored from {self.data_dir}")
        except ValueError as exc:
            self.get_logger().error(f"starting with a fresh Sys1 state: {exc}")
        return sys1

    def _ready_sys1(self, now: float) -> Sys1 | None:
        """Sys1, once the planner's worker has built it (asked for at the first clock)."""
        if self.sys1 is None:
            if self._building is None:
                self._building = self.planner.submit(lambda: self._build(now))
            if not self._building.done:
                return None
            self.sys1 = self._building.result()
        return self.sys1

    def save_state(self) -> None:
        if self.sys1 is not None:
            lasting_state.save(self.data_dir, lasting_state.capture(self.sys1))

    def _save_state_later(self) -> None:
        """Capture on the loop's thread (consistent), write on the writer's."""
        if self.sys1 is not None:
            state = lasting_state.capture(self.sys1)
            self._writer.submit(lasting_state.save, self.data_dir, state)

    # --- work from Sys2 -------------------------------------------------------------------------

    def _on_decision(self, decision: Decision) -> None:
        self._waiting.append(decision)
        self._step()  # start it now, not at the next period

    def _on_ready(self) -> None:
        """A search (or Sys1's build) finished on the planner's thread: act on it now."""
        self._step()

    def _start_waiting(self) -> None:
        sys1 = self.sys1
        assert sys1 is not None
        while self._waiting:
            decision = self._waiting.popleft()
            plan = decision.plan
            running = sys1.handle
            if running is not None and not running.done and running.plan.id == plan.id:
                continue  # already running (Sys2 re-sent it)
            if plan.progress >= len(plan.steps):
                continue
            if plan.progress > 0:  # the rest of a plan a restarted Sys1 had begun
                plan = plan.model_copy(update={"steps": plan.steps[plan.progress :]})
            # the plan's episodes carry its ids (Sys2's coordinator records the decision)
            sys1.recorder.goal_id = plan.goal_id
            sys1.recorder.request_id = plan.request_id
            handle = sys1.run(plan, source=decision.source)
            self._handles.append(handle)
            self.get_logger().info(
                f"plan {plan.id} ({len(plan.steps)} steps) is {handle.state.value}"
                + (f": {handle.reason}" if handle.reason else "")
            )

    def _rpc_cancel(self, params: dict[str, Any]) -> dict[str, Any]:
        plan_id = str(params.get("plan_id", ""))
        reason = str(params.get("reason") or "cancelled")
        h = self.sys1.handle if self.sys1 is not None else None
        self._waiting = deque((d for d in self._waiting if d.plan.id != plan_id), maxlen=8)
        if h is None or h.done or h.plan.id != plan_id:
            return {"cancelled": False}
        self.sys1.cancel(reason)  # type: ignore[union-attr]
        self._forward_results()
        return {"cancelled": True}

    # --- the loop -------------------------------------------------------------------------------

    def _control(self) -> None:
        start = time.monotonic()
        late = self._deadlines.late(start)
        if self._step():
            self.loop_stats.record(late, time.monotonic() - start)

    def _step(self) -> bool:
        """Tick Sys1 at the ROS time and pass on what came of it; False while it cannot run."""
        now = self.now()
        if now is None or not self.robot.ready():
            return False
        sys1 = self._ready_sys1(now)
        if sys1 is None:
            return False
        if self._waiting:
            self._start_waiting()
        sent = self.robot.commands
        sys1.tick(now)
        if self.robot.commands == sent:
            self.robot.keep_alive()
        self._forward_results()
        self._publish_plan()
        if self._was_busy and not sys1.busy:  # Sys2 waits for this to decide again
            self._publish_state()
        self._was_busy = sys1.busy
        return True

    def _forward_results(self) -> None:
        sys1 = self.sys1
        assert sys1 is not None
        for h in sys1.drain_finished():
            if h not in self._handles:
                self._handles.append(h)
        for h in list(self._handles):
            sent = self._forwarded.get(h.id, 0)
            for res in h.results[sent:]:
                self._results_pub.publish(StepResult(plan_id=h.plan.id, result=res))
            self._forwarded[h.id] = len(h.results)
            if h.state == HandleState.REFUSED and sent == 0 and not h.results:
                self._results_pub.publish(
                    StepResult(plan_id=h.plan.id, result=refusal(h, sys1.ctx.now), refused=True)
                )
                self._forwarded[h.id] = 1
            if h.done:
                self._handles.remove(h)
                self._forwarded.pop(h.id, None)

    def _publish_plan(self) -> None:
        h = self.sys1.handle if self.sys1 is not None else None
        if h is None:
            return
        key = (h.plan.id, h.plan.progress, h.state.value)
        if key != self._plan_seen:
            self._plan_seen = key
            self._plan_pub.publish(h.plan)

    def world_state(self) -> WorldState | None:
        return None if self.sys1 is None else self.sys1.live_state()

    def _publish_state(self) -> None:
        state = self.world_state()
        if state is not None:
            self._state_pub.publish(state)

    def _report(self) -> None:
        self._publish_state()
        s = self.loop_stats
        self.publish_health(
            loop_ticks=s.ticks,
            loop_misses=s.misses,
            loop_max_late_ms=s.max_late_s * 1e3,
            loop_long_steps=s.long_steps,
            loop_max_step_ms=s.max_step_s * 1e3,
        )
        if time.monotonic() >= self._next_save:
            self._next_save = time.monotonic() + SAVE_PERIOD_S
            self._save_state_later()

    def diagnostic_readings(self) -> tuple[dict[str, float], dict[str, float]]:
        counters, gauges = super().diagnostic_readings()
        counters["loop_ticks"] = float(self.loop_stats.ticks)
        counters["loop_misses"] = float(self.loop_stats.misses)
        if self.sys1 is not None:
            gauges["battery"] = self.sys1.ctx.battery.soc
        return counters, gauges

    def activate(self) -> None:
        # the control timer starts now: its deadline grid with it
        self._deadlines = TimerDeadlines(self.period_s, time.monotonic())

    def deactivate(self) -> None:
        """One zero velocity command, then the control loop stops (its timer is cancelled)."""
        self.robot.set_cmd_vel(0.0, 0.0)

    def cleanup(self) -> None:
        self.planner.close()
        self._writer.shutdown(wait=True)
        self.save_state()


def create(context: Context, parameters: dict[str, Any]) -> Sys1Node:
    """Registry factory (see pepa_ros.registry)."""
    return Sys1Node(context=context, parameters=parameters)


main = node_main("sys1")
