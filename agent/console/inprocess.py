"""The console backend over the agent living in this process (:class:`LiveAgent`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

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
from pepa.agent.console.day_review import changes_since
from pepa.agent.console.floor_maps import FloorMaps
from pepa.agent.console.live_agent import LiveAgent
from pepa.agent.console.personality_view import personality_view
from pepa.clock import day_of, format_time
from pepa.messages import (
    Decision,
    Experience,
    RequestPriority,
    UserRequest,
)
from pepa.personalities import loader
from pepa.personalities.loader import PersonalityError

log = logging.getLogger(__name__)

STATUS_EVERY_TICKS = 4
"""Pacing steps between pushed status snapshots (a pacing step is 50 ms of wall time)."""
CAMERA_PERIOD_S = 0.5
"""Wall seconds (at the agent's speed) between rendered frames, however often pages ask:
rendering holds the agent, so the rate of frames is the agent's choice, not the browser's."""


class InProcessBackend:
    """:class:`~agent.console.backend.ConsoleBackend` over a :class:`LiveAgent`."""

    def __init__(self, agent: LiveAgent) -> None:
        self.agent = agent
        self._subscribers = Subscribers()
        self._maps = FloorMaps(agent.runtime.building)
        self._camera = CameraViews(agent.runtime.building)
        self._ticks = 0
        agent.listen(self._on_agent)

    # --- pushed updates ---------------------------------------------------------------------

    def subscribe(self, callback: Callable[[ConsoleEvent], None]) -> Unsubscribe:
        return self._subscribers.add(callback)

    def _on_agent(self, kind: str, payload: object) -> None:
        if not self._subscribers:
            return
        if kind == "tick":
            self._ticks += 1
            if self._ticks % STATUS_EVERY_TICKS == 0:
                self._subscribers.push("status", self.status().model_dump(mode="json"))
        elif kind == "request" and isinstance(payload, UserRequest):
            self._subscribers.push("request", payload.model_dump(mode="json"))
        elif kind == "reflection":
            self._subscribers.push("reflection", {"day": payload})
        elif kind == "personality":
            self._subscribers.push("personality", self.personality().model_dump(mode="json"))

    # --- live ---------------------------------------------------------------------------------

    def status(self) -> LiveStatus:
        a = self.agent
        with a.lock:
            rt = a.runtime
            agent_status = rt.status()
            decisions = rt.decisions(1)
            handle = rt.handle
            running = handle is not None and not handle.done
            current = decisions[-1] if decisions and running else None
            goal_text = self._goal_text(current)
            people = [
                PersonView(
                    id=str(p["id"]),
                    name=rt.building.people_by_id[str(p["id"])].name,
                    floor=int(p["floor"]),  # type: ignore[call-overload]
                    x=float(p["x"]),  # type: ignore[arg-type]
                    y=float(p["y"]),  # type: ignore[arg-type]
                )
                for p in rt.people()
            ]
            elevators = rt.elevators()
            now = rt.now
        agent_status.current_goal = goal_text
        if current is not None:
            agent_status.decision = current.explanation
        decision = None
        if current is not None:
            decision = DecisionView(
                id=current.id,
                time=current.time,
                kind=current.chosen.kind.value,
                label=current.chosen.label,
                explanation=current.explanation,
                candidates=list(current.candidates[:8]),
            )
        return LiveStatus(
            agent=agent_status,
            time_text=format_time(now),
            day=day_of(now),
            people=people,
            elevators=elevators,
            decision=decision,
            goal_text=goal_text,
            speed=a.speed,
            running=a.running,
        )

    def _goal_text(self, current: Decision | None) -> str | None:
        rt = self.agent.runtime
        handle = rt.handle
        if handle is None or handle.done:
            return None
        plan = handle.plan
        if plan.request_id is not None:
            try:
                req = next(r for r in rt.requests() if r.id == plan.request_id)
            except StopIteration:
                pass
            else:
                return f"request from {req.sender}: {req.text}"
        if plan.goal_id is not None and rt.sys2 is not None:
            for g in rt.sys2.goals:
                if g.id == plan.goal_id:
                    return f"daily goal: {g.text}"
        if handle.source.value == "safety":
            return "safety: keep the battery above its reserve"
        if current is not None and current.plan.id == plan.id:
            return f"{current.chosen.kind.value}: {current.chosen.label}"
        return f"routine: {plan.steps[0].skill}"

    def floors(self) -> list[FloorInfo]:
        return self._maps.floors()

    def floor_map_png(self, floor: int) -> bytes:
        return self._maps.png(floor)

    def directory(self) -> Directory:
        rt = self.agent.runtime
        b = rt.building
        return Directory(
            places=sorted(rt.knowledge.places),
            people=sorted(p.id for p in b.people),
        )

    def camera(self, width: int) -> CameraView:
        self._render_if_due()
        view = self._camera.view(width)
        if view is None:
            raise NotFoundError("camera frame", "(the robot's day has not begun)")
        return view

    def _render_if_due(self) -> None:
        a = self.agent
        latest = self._camera.latest
        with a.lock:
            rt = a.runtime
            if rt.sys1 is None or rt.world is None:
                return
            now = rt.now
            if latest is not None and now - latest.time < CAMERA_PERIOD_S * a.speed:
                return
            image = rt.sys1.robot.camera_frame()
            floor = rt.world.robot.floor
        if image is not None:
            self._camera.offer(Frame(image=image.image, time=now, floor=floor))

    def trail(self, seconds: float) -> list[TrailPoint]:
        with self.agent.lock:
            rt = self.agent.runtime
            if rt.trace is None:
                return []
            poses = list(rt.trace.trace.poses)
            now = rt.now
        return day_glance.trail(poses, now - seconds)

    def day_glance(self, day: int) -> DayGlance:
        with self.agent.lock:
            rt = self.agent.runtime
            live = rt.trace is not None and rt.trace.trace.day == day and day not in rt.days_done
            if live:
                assert rt.trace is not None
                trace = rt.trace.trace.model_copy(deep=True)
                running = rt.trace.activity
                running = running.model_copy() if running is not None else None
                now = rt.now
            requests = rt.requests()
        if live:
            return day_glance.glance(trace, requests, rt.building, running=running, now=now)
        saved = day_glance.saved_trace(rt.data_dir, day)
        if saved is None:
            raise NotFoundError("day", day)
        return day_glance.glance(saved, requests, rt.building)

    # --- requests -----------------------------------------------------------------------------

    def submit_request(
        self,
        text: str,
        place: str | None = None,
        person: str | None = None,
        priority: RequestPriority = RequestPriority.NORMAL,
    ) -> UserRequest:
        if not text.strip():
            raise RefusedError("text", "the request text is empty")
        if len(text) > UserRequest.MAX_TEXT:
            raise RefusedError("text", f"{len(text)} characters, at most {UserRequest.MAX_TEXT}")
        return self.agent.submit(text, place or None, person or None, priority)

    def cancel_request(self, request_id: str) -> UserRequest:
        if request_id not in {r.id for r in self.requests()}:
            raise NotFoundError("request", request_id)
        try:
            return self.agent.cancel(request_id)
        except KeyError:
            raise NotFoundError("request", request_id) from None
        except ValueError as exc:
            raise ConflictError("state", str(exc)) from None

    def requests(self) -> list[UserRequest]:
        with self.agent.lock:
            reqs = self.agent.runtime.requests()
        return sorted(reqs, key=lambda r: (-r.created_at, r.id))

    def request(self, request_id: str) -> UserRequest:
        for r in self.requests():
            if r.id == request_id:
                return r
        raise NotFoundError("request", request_id)

    # --- memory -------------------------------------------------------------------------------

    def search_memory(self, query: MemorySearch) -> list[MemoryHit]:
        self.agent.flush()
        with self.agent.lock:
            found = self.agent.runtime.memory.search(query.to_query())
        return [MemoryHit(episode=r.episode, score=round(r.score, 4)) for r in found]

    def episode(self, episode_id: str) -> Experience:
        self.agent.flush()
        with self.agent.lock:
            try:
                return self.agent.runtime.memory.get(episode_id)
            except KeyError:
                raise NotFoundError("episode", episode_id) from None

    # --- reflections --------------------------------------------------------------------------

    def reflection_days(self) -> list[ReflectionBrief]:
        log_ = self.agent.runtime.sys3.log
        out = []
        for day in reversed(log_.days()):
            r = log_.read(day)
            if r is None:
                continue
            out.append(
                ReflectionBrief(
                    day=day,
                    personality=r.personality,
                    summary=r.summary,
                    insights=len(r.insights),
                    feedback=len(log_.read_feedback(day)),
                    source=r.source,
                )
            )
        return out

    def reflection(self, day: int) -> ReflectionDay:
        log_ = self.agent.runtime.sys3.log
        r = log_.read(day)
        if r is None:
            raise NotFoundError("reflection of day", day)
        earlier = [d for d in log_.days() if d < day]
        prev = log_.read(earlier[-1]) if earlier else None
        return ReflectionDay(
            reflection=r,
            previous_day=prev.day if prev is not None else None,
            changes=changes_since(prev, r),
            feedback=log_.read_feedback(day),
        )

    def write_feedback(self, day: int, text: str) -> list[str]:
        log_ = self.agent.runtime.sys3.log
        if log_.read(day) is None:
            raise NotFoundError("reflection of day", day)
        try:
            self.agent.runtime.sys3.write_feedback(day, text)
        except ValueError as exc:
            raise RefusedError("text", str(exc).removeprefix("feedback: ")) from None
        notes = log_.read_feedback(day)
        self._subscribers.push("feedback", {"day": day, "feedback": notes})
        return notes

    # --- personality --------------------------------------------------------------------------

    def personality(self) -> PersonalityView:
        a = self.agent
        with a.lock:
            rt = a.runtime
            return personality_view(
                rt.personality,
                weights=rt.sys3.reward.weights,
                ultimate_goal=rt.sys3.ultimate_goal().text,
                active=True,
            )

    def personalities(self) -> list[PersonalityView]:
        active = self.agent.runtime.personality.name
        return [
            personality_view(p, active=p.name == active)
            for p in loader.load_all(self.agent.data_dir)
        ]

    def switch_personality(self, name: str, reason: str = "") -> PersonalityView:
        known = loader.available(self.agent.data_dir)
        if name.lower() not in known:
            raise NotFoundError("personality", name)
        current = self.agent.runtime.personality.name
        if name.lower() == current.lower():
            raise ConflictError("name", f"the personality is already {current}")
        try:
            self.agent.switch_personality(name, reason)
        except PersonalityError as exc:
            raise RefusedError("name", str(exc)) from None
        return self.personality()
