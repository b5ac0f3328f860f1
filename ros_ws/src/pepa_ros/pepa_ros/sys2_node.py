"""Sys2 as a ROS 2 node: a thin adapter around :class:`pepa.agent.sys2.deliberator.Deliberator`.

Requests arrive on ``/pepa/requests`` (typed, any publisher) or as goals of the
``/pepa/request`` action (``pepa_interfaces/action/Request``, the console's way: feedback at
each state change, the result at the end; see pepa_ros.request_action, which also serves
``/pepa/request/cancel``); Sys1's belief on
``/pepa/world_state``; Sys3's daily goals, ultimate goal (whose personality Sys2 follows) and
reflections (whose reward weights Sys2 scores with). Decisions go out on
``/pepa/decisions``; each skill result Sys1 reports for the current plan is handed to the
Deliberator, which advances, completes or repairs the plan. Every request change goes out on
``/pepa/request_updates`` and, as an episode, on ``/pepa/experiences``. The node also
publishes the agent's status.

When to decide, who owns the running plan, the backoff after a failed plan, bedtime (no new
work from ``bedtime_hour`` to ``day_start_hour``, the robot docks) and the "decided" and
request episodes are the :class:`pepa.agent.coordinator.coordinator.Coordinator`'s, the same object
the in-process runtime calls: this node only maps topics and timers onto it. Events ask it at
once, in their own callback: a new request (topic or call), the end of a plan, a cancelled
one, Sys1's state while a request waits for it; the ``decide_rate_hz`` timer serves the
periodic checks. Each simulated day's Deliberator is seeded as in-process (``day_seed``).
A request's changes up to its decision are written to the queue file together; the decision
goes out first (the robot's motion does not wait for the disk), the request's update (its
acknowledgement) only after the write. When Sys1 restarts (a new boot id on
``/pepa/health``) the current decision is sent again with its progress, so the robot resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.context import Context

from pepa.agent.coordinator.cadence import Cadence
from pepa.agent.coordinator.coordinator import (
    BEDTIME_ROUTINE,
    Coordinator,
    Owner,
    Whereabouts,
    at_rest,
    day_seed,
)
from pepa.agent.sys1.recorder import ExperienceRecorder
from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.deliberator import PRESENCE_FILE, SYS2_DIR, Deliberator
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.clock import day_of, format_time
from pepa.messages import (
    AgentStatus,
    DailyGoal,
    Decision,
    Experience,
    Goal,
    Reflection,
    RequestState,
    SkillStatus,
    StepResult,
    UserRequest,
)
from pepa.personalities import loader
from pepa.personalities.model import Personality
from pepa.robot import RobotPose
from pepa.world_state import WorldState
from pepa_ros import qos, typed_codec
from pepa_ros.agent_node import AgentNode
from pepa_ros.entry import node_main
from pepa_ros.health import NodeHealth
from pepa_ros.params import SYS2_PARAMETERS
from pepa_ros.request_action import RequestActions, RequestGoal
from pepa_ros.rpc import RpcClient, RpcServer
from pepa_ros.sys1_node import TopicSink
from pepa_ros.topics import (
    CANCEL_REQUEST,
    DAILY_GOALS,
    DECISIONS,
    EXPERIENCES,
    GOAL,
    HEALTH,
    REFLECTIONS,
    REQUEST_ACTION,
    REQUEST_UPDATES,
    REQUESTS,
    STATUS,
    STEP_RESULTS,
    SYS1_RPC,
    SYS2_RPC,
    WORLD_STATE,
)

log = logging.getLogger(__name__)

SYS1_NODE = "pepa_sys1"
STATUS_PERIOD_S = 0.5
DAILY_GOALS_WAIT_S = 300.0
"""At most this long (simulated) a day's first decision waits for Sys3's goals of the day."""


class ReflectedWeights:
    """Sys3's reward weights as Sys2 reads them: the newest reflection's, else the file's."""

    def __init__(self, personality: Personality) -> None:
        self.personality = personality
        self._day = -1
        self._weights: dict[str, float] | None = None

    def on_reflection(self, r: Reflection) -> None:
        mine = r.personality.lower() == self.personality.name.lower()
        if mine and r.day > self._day and r.weights_after:
            self._day, self._weights = r.day, dict(r.weights_after)

    @property
    def weights(self) -> Mapping[str, float]:
        return self._weights if self._weights is not None else self.personality.weights()


