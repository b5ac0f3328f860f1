"""The in-process runtime, paced for people: :class:`~agent.runtime.runtime.Runtime` advanced
on a wall clock (optionally sped up) so that someone at the console can talk to the robot
while it lives, plus what the console adds: pushed updates and switching personality.

A run's personality is part of its identity (its checkpoint, memory, reward weights and
reflections belong together), so each personality lives its own run under
``<data dir>/<personality>/``. Switching hands the open requests over to the other run, records
the switch as an event in both memories, and continues that personality's own life.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.clock import WallClock, day_of
from pepa.messages import (
    TERMINAL_REQUEST_STATES,
    Experience,
    ExperienceSource,
    RequestPriority,
    UserRequest,
)
from pepa.personalities import loader

log = logging.getLogger(__name__)

SLICE_S = 5.0
"""Longest stretch of simulated time advanced while holding the lock."""
PACE_PERIOD_S = 0.05
"""Wall seconds between pacing steps of the background thread."""


class LiveAgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    data_dir: Path
    personality: str = Field(default="working", min_length=1)
    seed: int = Field(default=0, ge=0)
    world: str | None = Field(default=None, description="building file; None: the office")
    perception: Literal["oracle", "camera"] = "oracle"
    llm: Literal["offline", "openai", "local"] = "offline"
    day_start_h: float = Field(default=8.0, ge=0.0, lt=24.0)
    bedtime_h: float = Field(default=23.0, ge=0.0, le=24.0)
    day_end_h: float = Field(default=24.0, gt=0.0, le=24.0)
    speed: float = Field(default=10.0, gt=0.0, le=10_000.0, description="sim s per wall s")


Listener = Callable[[str, object], None]
"""Called with (kind, payload): 'request' with a UserRequest, 'reflection' with the day,
'personality' with the new name, 'tick' with None after each pacing step."""


class LiveAgent:
    """The runtime of the current personality, paced; thread-safe through :attr:`lock`."""

    def __init__(self, config: LiveAgentConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir
        self.lock = threading.RLock()
        self.speed = config.speed
        self._listeners: list[Listener] = []
        self._marks: dict[str, int] = {}
        self._days_done = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.runtime = self._open(config.personality)

    def _open(self, personality: str) -> Runtime:
        """The run of ``personality`` (created or resumed), with its morning set up."""
        name = loader.load(personality, self.data_dir).name
        c = self.config
        rc = RuntimeConfig(
            personality=name,
            seed=c.seed,
            world=c.world,
            perception=c.perception,
            llm=c.llm,
            day_start_h=c.day_start_h,
            bedtime_h=c.bedtime_h,
            day_end_h=c.day_end_h,
        )
        runtime = Runtime(rc, self.data_dir / name.lower())
        runtime.advance_to(runtime.now + 1e-3)  # the morning: world, Sys1, Sys2 and goals
        self._marks = {r.id: len(r.history) for r in runtime.requests()}
        self._days_done = len(runtime.days_done)
        return runtime

    # --- what the backend reads -------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.runtime.now

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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

    def _announce(self) -> None:
        """Push every request whose history grew, and every new reflection."""
        rt = self.runtime
        for req in rt.requests():
            if self._marks.get(req.id) != len(req.history):
                self._marks[req.id] = len(req.history)
                self._emit("request", req)
        done = rt.days_done
        if len(done) != self._days_done:
            self._days_done = len(done)
            if done:
                self._emit("reflection", max(done))

    # --- time -------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Run the agent ``seconds`` of simulated time, as fast as it goes."""
        self.advance_to(self.now + seconds)

    def advance_to(self, until: float) -> None:
        while True:
            with self.lock:
                now = self.runtime.now
                if now >= until:
                    return
                self.runtime.advance_to(min(until, now + SLICE_S))
                self._announce()

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
        with self.lock:
            self.runtime.close()

    def _pace(self) -> None:
        wall = WallClock(start=self.now, speed=self.speed)
        while not self._stop.is_set():
            target = wall.now()
            try:
                self.advance_to(target)
            except Exception:
                log.exception("the live agent stopped on an error")
                self._stop.set()
                break
            if self.now > target + SLICE_S:  # the night was skipped in one jump
                wall = WallClock(start=self.now, speed=self.speed)
            self._emit("tick", None)
            self._stop.wait(PACE_PERIOD_S)

    def flush(self) -> None:
        """Write pending episodes to memory (before anything reads it)."""
        self.runtime.flush()

    # --- what the console does --------------------------------------------------------------

    def submit(
        self,
        text: str,
        place: str | None,
        person: str | None,
        priority: RequestPriority,
    ) -> UserRequest:
        with self.lock:
            req = self.runtime.submit_request(text, place=place, person=person, priority=priority)
            self._announce()
            return req

    def cancel(self, request_id: str) -> UserRequest:
        with self.lock:
            req = self.runtime.cancel_request(request_id)
            self._announce()
            return req

    def switch_personality(self, name: str, reason: str) -> str:
        """Continue as ``name``: open requests are handed over, the switch is remembered."""
        new_name = loader.load(name, self.data_dir).name
        with self.lock:
            old = self.runtime
            why = f" ({reason.strip()})" if reason.strip() else ""
            caption = (
                f"My personality was switched from {old.personality.name} to {new_name}{why}."
            )
            self._remember(old, caption)
            handed = []
            for req in old.requests():
                if req.state not in TERMINAL_REQUEST_STATES:
                    old.cancel_request(req.id, f"handed over to {new_name}")
                    handed.append(req)
            old.close()
            new = self._open(new_name)
            for req in handed:
                new.submit_request(
                    req.text,
                    sender=req.sender,
                    place=req.place,
                    person=req.person,
                    priority=req.priority,
                )
            self._remember(new, caption)
            self.runtime = new
            self._announce()
        self._emit("personality", new_name)
        return new_name

    @staticmethod
    def _remember(runtime: Runtime, caption: str) -> None:
        status = runtime.status()
        runtime.flush()
        runtime.memory.record(
            Experience(
                time=runtime.now,
                day=day_of(runtime.now),
                floor=status.pose.floor,
                room=status.room or f"floor_{status.pose.floor}",
                pose=status.pose,
                kind="personality_switch",
                caption=caption,
                importance=0.9,
                source=ExperienceSource.USER,
            )
        )
