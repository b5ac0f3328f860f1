"""The whole agent living in the simulated office, on the discrete-event clock.

One :class:`Runtime` ties the simulated :class:`~sim.world.World`, Sys1 (skills, perception,
safety, recording), Sys2 (requests, arbitration, planning), Sys3 (goals, reward, reflection)
and episodic memory together, and runs the robot's days:

- *morning* (``day_start_h``): the world, Sys1 and Sys2 are built from the morning checkpoint,
  Sys3 gives the day's goals;
- *day*: Sys1 is ticked; the world is integrated finely while the robot moves and skipped ahead
  to Sys1's next wake-up while it stands still; people's requests go into Sys2's queue; Sys2
  decides when Sys1 is idle (and, while a plan runs, whether something must preempt it);
- *bedtime* (``bedtime_h``): no new work, the robot docks;
- *night* (``day_end_h`` to the next morning): memory is flushed, Sys3 reflects, memory is
  consolidated, the day's trace is saved, the night is skipped in one jump (charging), and
  the next morning's checkpoint is written.

The runtime is the clock-and-world driver: each morning it builds a
:class:`~agent.runtime.day.Day` (that day's world, Sys1, Sys2, coordinator and trace, which
ticks the three systems through :mod:`pepa.agent.coordinator`, as the ROS nodes do), and each
evening it ends it. The console's read views are :mod:`pepa.agent.runtime.views`.

It can run flat out (:meth:`Runtime.run_days`) or be driven by a wall clock
(:meth:`Runtime.advance_to`, e.g. from a ROS timer at a speed factor); a console reads
:meth:`status`, :meth:`pose`, :meth:`people`, :meth:`elevators`, :meth:`decisions`,
:meth:`requests` and :meth:`reflections`, and calls :meth:`submit_request` and
:meth:`cancel_request`. All methods are thread-safe.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from pepa.agent.coordinator.cadence import Cadence
from pepa.agent.coordinator.coordinator import (
    Coordinator,
    Whereabouts,
    day_seed,
)
from pepa.agent.runtime import views
from pepa.agent.runtime.ablation import (
    Ablation,
    RecallOff,
    goal_day,
    reflects,
    shuffled_personality,
)
from pepa.agent.runtime.checkpoint import Checkpoint, CheckpointStore, RobotSnapshot
from pepa.agent.runtime.config import RuntimeConfig, load_inputs
from pepa.agent.runtime.day import Day
from pepa.agent.runtime.memory_sink import BatchedMemorySink
from pepa.agent.sys1 import lasting_state
from pepa.agent.sys1.config import PerceptionConfig, Sys1Config, control_for
from pepa.agent.sys1.executor import SkillHandle, Sys1
from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.deliberator import PRESENCE_FILE, SYS2_DIR, Deliberator
from pepa.agent.sys2.request_queue import QUEUE_FILE, QUEUE_FILES, RequestQueue
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.agent.sys3.memory_port import EpisodicMemoryPort
from pepa.agent.sys3.system import Sys3
from pepa.agent.trace import TRACE_DIR, DayTrace, TraceRecorder
from pepa.clock import DAY_S, SimClock, at, format_time
from pepa.durable import write_json
from pepa.knowledge import WorldKnowledge
from pepa.memory.embedders import embedder
from pepa.memory.episodic import EpisodicMemory
from pepa.messages import (
    AgentStatus,
    Decision,
    ElevatorStatus,
    ExperienceSource,
    Pose,
    Reflection,
    RequestPriority,
    UserRequest,
)
from pepa.sim.battery import BatteryConfig
from pepa.sim.events import ObjectAppeared
from pepa.sim.robot import RobotBase
from pepa.sim.robot_adapter import SimRobot, WorldTruth
from pepa.sim.world import World
from pepa.world_state import WorldState

log = logging.getLogger(__name__)

RUN_FILE = Path("runtime") / "run.json"
#: Files Sys1, Sys2 and Sys3 rewrite during a day: copied each morning, restored on resume.
#: Both request-queue names: a morning copied before the journal format restores the old file
#: and removes the journal, and the queue migrates it again.
MANAGED_FILES: tuple[Path, ...] = (
    *(SYS2_DIR / name for name in QUEUE_FILES),
    SYS2_DIR / PRESENCE_FILE,
    Path("sys3") / "weights.json",
    lasting_state.STATE_FILE,
)
MAX_SAME_TIME_STEPS = 32
_DAY_TRACE = TypeAdapter(DayTrace)
_SIM_REQUEST = re.compile(r"^req-\d+-\d+$")


class Phase(StrEnum):
    MORNING = "morning"
    DAY = "day"
    NIGHT = "night"


def _fast_path(config: RuntimeConfig, knowledge: WorldKnowledge, building: Any) -> Any:
    """The onboard policy when asked for and loadable; otherwise None (and the log says why)."""
    if config.fast_path != "policy":
        return None
    from pepa.agent.pipeline.fast_path import FastPath

    path = Path(config.policy_model) if config.policy_model else None
    return FastPath.load_or_none(path, knowledge, building)


class Runtime:
    """The agent in the simulated office; see the module docstring."""

    def __init__(self, config: RuntimeConfig, data_dir: Path) -> None:
        self.config = config
        self.data_dir = data_dir
        # Everything that can be wrong with the inputs is found before anything is created.
        self.personality, self.building = load_inputs(config, data_dir)
        if config.ablation == Ablation.SHUFFLED_WEIGHTS:
            self.personality = shuffled_personality(self.personality, config.seed)
        self.knowledge: WorldKnowledge = knowledge_from_building(self.building)
        self.store = CheckpointStore(data_dir)
        checkpoint = self.store.load()
        identity = config.identity()
        if checkpoint is not None and checkpoint.identity != identity:
            theirs = ", ".join(f"{k}={v}" for k, v in checkpoint.identity.items())
            raise ValueError(
                f"{data_dir}: holds another run ({theirs}); resume it with the same settings "
                "or use another --out directory"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.day = checkpoint.day if checkpoint is not None else 0
        self.days_done: list[int] = list(checkpoint.days_done) if checkpoint else []
        self._checkpoint = checkpoint or Checkpoint(identity=identity, day=0)
        self._fresh_morning = checkpoint is None
        if checkpoint is not None:
            # Whatever a day that was cut short wrote to these files is undone; the day is run
            # again from its morning (console requests made since are carried over).
            carried = self._requests_since_morning(checkpoint)
            self.store.restore_files(checkpoint, list(MANAGED_FILES))
            self._carried_requests = carried
            log.info("resuming %s at day %d (%d done)", data_dir, self.day, len(self.days_done))
        else:
            self._carried_requests = []
        self.clock = SimClock(at(self.day, config.day_start_h))
        rooms: dict[int, set[str]] = {}
        for room in self.building.rooms:
            rooms.setdefault(room.floor, set()).add(room.id)
        for floor in self.building.floor_levels:
            rooms.setdefault(floor, set()).add(f"floor_{floor}")  # between rooms
        for place in self.knowledge.places.values():  # Sys3 files reflections at home (a
            rooms.setdefault(place.floor, set()).add(place.name)  # place such as the dock)
        self.memory = EpisodicMemory(
            self.clock, data_dir, known_places=rooms, embedder=embedder(config.embedder)
        )
        self.sink = BatchedMemorySink(self.memory, config.memory_batch)
        self.llm2, self.llm3 = self._llm_clients()
        self.sys3 = Sys3(
            self.personality,
            self.knowledge,
            data_dir,
            RecallOff(EpisodicMemoryPort(self.memory))
            if config.ablation == Ablation.NO_MEMORY
            else EpisodicMemoryPort(self.memory),
            self.clock,
            seed=config.seed,
            llm=self.llm3,
        )
        write_json(
            data_dir / RUN_FILE,
            {"config": config.model_dump(mode="json"), "identity": identity},
        )
        self.phase = Phase.MORNING
        self.today: Day | None = None
        """The day being lived (kept after its evening until the next morning)."""
        self._same_time_steps = 0
        self._last_flush = 0.0
        self.decision_log: deque[Decision] = deque(maxlen=200)
        self.fast_path = _fast_path(config, self.knowledge, self.building)
        self.cadence = Cadence(fast_path=self.fast_path is not None)
        self.ticks = 0

    # --- set-up ------------------------------------------------------------------------------

    def _llm_clients(self) -> tuple[Any, Any]:
        if self.config.llm == "offline":
            return None, None
        from pepa.agent.llm.client import LLMClient
        from pepa.agent.llm.settings import LLMSettings

        out = []
        for system in ("sys2", "sys3"):
            base = LLMSettings.from_env(system).model_dump(exclude_unset=True)
            settings = LLMSettings.model_validate({**base, "backend": self.config.llm})
            out.append(LLMClient(settings, system))
        return out[0], out[1]

    def _requests_since_morning(self, cp: Checkpoint) -> list[UserRequest]:
        """Console requests acknowledged after the morning copy was taken (kept on resume)."""
        # opening writes nothing, and finds a queue still in the old single-file format too
        now_q = RequestQueue(self.data_dir / SYS2_DIR / QUEUE_FILE)
        before = RequestQueue(self.store.root / "morning" / SYS2_DIR / QUEUE_FILE)
        return [r for r in now_q.all() if r.id not in before and not _SIM_REQUEST.match(r.id)]

    def _begin_day(self) -> None:
        cfg = self.config
        day = self.day
        cp = self._checkpoint
        if self._fresh_morning:
            self.store.save(cp, list(MANAGED_FILES))
        self._fresh_morning = True
        morning = at(day, cfg.day_start_h)
        if self.clock.now() < morning:
            self.clock.advance_to(morning)
        world = World(
            self.building,
            seed=cfg.seed,
            clock=self.clock,
            battery_config=BatteryConfig(initial_soc=cp.robot.soc if cp.robot else 1.0),
            event_config=cfg.events(),
        )
        if cp.robot is not None:
            r = cp.robot
            world.robot = RobotBase(
                self.building,
                seed=day_seed(cfg.seed, day),
                x=r.x,
                y=r.y,
                theta=r.theta,
                floor=r.floor,
            )
            world.stats.floors_visited = {r.floor}
        for raw in cp.world_objects:
            ob = ObjectAppeared.model_validate(raw)
            world.extra_objects[ob.object_id] = ob
        robot = SimRobot(world)
        s1cfg = Sys1Config(
            control=control_for(self.personality),
            perception=PerceptionConfig(mode=cfg.perception),
            seed=day_seed(cfg.seed, day),
        )
        self.sink.begin_day(day)
        sys1 = Sys1(
            robot,
            self.building,
            config=s1cfg,
            sink=self.sink,
            truth=WorldTruth(world),
            now=world.now,
        )
        saved = lasting_state.load(self.data_dir)
        if saved is not None:
            lasting_state.apply(sys1, saved)
        sys2 = Deliberator(
            self.knowledge,
            personality=self.personality,
            reward=self.sys3.reward,
            building=self.building,
            config=Sys2Config(seed=day_seed(cfg.seed, day)),
            data_dir=self.data_dir / SYS2_DIR,
            llm=self.llm2,
        )
        for req in self._carried_requests:
            if req.id not in sys2.queue:
                sys2.queue.add(req, world.now)
        self._carried_requests = []
        sys2.queue.recover(world.now)
        coordinator = Coordinator(
            sys2,
            self.cadence,
            sys1.recorder,
            self.knowledge,
            lambda: Whereabouts(sys1.ctx.pose, sys1.public.read().battery),
        )
        goals = self.sys3.daily_goals(goal_day(cfg.ablation, day))
        sys2.set_goals(goals)
        trace = TraceRecorder(day, world.now)
        self.today = Day(
            number=day,
            who=self.personality.name,
            clock=self.clock,
            building=self.building,
            knowledge=self.knowledge,
            world=world,
            sys1=sys1,
            sys2=sys2,
            sys3=self.sys3,
            coordinator=coordinator,
            trace=trace,
            fast_path=self.fast_path,
            decision_log=self.decision_log,
        )
        self.cadence.begin_day(world.now)
        self._last_flush = world.now
        pose = robot.pose()
        sys1.recorder.record(
            time=world.now,
            pose=pose,
            kind="day_start",
            caption="woke up; today's goals: " + "; ".join(g.text for g in goals)[:1500],
            battery=world.battery.soc,
            source=ExperienceSource.SYS3,
        )
        trace.begin(world.now, "idle", "idle", "idle")
        log.info("%s day %d begins (%d goals)", self.personality.name, day, len(goals))
        self.phase = Phase.DAY

    # --- driving -----------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now()

    # the day's parts, for readers (console, tests); None before the first morning

    @property
    def world(self) -> World | None:
        return self.today.world if self.today is not None else None

    @property
    def sys1(self) -> Sys1 | None:
        return self.today.sys1 if self.today is not None else None

    @property
    def sys2(self) -> Deliberator | None:
        return self.today.sys2 if self.today is not None else None

    @property
    def trace(self) -> TraceRecorder | None:
        return self.today.trace if self.today is not None else None

    @property
    def handle(self) -> SkillHandle | None:
        return self.today.handle if self.today is not None else None

    def day_end(self, day: int | None = None) -> float:
        return at(self.day if day is None else day, self.config.day_end_h)

    def run_days(
        self, days: int, progress: Callable[[int, float], None] | None = None
    ) -> list[int]:
        """Run until ``days`` days are done in total (a resumed run does only the rest).

        ``progress(day, fraction_of_that_day)`` is called now and then.
        """
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        last_report = -math.inf
        while self.day < days:
            with self._lock:
                self._step(math.inf)
            if progress is not None and self.today is not None:
                t = self.today.world.now
                if t - last_report >= 600.0 or self.phase == Phase.MORNING:
                    last_report = t
                    start = at(self.day, self.config.day_start_h)
                    span = self.day_end() - start
                    progress(self.day, min(1.0, max(0.0, (t - start) / span)))
        self.flush()
        return list(self.days_done)

    def advance_to(self, t: float) -> None:
        """Run everything up to simulated time ``t`` (a wall-clock driver calls this)."""
        with self._lock:
            while self.now < t:
                if not self._step(t):
                    break

    def _step(self, limit: float) -> bool:
        """One step of the day's machine; False when nothing more happens before ``limit``."""
        if self.phase == Phase.MORNING:
            self._begin_day()
            return True
        if self.phase == Phase.NIGHT:
            self._end_day()
            return True
        return self._tick(limit)

    def _tick(self, limit: float) -> bool:
        d = self.today
        if d is None:
            raise RuntimeError("Runtime._tick: no day has begun")
        world, sys1 = d.world, d.sys1
        now = world.now
        end = self.day_end()
        if now >= end:
            self.phase = Phase.NIGHT
            return True
        self.ticks += 1
        looked = sys1.perception.updates
        wake = sys1.tick(now)
        if sys1.perception.updates != looked:
            p = sys1.ctx.pose
            d.trace.look(now, p.floor, p.x, p.y, p.theta)
        changed = d.collect(now)
        d.take_requests(now)
        if now >= at(self.day, self.config.bedtime):
            changed |= d.bedtime(now)
        else:
            changed |= d.deliberate(now)
        d.record_pose(now)
        if now - self._last_flush >= self.config.checkpoint_every_s:
            self.sink.submit()  # written beside the day; flush() waits before memory is read
            self._last_flush = now
        if changed and self._same_time_steps < MAX_SAME_TIME_STEPS:
            self._same_time_steps += 1
            return True  # tick again at this instant: a plan just started or ended
        self._same_time_steps = 0
        nxt = min(wake, end, limit)
        if d.handle is None and not self.cadence.bedtime_started:
            nxt = min(nxt, max(self.cadence.next_decide, now + 1e-3))
        if nxt <= now:
            if limit <= now:
                return False
            nxt = now + 1e-3
        if world.robot.moving:
            world.step(nxt - now)
        else:
            world.skip(nxt)
        return True

    def _end_day(self) -> None:
        cfg = self.config
        d = self.today
        if d is None:
            raise RuntimeError("Runtime._end_day: no day has begun")
        world, sys1, sys2, trace = d.world, d.sys1, d.sys2, d.trace
        day = self.day
        now = world.now
        if sys1.busy:
            sys1.cancel("the day is over")
            d.coordinator.let_go()  # nothing more goes to Sys2 today
            d.collect(now)
        d.night_rescue(now)
        day_trace = trace.finish(
            now, world.robot.distance_m, world.stats.elevator_rides, world.stats.stairs_climbs
        )
        day_trace.world_log = [(round(t, 2), line) for t, line in world.log]
        day_trace.charging_s = round(world.stats.charging_s, 1)
        day_trace.livelocks = sys1.livelock_rows()
        self.flush()
        if reflects(cfg.ablation, day):
            reflection = self.sys3.reflect(day)
            log.info(
                "%s day %d reflected (%d goals for tomorrow)",
                self.personality.name,
                day,
                len(reflection.tomorrow_goals),
            )
        report = self.memory.end_of_day(day)
        log.info("%s day %d: %d facts", self.personality.name, day, len(report.facts))
        path = self.data_dir / TRACE_DIR / f"day-{day:04d}.json"
        write_json(path, day_trace.model_dump(mode="json"), compact=True)
        sys2.presence.save(self.data_dir / SYS2_DIR / PRESENCE_FILE)
        lasting_state.save(self.data_dir, lasting_state.capture(sys1))
        # The night: resting on the dock (when it made it there), skipped in one jump.
        nxt_morning = at(day + 1, cfg.day_start_h)
        world.skip(nxt_morning)
        r = world.robot
        self._checkpoint = Checkpoint(
            identity=self._checkpoint.identity,
            day=day + 1,
            days_done=sorted({*self.days_done, day}),
            robot=RobotSnapshot(
                x=r.x, y=r.y, theta=r.theta, floor=r.floor, soc=min(1.0, world.battery.soc)
            ),
            world_objects=[o.model_dump(mode="json") for o in world.extra_objects.values()],
        )
        self.days_done = list(self._checkpoint.days_done)
        self.day = day + 1
        self._fresh_morning = True
        self.phase = Phase.MORNING
        # the next morning's checkpoint is written now, so a stop here loses nothing
        self.store.save(self._checkpoint, list(MANAGED_FILES))
        self._fresh_morning = False

    def flush(self) -> None:
        """Write buffered episodes to memory."""
        with self._lock:
            self.sink.flush()
            self._last_flush = self.now

    def close(self) -> None:
        with self._lock:
            self.sink.close()
        for client in (self.llm2, self.llm3):
            if client is not None:
                client.close()

    # --- reading (console, ROS node, experiment) ---------------------------------------------

    def traces(self) -> list[DayTrace]:
        """The saved traces of the finished days, in day order."""
        out = []
        for day in self.days_done:
            path = self.data_dir / TRACE_DIR / f"day-{day:04d}.json"
            if path.is_file():
                out.append(_DAY_TRACE.validate_json(path.read_text(encoding="utf-8")))
        return out

    def world_state(self) -> WorldState | None:
        with self._lock:
            return None if self.today is None else self.today.state()

    def pose(self) -> Pose | None:
        with self._lock:
            return None if self.today is None else views.pose_of(self.today)

    def status(self) -> AgentStatus:
        with self._lock:
            last = self.decision_log[-1] if self.decision_log else None
            return views.status_of(self.today, self.personality.name, self.now, last)

    def people(self) -> list[dict[str, object]]:
        """Where everyone is (the simulator's truth, for the console's map)."""
        with self._lock:
            return [] if self.today is None else views.people_of(self.today)

    def elevators(self) -> list[ElevatorStatus]:
        with self._lock:
            return [] if self.today is None else views.elevators_of(self.today)

    def decisions(self, limit: int = 20) -> list[Decision]:
        with self._lock:
            return list(self.decision_log)[-limit:]

    def requests(self) -> list[UserRequest]:
        with self._lock:
            if self.today is not None:
                return [r.model_copy(deep=True) for r in self.today.sys2.requests()]
        return RequestQueue(self.data_dir / SYS2_DIR / QUEUE_FILE).all()

    def reflections(self) -> list[Reflection]:
        return [r for d in sorted(self.days_done) if (r := self.sys3.log.read(d)) is not None]

    def submit_request(
        self,
        text: str,
        *,
        sender: str = "console",
        place: str | None = None,
        person: str | None = None,
        priority: RequestPriority = RequestPriority.NORMAL,
        deadline: float | None = None,
    ) -> UserRequest:
        """A console request: parsed, judged and persisted before this returns."""
        with self._lock:
            if self.today is None:
                self._step(self.now)  # the morning has to be set up to take requests
            d = self.today
            if d is None:
                raise RuntimeError("Runtime.submit_request: the morning did not begin")
            req = d.sys2.submit_text(
                text,
                self.now,
                sender=sender,
                place=place,
                person=person,
                priority=priority,
                deadline=deadline,
            )
            d.coordinator.log_requests(self.now)
            self.cadence.poke()
            log.info("%s: request %s is %s", format_time(self.now), req.id, req.state.value)
            return req.model_copy(deep=True)

    def cancel_request(
        self, request_id: str, reason: str = "cancelled by the user"
    ) -> UserRequest:
        with self._lock:
            d = self.today
            if d is None:
                raise ValueError("the runtime has not started a day yet")
            running = d.handle is not None and d.handle.plan.request_id == request_id
            req = d.sys2.cancel(request_id, self.now, reason)
            if running:
                d.coordinator.let_go()  # Sys2 already dropped the plan
                d.sys1.cancel(reason)
                d.collect(self.now)
            d.coordinator.log_requests(self.now)
            self.cadence.poke()
            return req.model_copy(deep=True)


__all__ = ["DAY_S", "MANAGED_FILES", "Phase", "Runtime"]