class Sys2Node(AgentNode):
    """See the module docstring."""

    def __init__(self, context: Context | None = None, parameters: dict[str, Any] | None = None):
        super().__init__("pepa_sys2", SYS2_PARAMETERS, context, parameters)

    def configure(self) -> None:
        super().configure()
        v = self.values
        self.building = self.load_building()
        self.knowledge = knowledge_from_building(self.building)
        self.llm = self.llm_client("sys2")
        self.group = MutuallyExclusiveCallbackGroup()
        self.personality = loader.load(v["personality"], self.data_dir)
        self.reward = ReflectedWeights(self.personality)
        self.state: WorldState | None = None
        self._goals: dict[str, DailyGoal] = {}
        self._goals_wait_from: float | None = None
        self.cadence = Cadence()
        self.cadence.poke()  # decide as soon as Sys1's first state arrives
        self._sys1_boot: str | None = None
        self._bad_elsewhere: dict[str, int] = {}
        self._decision_pub = self.codec.publisher(
            self, Decision, DECISIONS.name, qos.profile(DECISIONS.qos)
        )
        self._update_pub = self.codec.publisher(
            self, UserRequest, REQUEST_UPDATES.name, qos.profile(REQUEST_UPDATES.qos)
        )
        self._status_pub = self.codec.publisher(
            self, AgentStatus, STATUS.name, qos.profile(STATUS.qos)
        )
        self.recorder = ExperienceRecorder(
            TopicSink(
                self.codec.publisher(
                    self, Experience, EXPERIENCES.name, qos.profile(EXPERIENCES.qos)
                )
            ),
            self.building,
        )
        self.day = 0
        self.sys2 = self._deliberator(self.personality, self.day)
        self.coordinator = self._coordinator()
        typed_codec.subscribe(
            self,
            self.codec,
            UserRequest,
            REQUESTS.name,
            self._on_request,
            qos.profile(REQUESTS.qos, REQUESTS.depth),
            callback_group=self.group,
        )
        subs: list[tuple[type, Any, Any]] = [
            (WorldState, WORLD_STATE, self._on_state),
            (StepResult, STEP_RESULTS, self._on_step),
            (Goal, GOAL, self._on_goal),
            (DailyGoal, DAILY_GOALS, self._on_daily_goal),
            (Reflection, REFLECTIONS, self.reward.on_reflection),
            (NodeHealth, HEALTH, self._on_health),
        ]
        for model, spec, callback in subs:
            self.codec.subscribe(
                self,
                model,
                spec.name,
                callback,
                qos.profile(spec.qos, spec.depth),
                callback_group=self.group,
            )
        self.sys1_rpc = RpcClient(self, self.codec, SYS1_RPC)
        RpcServer(
            self,
            self.codec,
            SYS2_RPC,
            {
                "requests": self._rpc_requests,
                "request": self._rpc_request,
            },
            self.group,
        )
        self.request_actions = RequestActions(
            self,
            REQUEST_ACTION.name,
            CANCEL_REQUEST.name,
            self.submit,
            self.cancel,
            self.request,
            places=self.knowledge.places,
            people=self.knowledge.people,
            is_active=lambda: self.active,
            callback_group=self.group,
        )
        self.every(1.0 / v["decide_rate_hz"], self._deliberate, self.group)
        self.every(STATUS_PERIOD_S, self._report, self.group)
        self.get_logger().info(f"Sys2 for {self.personality.name}")

    def _deliberator(self, personality: Personality, day: int) -> Deliberator:
        return Deliberator(
            self.knowledge,
            personality=personality,
            reward=self.reward,
            building=self.building,
            config=Sys2Config(seed=day_seed(self.values["seed"], day)),
            data_dir=self.data_dir / SYS2_DIR,
            llm=self.llm,
        )

    def _coordinator(self) -> Coordinator:
        return Coordinator(self.sys2, self.cadence, self.recorder, self.knowledge, self._where)

    def _renew(self, personality: Personality, day: int) -> None:
        """A new Deliberator (another self, or a new day's seed) over the same files."""
        self.sys2.queue.save()
        self.sys2.presence.save(self.data_dir / SYS2_DIR / PRESENCE_FILE)
        self.personality, self.day = personality, day
        self.sys2 = self._deliberator(personality, day)
        self.coordinator = self._coordinator()

    def _where(self) -> Whereabouts | None:
        s = self.state
        if s is None:
            return None
        p = s.pose
        return Whereabouts(RobotPose(p.x, p.y, p.theta, p.floor), s.battery)

    def _time(self) -> float:
        now = self.now()
        if now is not None:
            return now
        return self.state.time if self.state is not None else 0.0

    # --- inputs ---------------------------------------------------------------------------------

    def _on_state(self, state: WorldState) -> None:
        self.state = state
        if state.day != self.day and self.coordinator.owner is None:
            self._renew(self.personality, state.day)  # the day's seed, as in-process
        if self.cadence.poked:  # a request waited for Sys1 to be free (or for its first state)
            self._deliberate()

    def current_state(self, now: float) -> WorldState | None:
        if self.state is None:
            return None
        return self.state.model_copy(
            update={"pending_requests": len(self.sys2.queue.open()), "time": now}
        )

    def _on_goal(self, goal: Goal) -> None:
        if goal.personality.lower() == self.personality.name.lower():
            return
        try:
            new = loader.load(goal.personality, self.data_dir)
        except ValueError as exc:
            self.get_logger().error(f"{GOAL.name}: cannot follow personality: {exc}")
            return
        self.get_logger().info(f"personality switched to {new.name}")
        self._drop_plan(f"personality switch to {new.name}")
        self.reward = ReflectedWeights(new)
        self._renew(new, self.day)
        self._goals = {}  # the new self's goals follow on /pepa/daily_goals
        self.coordinator.poke()

    def _on_daily_goal(self, goal: DailyGoal) -> None:
        self._goals[goal.id] = goal
        self.sys2.set_goals(self._todays_goals())

    def _todays_goals(self) -> list[DailyGoal]:
        if not self._goals:
            return []
        day = max(g.day for g in self._goals.values())
        self._goals = {k: g for k, g in self._goals.items() if g.day == day}
        return list(self._goals.values())

    def _on_health(self, health: NodeHealth) -> None:
        if health.node == self.get_name():
            return
        self._bad_elsewhere[health.node] = health.bad_messages
        if health.node != SYS1_NODE:
            return
        if self._sys1_boot is not None and health.boot != self._sys1_boot:
            cur = self.sys2.current
            if cur is not None and cur.plan.id == self.coordinator.plan_id:
                self.get_logger().warning(
                    f"Sys1 restarted: handing it plan {cur.plan.id} again from step "
                    f"{cur.plan.progress + 1}"
                )
                self._decision_pub.publish(cur)
        self._sys1_boot = health.boot

    def _on_request(self, request: UserRequest) -> None:
        if request.id in self.sys2.queue:
            self.get_logger().info(f"{REQUESTS.name}: request {request.id} is known; ignored")
            return
        now = self._time()
        with self._changing():
            req = self.sys2.submit(request.model_copy(update={"created_at": now}), now)
            self.coordinator.poke()
            self._consider()
            self.get_logger().info(f"request {req.id} from {req.sender} is {req.state.value}")

    def _on_step(self, step: StepResult) -> None:
        coord = self.coordinator
        if step.plan_id != coord.plan_id:
            return  # a plan Sys2 has moved on from, or Sys1's own (battery reserve)
        now = self._time()
        with self._changing():
            if coord.owner == Owner.SYS2:
                repair = coord.forward(step.result, self.current_state(now), now)
                if repair is not None:
                    self._start(repair, now)
                    return
                if not coord.sys2_plan_over:
                    return
            # Sys2's plan is over, or the routine's one step: what next (after any backoff)
            coord.ended(now, step.result.status)
            self._consider()

    # --- deciding -------------------------------------------------------------------------------

    def _deliberate(self) -> None:
        """The periodic check (the timer); events call :meth:`_consider` themselves."""
        with self._changing():
            self._consider()

    def _consider(self) -> None:
        """Start what the coordinator says is due now (a decision, or bedtime's docking).

        It goes to Sys1 at once: the robot's first motion waits neither for the queue's
        write nor for the request updates, which follow it.
        """
        now = self.now()
        state = self.current_state(now) if now is not None else None
        if now is None or state is None:
            return
        coord = self.coordinator
        v = self.values
        if at_rest(now, v["day_start_hour"], v["bedtime_hour"]):
            coord.begin_bedtime(now, self._drop_plan)
            if coord.dock_due(now, sys1_busy=not state.idle, charging=state.charging):
                routine = coord.routine_decision(BEDTIME_ROUTINE, "bedtime: dock and charge", now)
                coord.took_over(Owner.ROUTINE, routine.plan.id)
                self._publish(routine, now)
            return
        if coord.bedtime:
            self.cadence.begin_day(now)  # morning: the day's work again
        if not self._goals_known(now):
            return
        decision = coord.decide(now, lambda: state, sys1_busy=not state.idle)
        if decision is not None:
            self._start(decision, now)

    def _goals_known(self, now: float) -> bool:
        """Today's goals have come from Sys3, or waiting for them is over.

        In-process the day's goals are set before its first decision; here they come from the
        Sys3 node, which may be up later than Sys1: deciding without them, the same agent
        would start its day with another choice than in-process.
        """
        day = day_of(now)
        if any(g.day == day for g in self._goals.values()):
            return True
        if self._goals_wait_from is None or day_of(self._goals_wait_from) != day:
            self._goals_wait_from = now
        return now - self._goals_wait_from >= DAILY_GOALS_WAIT_S

    def _start(self, decision: Decision, now: float) -> None:
        self.coordinator.started(decision, now)
        self._publish(decision, now)

    def _publish(self, decision: Decision, now: float) -> None:
        self._decision_pub.publish(decision)
        self.get_logger().info(f"{format_time(now)} decided: {decision.chosen.label}")

    def _drop_plan(self, reason: str) -> None:
        """Sys2 lets go of its plan: Sys1 is asked to stop it; nothing more is awaited of it."""
        coord = self.coordinator
        if coord.plan_id is not None:
            self.sys1_rpc.send("cancel", {"plan_id": coord.plan_id, "reason": reason})
            if coord.owner == Owner.SYS2 and not coord.sys2_plan_over:
                self.sys2.interrupt(self._time(), reason)
            coord.ended(self._time(), SkillStatus.CANCELLED)

    # --- request bookkeeping --------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Queue changes inside share one write; their updates go out only after it."""
        with self.sys2.queue.batch():
            yield
        self._after_change()

    def _after_change(self) -> None:
        """Publish each request that changed (each change is an episode too)."""
        for req in self.coordinator.log_requests(self._time()):
            self._update_pub.publish(req)
        self.request_actions.refresh()

    # --- calls ----------------------------------------------------------------------------------

    def submit(self, goal: RequestGoal) -> UserRequest:
        """A request from a person (the console's call or the action); decided on at once."""
        now = self._time()
        with self._changing():
            req = self.sys2.submit_text(
                goal.text,
                now,
                sender=goal.sender,
                place=goal.place,
                person=goal.person,
                priority=goal.priority,
            )
            self.coordinator.poke()
            self._consider()
        return req

    def cancel(self, rid: str, reason: str) -> UserRequest:
        """Cancel a request (KeyError: unknown; ValueError: already over); a running one's plan
        is dropped."""
        now = self._time()
        cur = self.sys2.current
        running = cur is not None and cur.plan.request_id == rid
        with self._changing():
            req = self.sys2.cancel(rid, now, reason)
            if running:
                self._drop_plan("the request was cancelled")
                self._consider()
        return req

    def request(self, rid: str) -> UserRequest:
        return self.sys2.request(rid)

    def _rpc_requests(self, _params: dict[str, Any]) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in self.sys2.requests()]

    def _rpc_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.sys2.request(str(params.get("request_id", ""))).model_dump(mode="json")

    # --- status ---------------------------------------------------------------------------------

    def status(self) -> AgentStatus | None:
        now = self.now()
        state = self.current_state(now) if now is not None else None
        if state is None:
            return None
        cur = self.sys2.current
        return AgentStatus(
            time=now,
            personality=self.personality.name,
            pose=state.pose,
            room=state.room,
            battery=state.battery,
            charging=state.charging,
            current_skill=state.current_skill,
            current_goal=(cur.plan.goal_id or cur.plan.request_id) if cur is not None else None,
            plan=cur.plan if cur is not None else None,
            decision=cur.explanation if cur is not None else None,
            queue=self.sys2.queue_counts(),
            bad_messages=self.codec.bad_messages + sum(self._bad_elsewhere.values()),
        )

    def _report(self) -> None:
        status = self.status()
        if status is not None:
            self._status_pub.publish(status)
        self.publish_health()

    def diagnostic_readings(self) -> tuple[dict[str, float], dict[str, float]]:
        counters, gauges = super().diagnostic_readings()
        counts = self.sys2.queue.counts()
        gauges["requests_waiting"] = float(
            sum(
                counts[s.value]
                for s in (RequestState.QUEUED, RequestState.ACCEPTED, RequestState.DEFERRED)
            )
        )
        return counters, gauges

    def cleanup(self) -> None:
        self.sys2.queue.save()
        if self.llm is not None:
            self.llm.close()


def create(context: Context, parameters: dict[str, Any]) -> Sys2Node:
    """Registry factory (see pepa_ros.registry)."""
    return Sys2Node(context=context, parameters=parameters)


main = node_main("sys2")
