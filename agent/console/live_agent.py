"""The whole agent in this process, paced for people: the simulated office, Sys1, Sys2, Sys3
and episodic memory, advanced on a wall clock (optionally sped up) so that someone at the
console can talk to the robot while it lives.

The experiment runtime runs days as fast as the CPU allows; here time must follow a person's
pace and accept requests at any moment, so the loop advances in short slices under one lock
and every console call takes the same lock between slices.

Data directory layout: ``memory/`` (episodic memory, shared by every personality the robot
has had), ``sys2/`` (the request queue and presence model), ``self/<personality>/`` (that
personality's Sys3: ultimate goal, reward weights, daily goals, reflection log).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.clock import DAY_S, WallClock, at, day_of
from agent.messages import (
    Decision,
    Experience,
    ExperienceSource,
    RequestPriority,
    UserRequest,
)
from agent.runtime.memory_sink import BatchedMemorySink
from agent.sys1.config import Sys1Config
from agent.sys1.executor import HandleState, Sys1
from agent.sys1.sim_robot import SimRobot, WorldTruth
from agent.sys2.deliberator import Deliberator
from agent.sys2.site_map import knowledge_from_building
from agent.sys3.memory_port import EpisodicMemoryPort
from agent.sys3.system import Sys3
from agent.world_state import WorldState
from memory.episodic import EpisodicMemory
from personalities import loader
from personalities.model import Personality
from sim.building import load_building
from sim.world import World

log = logging.getLogger(__name__)

SLICE_S = 2.0
"""Longest stretch of simulated time advanced while holding the lock."""
REFLECT_BEFORE_MIDNIGHT_S = 60.0
"""Sys3 reflects this long before midnight, so the reflection belongs to its day."""
PACE_PERIOD_S = 0.05
"""Wall seconds between pacing steps of the background thread."""


class LiveAgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    data_dir: Path
    personality: str = Field(default="working", min_length=1)
    seed: int = Field(default=0, ge=0)
    world: str | None = Field(default=None, description="building file; None: the office")
    start_day: int = Field(default=0, ge=0)
    start_hour: float = Field(default=8.0, ge=0.0, lt=24.0)
    speed: float = Field(default=10.0, gt=0.0, le=10_000.0, description="sim s per wall s")
    memory_batch: int = Field(default=64, ge=1, le=5000)


Listener = Callable[[str, object], None]
"""Called with (kind, payload): 'request' with a UserRequest, 'reflection' with the day,
'personality' with the new name, 'tick' with None after each pacing step."""


class LiveAgent:
    """Owns the simulated office and the three systems; thread-safe through :attr:`lock`."""

    def __init__(self, config: LiveAgentConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.data_dir = config.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.building = load_building(config.world)
        self.knowledge = knowledge_from_building(self.building)
        self.world = World(
            self.building, seed=config.seed, start_time=at(config.start_day, config.start_hour)
        )
        self.clock = self.world.clock
        self.memory = EpisodicMemory(self.clock, self.data_dir)
        self.sink = BatchedMemorySink(self.memory, batch=config.memory_batch)
        self.robot = SimRobot(self.world)
        self.sys1 = Sys1(
            self.robot,
            self.building,
            config=Sys1Config(seed=config.seed),
            sink=self.sink,
            truth=WorldTruth(self.world),
            now=self.world.now,
        )
        self._listeners: list[Listener] = []
        self._request_marks: dict[str, int] = {}
        self._last_result: object | None = None
        self.day = day_of(self.world.now)
        self._reflect_at = (self.day + 1) * DAY_S - REFLECT_BEFORE_MIDNIGHT_S
        self.personality: Personality
        self.sys3: Sys3
        self.sys2: Deliberator
        self._build_self(loader.load(config.personality, self.data_dir))
        self._mark_requests()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.speed = config.speed

    # --- assembling -------------------------------------------------------------------------

    def _self_dir(self, name: str) -> Path:
        return self.data_dir / "self" / name.lower()

    def _build_self(self, personality: Personality) -> None:
        """Sys3 and Sys2 for ``personality``; the request queue carries over (it is on disk)."""
        self.personality = personality
        self.sys3 = Sys3(
            personality,
            self.knowledge,
            self._self_dir(personality.name),
            EpisodicMemoryPort(self.memory),
            self.clock,
            seed=self.config.seed,
        )
        self.sys2 = Deliberator(
            self.knowledge,
            personality=personality,
            reward=self.sys3.reward,
            building=self.building,
            data_dir=self.data_dir / "sys2",
        )
        self.sys2.set_goals(self.sys3.daily_goals(self.day))

    # --- listeners ------------------------------------------------------------------------

    def listen(self, listener: Listener) -> Callable[[], None]:
        with self.lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self.lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _emit(self, kind: str, payload: object) -> None:
        for listener in list(self._listeners):
            try:
                listener(kind, payload)
            except Exception:  # a console listener must never stop the robot
                log.exception("console listener failed on %s", kind)

    def _mark_requests(self) -> None:
        self._request_marks = {r.id: len(r.history) for r in self.sys2.requests()}

    def _announce_request_changes(self) -> None:
        for req in self.sys2.requests():
            if self._request_marks.get(req.id) != len(req.history):
                self._request_marks[req.id] = len(req.history)
                self._emit("request", req.model_copy(deep=True))

    # --- time -------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.world.now

    def advance(self, seconds: float) -> None:
        """Run the agent ``seconds`` of simulated time, as fast as it goes."""
        self.advance_to(self.world.now + seconds)

    def advance_to(self, until: float) -> None:
        while True:
            with self.lock:
                if self.world.now >= until:
                    return
                self._slice(min(until, self.world.now + SLICE_S))

    def _slice(self, until: float) -> None:
        world, sys1 = self.world, self.sys1
        while world.now < until:
            wake = min(sys1.tick(world.now), until, max(self._reflect_at, world.now + 1e-3))
            self._feed_results()
            if not sys1.busy:
                decision = self.sys2.decide(sys1.public.read(), world.now)
                if decision is not None:
                    self._start(decision)
                    wake = world.now + 1e-3
            if world.robot.moving:
                world.step(max(wake - world.now, 1e-3))
            else:
                world.skip(max(wake, world.now + 1e-3))
            if world.now >= self._reflect_at:
                self._end_of_day()
            if day_of(world.now) != self.day:
                self._new_day(day_of(world.now))
        self._announce_request_changes()

    def _start(self, decision: Decision) -> None:
        handle = self.sys1.run(decision.plan)
        if handle.state == HandleState.REFUSED:
            self.sys2.interrupt(self.world.now, f"refused by the safety guard: {handle.reason}")

    def _feed_results(self) -> None:
        """Hand Sys2 the skill results Sys1 produced since the last call, oldest first."""
        results = self.sys1.results
        if not results or results[-1] is self._last_result:
            return
        fresh = []
        for res in reversed(results):
            if res is self._last_result:
                break
            fresh.append(res)
        self._last_result = results[-1]
        state = self.sys1.public.read()
        for res in reversed(fresh):
            repaired = self.sys2.on_skill_result(res, state)
            if repaired is not None:
                self._start(repaired)

    def _end_of_day(self) -> None:
        """A minute before midnight Sys3 reflects on the day (memory flushed first)."""
        day = day_of(self._reflect_at)
        self._reflect_at = (day + 2) * DAY_S - REFLECT_BEFORE_MIDNIGHT_S
        self.sink.flush()
        try:
            self.sys3.reflect(day)
        except ValueError:
            log.exception("reflection on day %d failed", day)
        else:
            self._emit("reflection", day)

    def _new_day(self, day: int) -> None:
        """After midnight: the new day's goals (from the reflection just written)."""
        self.day = day
        self.sys2.set_goals(self.sys3.daily_goals(day))

    def flush(self) -> None:
        """Write pending episodes to memory (before anything reads it)."""
        with self.lock:
            self.sink.flush()

    def reflect(self, day: int) -> None:
        """Reflect on ``day`` now (normally done at midnight); stored once per day."""
        with self.lock:
            self.sink.flush()
            self.sys3.reflect(day)
        self._emit("reflection", day)

    # --- pacing -----------------------------------------------------------------------------

    def start(self) -> None:
        """Advance on a wall clock at :attr:`speed` in a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._pace, name="pepa-live-agent", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None
        self.flush()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _pace(self) -> None:
        wall = WallClock(start=self.world.now, speed=self.speed)
        while not self._stop.is_set():
            target = wall.now()
            try:
                self.advance_to(target)
            except Exception:
                log.exception("the live agent stopped on an error")
                self._stop.set()
                break
            self._emit("tick", None)
            self._stop.wait(PACE_PERIOD_S)

    # --- what the console does --------------------------------------------------------------

    def submit(
        self,
        text: str,
        place: str | None,
        person: str | None,
        priority: RequestPriority,
    ) -> UserRequest:
        with self.lock:
            req = self.sys2.submit_text(
                text, self.world.now, place=place, person=person, priority=priority
            )
            self.sys1.pending_requests = len(self.sys2.queue.open())
            self._announce_request_changes()
            return req.model_copy(deep=True)

    def cancel(self, request_id: str) -> UserRequest:
        with self.lock:
            running = self.sys2.current
            req = self.sys2.cancel(request_id, self.world.now)
            if running is not None and running.plan.request_id == request_id:
                self.sys1.cancel("the request was cancelled")
            self._announce_request_changes()
            return req.model_copy(deep=True)

    def switch_personality(self, name: str, reason: str) -> Personality:
        new = loader.load(name, self.data_dir)
        with self.lock:
            old = self.personality.name
            self.sys1.cancel(f"personality switch to {new.name}")
            self.sys2.queue.save()
            pose = self.sys1.ctx.pose
            room = self.building.room_at(pose.floor, pose.x, pose.y)
            why = f" ({reason.strip()})" if reason.strip() else ""
            self.sink.flush()
            self.memory.record(
                Experience(
                    time=self.world.now,
                    day=day_of(self.world.now),
                    floor=pose.floor,
                    room=room.name if room is not None else "unknown",
                    pose=pose.to_pose(),
                    kind="personality_switch",
                    caption=f"My personality was switched from {old} to {new.name}{why}.",
                    importance=0.9,
                    source=ExperienceSource.USER,
                )
            )
            self._build_self(new)
            self._announce_request_changes()
        self._emit("personality", new.name)
        return new

    def world_state(self) -> WorldState:
        return self.sys1.public.read()
