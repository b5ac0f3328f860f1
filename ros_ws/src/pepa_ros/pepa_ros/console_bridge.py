"""The web console over ROS 2: :class:`RosConsoleBackend` implements the console's backend
contract (agent.console.backend.ConsoleBackend) with the agent's topics and calls, and the
node serves the console (uvicorn in a thread) beside its ROS subscriptions.

What the pages show live comes from the latched and event topics (status, decisions, request
updates, goals, reflections, Sys1's belief, the elevators) and is pushed to the pages as it
arrives; a new request goes to Sys2 as a goal of its ``/pepa/request`` action and a cancel
through ``/pepa/request/cancel``; the rest of what the pages ask or change goes to Sys2 (the
request list) and Sys3 (memory, reflections, personality) through their ``/pepa/rpc/`` calls,
whose replies carry what the pages show in one answer. The floor maps and the directory of places
and people come from the building description, as in the in-process console. People are
drawn where the robot last saw them (its belief), since over ROS there is no simulator truth.

The camera view is the last ``/camera/image_raw`` message (older ones are dropped, never
queued), turned into a small JPEG only when a page asks. The trail, the battery curve and the
day at a glance come from a day trace the bridge keeps from the status topic, built by the
runtime's own trace recorder; finished days the bridge did not see are read from the run's
saved traces.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from pepa_interfaces.action import Request
from pydantic import BaseModel, JsonValue
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.context import Context
from sensor_msgs.msg import Image

from pepa.agent.console import day_glance
from pepa.agent.console.backend import (
    CameraView,
    ConflictError,
    ConsoleEvent,
    DayGlance,
    DecisionView,
    Directory,
    FloorInfo,
    LiveStatus,
    MemoryHit,
    MemorySearch,
    NotFoundError,
    PersonalityView,
    PersonView,
    ReflectionBrief,
    ReflectionDay,
    RefusedError,
    Subscribers,
    TrailPoint,
    Unsubscribe,
)
from pepa.agent.console.camera_view import CameraViews, Frame
from pepa.agent.console.floor_maps import FloorMaps
from pepa.agent.console.personality_view import personality_view
from pepa.agent.console.server import BackgroundServer, announce
from pepa.agent.console.settings import resolve_settings
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.agent.trace import DayTrace, TraceRecorder, plan_category
from pepa.clock import day_of, format_time
from pepa.messages import (
    AgentStatus,
    DailyGoal,
    Decision,
    ElevatorStatus,
    Experience,
    Goal,
    Pose,
    Reflection,
    RequestPriority,
    UserRequest,
)
from pepa.personalities import loader
from pepa.world_state import WorldState
from pepa_ros import qos, typed_codec
from pepa_ros.agent_node import AgentNode
from pepa_ros.entry import node_main
from pepa_ros.params import CONSOLE_PARAMETERS
from pepa_ros.request_action import GoalRefusedError, RequestClient, check_goal
from pepa_ros.robot_adapters import image_to_rgb
from pepa_ros.rpc import RpcClient, RpcError
from pepa_ros.topics import (
    CANCEL_REQUEST,
    DAILY_GOALS,
    DECISIONS,
    ELEVATOR_STATE,
    GOAL,
    IMAGE,
    REFLECTIONS,
    REQUEST_ACTION,
    REQUEST_UPDATES,
    STATUS,
    SYS2_RPC,
    SYS3_RPC,
    WORLD_STATE,
)

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 15.0
KEEP_DAYS = 3
"""Finished days whose trace the bridge keeps in memory (older ones come from the files)."""


class RosConsoleBackend:
    """:class:`~agent.console.backend.ConsoleBackend` over the agent's ROS interface."""

    def __init__(self, node: ConsoleBridgeNode) -> None:
        self.node = node
        self.building = node.building
        self.knowledge = knowledge_from_building(self.building)
        self._lock = threading.Lock()
        self._subscribers = Subscribers()
        self._maps = FloorMaps(self.building)
        self.agent: AgentStatus | None = None
        self.decision: Decision | None = None
        self.state: WorldState | None = None
        self.goal: Goal | None = None
        self.goals: dict[str, DailyGoal] = {}
        self.requests_seen: dict[str, UserRequest] = {}
        self.elevators_seen: dict[str, ElevatorStatus] = {}
        self._camera = CameraViews(self.building)
        self._image: Image | None = None
        self._image_used: Image | None = None
        self._day: TraceRecorder | None = None
        self._days: dict[int, DayTrace] = {}
        self._plan_id: str | None = None

    # --- from the topics ------------------------------------------------------------------------

    def on_status(self, status: AgentStatus) -> None:
        with self._lock:
            self.agent = status
            self._record(status)
        if self._subscribers:
            self._push("status", self.status().model_dump(mode="json"))

    def on_decision(self, decision: Decision) -> None:
        with self._lock:
            self.decision = decision

    def on_image(self, image: Image) -> None:
        """Keep only the newest frame; it is decoded when a page asks for it."""
        self._image = image

    def _record(self, status: AgentStatus) -> None:
        """The status into the day's trace (under the lock): pose, room, battery, activity."""
        t, p = status.time, status.pose
        day = day_of(t)
        rec = self._day
        if rec is None or rec.trace.day != day:
            if rec is not None:
                self._days[rec.trace.day] = rec.finish(rec.trace.end, 0.0, 0, 0)
                for old in sorted(self._days)[:-KEEP_DAYS]:
                    del self._days[old]
            rec = self._day = TraceRecorder(day, t)
            self._plan_id = None
            rec.begin(t, "idle", "idle", "idle")
        rec.trace.end = max(rec.trace.end, t)
        if rec.pose(t, p.floor, p.x, p.y, p.theta, status.battery):
            room = self.building.room_at(p.floor, p.x, p.y)
            rec.room(t, room.id if room is not None else None)
        plan = status.plan
        plan_id = plan.id if plan is not None else None
        if plan_id == self._plan_id:
            return
        self._plan_id = plan_id
        if plan is None:
            rec.begin(t, "charge" if status.charging else "idle", "idle", "idle")
            return
        d = (
            self.decision
            if self.decision is not None and self.decision.plan.id == plan.id
            else None
        )
        kind = d.chosen.kind if d is not None else None
        label = d.chosen.label[:80] if d is not None else plan.steps[0].skill if plan.steps else ""
        rec.begin(t, plan_category(plan, kind), label, kind.value if kind else "routine")

    def on_state(self, state: WorldState) -> None:
        with self._lock:
            self.state = state

    def on_goal(self, goal: Goal) -> None:
        with self._lock:
            changed = self.goal is not None and self.goal.personality != goal.personality
            self.goal = goal
        if changed:
            self._push("personality", self.personality().model_dump(mode="json"))

    def on_daily_goal(self, goal: DailyGoal) -> None:
        with self._lock:
            self.goals[goal.id] = goal

    def on_request(self, request: UserRequest) -> None:
        with self._lock:
            self.requests_seen[request.id] = request
        self._push("request", request.model_dump(mode="json"))

    def on_reflection(self, reflection: Reflection) -> None:
        self._push("reflection", {"day": reflection.day})

    def on_elevator(self, status: ElevatorStatus) -> None:
        with self._lock:
            self.elevators_seen[status.elevator] = status

    # --- pushed updates -------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[ConsoleEvent], None]) -> Unsubscribe:
        return self._subscribers.add(callback)

    def _push(self, kind: str, data: dict[str, Any]) -> None:
        self._subscribers.push(kind, data)

    # --- calls ----------------------------------------------------------------------------------

    def _call(
        self, client: RpcClient, method: str, what: str, ident: object, **params: Any
    ) -> JsonValue:
        try:
            return client.call(method, params, timeout=CALL_TIMEOUT_S)
        except RpcError as exc:
            _raise(exc, what, ident)
        except TimeoutError as exc:
            raise ConflictError("agent", str(exc)) from None

    def _sys2(
        self, method: str, what: str = "request", ident: object = "", **params: Any
    ) -> JsonValue:
        return self._call(self.node.sys2, method, what, ident, **params)

    def _sys3(self, method: str, what: str = "", ident: object = "", **params: Any) -> JsonValue:
        return self._call(self.node.sys3, method, what, ident, **params)

    # --- live -----------------------------------------------------------------------------------

    def status(self) -> LiveStatus:
        with self._lock:
            agent, decision, state = self.agent, self.decision, self.state
            elevators = [self.elevators_seen[k] for k in sorted(self.elevators_seen)]
        running = agent is not None
        if agent is None:
            agent = AgentStatus(
                time=0.0,
                personality=self.node.values["personality"],
                pose=Pose(x=0.0, y=0.0, floor=0),
                battery=1.0,
            )
        view = None
        if decision is not None and agent.plan is not None and agent.plan.id == decision.plan.id:
            view = DecisionView(
                id=decision.id,
                time=decision.time,
                kind=decision.chosen.kind.value,
                label=decision.chosen.label,
                explanation=decision.explanation,
                candidates=list(decision.candidates[:8]),
            )
        return LiveStatus(
            agent=agent,
            time_text=format_time(agent.time),
            day=day_of(agent.time),
            people=self._people(state),
            elevators=elevators,
            decision=view,
            goal_text=self._goal_text(agent),
            speed=float(self.node.get_parameter("speed").value),
            running=running,
        )

    def _people(self, state: WorldState | None) -> list[PersonView]:
        if state is None:
            return []
        out = []
        for pid, room_id in sorted(state.people_rooms.items()):
            room = self.building.rooms_by_id.get(room_id)
            person = self.building.people_by_id.get(pid)
            if room is None:
                continue
            x, y = room.center
            out.append(
                PersonView(
                    id=pid,
                    name=person.name if person is not None else pid,
                    floor=room.floor,
                    x=x,
                    y=y,
                )
            )
        return out

    def _goal_text(self, agent: AgentStatus) -> str | None:
        plan = agent.plan
        if plan is None:
            return None
        with self._lock:
            req = self.requests_seen.get(plan.request_id) if plan.request_id else None
            goal = self.goals.get(plan.goal_id) if plan.goal_id else None
        if req is not None:
            return f"request from {req.sender}: {req.text}"
        if goal is not None:
            return f"daily goal: {goal.text}"
        return agent.decision

    def floors(self) -> list[FloorInfo]:
        return self._maps.floors()

    def floor_map_png(self, floor: int) -> bytes:
        return self._maps.png(floor)

    def directory(self) -> Directory:
        return Directory(
            places=sorted(self.knowledge.places),
            people=sorted(p.id for p in self.building.people),
        )

    def camera(self, width: int) -> CameraView:
        image = self._image
        if image is not None and image is not self._image_used:
            with self._lock:
                floor = self.agent.pose.floor if self.agent is not None else 0
            stamp = image.header.stamp
            self._camera.offer(Frame(image_to_rgb(image), stamp.sec + stamp.nanosec * 1e-9, floor))
            self._image_used = image
        view = self._camera.view(width)
        if view is None:
            raise NotFoundError("camera frame", f"(nothing on {IMAGE.name} yet)")
        return view

    def trail(self, seconds: float) -> list[TrailPoint]:
        with self._lock:
            if self._day is None:
                return []
            poses = list(self._day.trace.poses)
            now = self._day.trace.end
        return day_glance.trail(poses, now - seconds)

    def day_glance(self, day: int) -> DayGlance:
        with self._lock:
            rec = self._day
            live = rec is not None and rec.trace.day == day
            trace: DayTrace | None
            if rec is not None and live:
                trace = rec.trace.model_copy(deep=True)
                running = rec.activity.model_copy() if rec.activity is not None else None
            else:
                trace = self._days.get(day)
                running = None
        if trace is None:
            trace = day_glance.saved_trace(self.node.data_dir, day)
        if trace is None:
            raise NotFoundError("day", day)
        requests = self.requests()
        if live:
            return day_glance.glance(
                trace, requests, self.building, running=running, now=trace.end
            )
        return day_glance.glance(trace, requests, self.building)

    # --- requests -------------------------------------------------------------------------------

    def submit_request(
        self,
        text: str,
        place: str | None = None,
        person: str | None = None,
        priority: RequestPriority = RequestPriority.NORMAL,
    ) -> UserRequest:
        """Through Sys2's request action, after the same check Sys2 makes of a goal, so a
        refusal names its field here (an action's rejection carries no reason)."""
        goal = Request.Goal(
            text=text,
            place=place or "",
            person=person or "",
            priority=RequestPriority(priority).value,
        )
        try:
            checked = check_goal(goal, self.knowledge.places, self.knowledge.people, "console")
            rid = self.node.requests.submit(checked, CALL_TIMEOUT_S)
        except GoalRefusedError as exc:
            raise RefusedError(exc.field, exc.problem) from None
        except TimeoutError as exc:
            raise ConflictError("agent", str(exc)) from None
        return self._remember(self.request(rid))

    def cancel_request(self, request_id: str) -> UserRequest:
        """Through Sys2's cancel service: its error codes become the console's errors."""
        try:
            answer = self.node.requests.cancel(request_id, "cancelled by the user", CALL_TIMEOUT_S)
        except TimeoutError as exc:
            raise ConflictError("agent", str(exc)) from None
        if answer.code == answer.UNKNOWN_REQUEST:
            raise NotFoundError("request", request_id)
        if answer.code == answer.ALREADY_FINISHED:
            raise ConflictError("state", answer.message)
        return self._remember(typed_codec.from_ros(UserRequest, answer.request[0]))

    def _remember(self, req: UserRequest) -> UserRequest:
        with self._lock:
            self.requests_seen[req.id] = req
        return req

    def requests(self) -> list[UserRequest]:
        reqs = [UserRequest.model_validate(r) for r in _items(self._sys2("requests"))]
        return sorted(reqs, key=lambda r: (-r.created_at, r.id))

    def request(self, request_id: str) -> UserRequest:
        raw = self._sys2("request", "request", request_id, request_id=request_id)
        return UserRequest.model_validate(raw)

    # --- memory ---------------------------------------------------------------------------------

    def search_memory(self, query: MemorySearch) -> list[MemoryHit]:
        found = self._sys3("memory.search", **query.model_dump(mode="json"))
        return [MemoryHit.model_validate(h) for h in _items(found)]

    def episode(self, episode_id: str) -> Experience:
        raw = self._sys3("memory.episode", "episode", episode_id, episode_id=episode_id)
        return Experience.model_validate(raw)

    # --- reflections ----------------------------------------------------------------------------

    def reflection_days(self) -> list[ReflectionBrief]:
        return [ReflectionBrief.model_validate(r) for r in _items(self._sys3("reflection.days"))]

    def reflection(self, day: int) -> ReflectionDay:
        raw = self._sys3("reflection.day", "reflection of day", day, day=day)
        return ReflectionDay.model_validate(raw)

    def write_feedback(self, day: int, text: str) -> list[str]:
        notes = [
            str(note)
            for note in _items(
                self._sys3("reflection.feedback", "reflection of day", day, day=day, text=text)
            )
        ]
        self._push("feedback", {"day": day, "feedback": notes})
        return notes

    # --- personality ----------------------------------------------------------------------------

    def personality(self) -> PersonalityView:
        raw = _ActivePersonality.model_validate(self._sys3("personality"))
        try:
            p = loader.load(raw.name, self.node.data_dir)
        except ValueError as exc:
            raise RefusedError("name", str(exc)) from None
        return personality_view(
            p, weights=raw.weights, ultimate_goal=raw.ultimate_goal, active=True
        )

    def personalities(self) -> list[PersonalityView]:
        with self._lock:
            active = self.goal.personality if self.goal is not None else None
        active = active or self.node.values["personality"]
        return [
            personality_view(p, active=p.name.lower() == active.lower())
            for p in loader.load_all(self.node.data_dir)
        ]

    def switch_personality(self, name: str, reason: str = "") -> PersonalityView:
        if name.lower() not in loader.available(self.node.data_dir):
            raise NotFoundError("personality", name)
        self._sys3("personality.switch", "personality", name, name=name, reason=reason)
        view = self.personality()
        self._push("personality", view.model_dump(mode="json"))
        return view


class _ActivePersonality(BaseModel):
    """Sys3's answer to ``personality``: the personality in use and its weights now."""

    name: str
    weights: dict[str, float]
    ultimate_goal: str


def _items(reply: JsonValue) -> list[JsonValue]:
    """The items of a reply to a method that answers a list."""
    if not isinstance(reply, list):
        raise RuntimeError(f"expected a list in the reply, got {type(reply).__name__}")
    return reply


def _raise(exc: RpcError, what: str, ident: object) -> NoReturn:
    if exc.kind == "not_found":
        raise NotFoundError(what or "item", ident) from None
    if exc.kind == "conflict":
        raise ConflictError(exc.field or "state", exc.message) from None
    if exc.kind == "refused":
        raise RefusedError(exc.field or "input", exc.message) from None
    raise RuntimeError(str(exc)) from None


class ConsoleBridgeNode(AgentNode):
    """Serves the console over the agent's ROS interface; see the module docstring."""

    def __init__(self, context: Context | None = None, parameters: dict[str, Any] | None = None):
        super().__init__("pepa_console", CONSOLE_PARAMETERS, context, parameters)

    def configure(self) -> None:
        super().configure()
        self.building = self.load_building()
        replies = ReentrantCallbackGroup()
        self.sys2 = RpcClient(self, self.codec, SYS2_RPC, replies)
        self.requests = RequestClient(self, REQUEST_ACTION.name, CANCEL_REQUEST.name, replies)
        self.sys3 = RpcClient(self, self.codec, SYS3_RPC, replies)
        self.backend = RosConsoleBackend(self)
        b = self.backend
        subs: list[tuple[type, Any, Any]] = [
            (AgentStatus, STATUS, b.on_status),
            (Decision, DECISIONS, b.on_decision),
            (UserRequest, REQUEST_UPDATES, b.on_request),
            (DailyGoal, DAILY_GOALS, b.on_daily_goal),
            (Goal, GOAL, b.on_goal),
            (Reflection, REFLECTIONS, b.on_reflection),
            (WorldState, WORLD_STATE, b.on_state),
            (ElevatorStatus, ELEVATOR_STATE, b.on_elevator),
        ]
        for model, spec, callback in subs:
            self.codec.subscribe(
                self, model, spec.name, callback, qos.profile(spec.qos, spec.depth)
            )
        self.create_subscription(Image, IMAGE.name, b.on_image, qos.profile(IMAGE.qos, 1))
        settings, generated = resolve_settings(
            self.values["console_host"], self.values["console_port"]
        )
        self.server = BackgroundServer(self.backend, settings)
        self.url = self.server.start()
        print(announce(settings, generated).replace(settings.url(), self.url + "/"), flush=True)
        self.every(1.0, self.publish_health)

    def cleanup(self) -> None:
        self.server.stop()


def create(context: Context, parameters: dict[str, Any]) -> ConsoleBridgeNode:
    """Registry factory (see pepa_ros.registry)."""
    return ConsoleBridgeNode(context=context, parameters=parameters)


main = node_main("console")
