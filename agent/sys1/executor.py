"""Sys1's facade: run a plan (or one skill call), tick it, watch it, stop it.

``run`` checks every step with the safety guard and returns a :class:`SkillHandle` at once;
``tick(now)`` advances perception, the battery watch and the active skill, and returns the
time at which Sys1 next needs to be ticked. An in-process runtime integrates the simulator
finely only while the robot moves and jumps to that time otherwise; on a robot a timer ticks
at the control rate and the answer is a hint. Route searches go through ``planner``: inline by
default, on a worker thread on a robot (:mod:`pepa.agent.sys1.planner`).

The battery reserve has the last word: when the charge left is the reserve plus what the way
to the dock costs, a non-critical plan is cancelled (at a safe moment: not inside a car or on
the stairs) and a safety plan docks and charges. Work stopped on the stairs (cancelled,
preempted, failed) leaves the robot between floors: a safety plan first takes it off them, to
the floor it stands on. The livelock guard (:mod:`pepa.agent.sys1.livelock`) stops work that keeps
coming back to the same spot, at the same kind of safe moment, as a failure Sys2 replans from.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from pepa.agent.sys1.config import Sys1Config
from pepa.agent.sys1.context import SkillContext, navigation_map
from pepa.agent.sys1.livelock import Livelock
from pepa.agent.sys1.navigation_backend import NavigationBackend
from pepa.agent.sys1.perception import (
    CameraDetector,
    Detector,
    GroundTruth,
    OracleDetector,
    Perception,
)
from pepa.agent.sys1.planner import Job, Planner
from pepa.agent.sys1.public_context import PublicContext
from pepa.agent.sys1.recorder import ExperienceRecorder, ExperienceSink, ListSink
from pepa.agent.sys1.safety import SafetyGuard
from pepa.agent.sys1.skills import Feedback, Skill, make_skill
from pepa.agent.sys1.visit_map import VisitMap
from pepa.building.layout import Building
from pepa.building.routing import NoRouteError, Route
from pepa.knowledge import EXCHANGE_SKILLS, RESTORING_SKILLS, SKILLS
from pepa.memory.importance import ImportanceScorer
from pepa.messages import Plan, PlanSource, SkillCall, SkillResult, SkillStatus, new_id
from pepa.robot import Robot, Sighting
from pepa.world_state import WorldState

log = logging.getLogger(__name__)

IDLE_TICK_S = 5.0
DOCK_COST_TTL_S = 60.0
SAFETY_RETRY_S = 300.0
#: An upper bound on the way to the dock from anywhere in a building (s).
FAR_FROM_DOCK_S = 1800.0
#: After a failed try to get off the stairs, the next one waits this long (s).
LEAVE_STAIRS_RETRY_S = 60.0


class HandleState(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    REFUSED = "refused"


@dataclass
class SkillHandle:
    """A plan given to Sys1 and what became of it."""

    plan: Plan
    source: PlanSource
    id: str = field(default_factory=lambda: new_id("run"))
    state: HandleState = HandleState.RUNNING
    reason: str = ""
    step: int = 0
    results: list[SkillResult] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.state != HandleState.RUNNING

    @property
    def current(self) -> SkillCall | None:
        return (
            None if self.done or self.step >= len(self.plan.steps) else self.plan.steps[self.step]
        )


class Sys1:
    """Skills, perception, safety and recording behind one object."""

    def __init__(
        self,
        robot: Robot,
        building: Building,
        *,
        config: Sys1Config | None = None,
        sink: ExperienceSink | None = None,
        truth: GroundTruth | None = None,
        detector: Detector | None = None,
        scorer: ImportanceScorer | None = None,
        planner: Planner | None = None,
        navigation: NavigationBackend | None = None,
        now: float = 0.0,
    ) -> None:
        self.robot = robot
        self.building = building
        self.config = cfg = config or Sys1Config()
        self.sink = sink if sink is not None else ListSink()
        self.recorder = ExperienceRecorder(self.sink, building, scorer)
        cspace, router = navigation_map(building, cfg.safety.robot_radius_m)
        self.visits = VisitMap(building, cspace, cfg.perception.visit_cell_m)
        if detector is None:
            if cfg.perception.mode == "oracle":
                if truth is None:
                    raise ValueError(
                        "perception mode 'oracle' needs the simulator's ground truth (truth=)"
                    )
                detector = OracleDetector(truth, cfg.perception, seed=cfg.seed, building=building)
            else:
                detector = CameraDetector(robot, building, cfg.perception)
        self.perception = Perception(building, detector, cfg.perception, self.visits)
        self.guard = SafetyGuard(
            building,
            cfg.safety,
            self.recorder,
            nearest_person=lambda pose, r: self.perception.people_near(pose, r, self.ctx.now, 5.0),
        )
        self.ctx = SkillContext(
            robot,
            building,
            cfg,
            self.perception,
            self.guard,
            self.recorder,
            cspace,
            router,
            self.visits,
            make_skill,
            planner,
            navigation,
        )
        self.ctx.look = self._look
        self.ctx.refresh(now)
        self.handle: SkillHandle | None = None
        self.skill: Skill | None = None
        self.pending_requests = 0
        self.expressions_since_rest = 0
        self.public = PublicContext(self._state(now))
        self.finished: deque[SkillHandle] = deque(maxlen=200)
        self.results: deque[SkillResult] = deque(maxlen=2000)
        self.ticks = 0
        self._next_percept = now
        self._next_battery = now
        self._charging_since: float | None = None
        self._dock_cost: tuple[float, int, float, float, float] | None = None
        self._dock_search: tuple[Job[Route], tuple[float, int, float, float]] | None = None
        self._safety_backoff_until = -math.inf
        self._safety_note = ""
        self._next_leave_stairs = -math.inf

    # --- giving work ----------------------------------------------------------------------

    def run(
        self,
        work: Plan | SkillCall | list[SkillCall],
        *,
        source: PlanSource | None = None,
        goal_id: str | None = None,
        request_id: str | None = None,
    ) -> SkillHandle:
        """Start ``work`` (preempting what runs); a refused plan comes back done, with why."""
        now = self.ctx.now
        plan = _as_plan(work, source, goal_id, request_id, now)
        handle = SkillHandle(plan=plan, source=source or plan.source)
        problems = [p for s in plan.steps if (p := self.guard.admit(s))]
        if not problems and self._safety_first() and plan.steps[0].skill != "dock_and_charge":
            problems = [self._safety_note]
        if problems:
            handle.state = HandleState.REFUSED
            handle.reason = "; ".join(problems)
            self.guard.override(
                "refused", f"refused plan {plan.id}: {handle.reason}", self.ctx.pose, now
            )
            self.finished.append(handle)
            return handle
        if self.handle is not None and not self.handle.done:
            self._stop_handle(HandleState.CANCELLED, f"preempted by plan {plan.id}", now)
        self.handle = handle
        self._start_step(now)
        return handle

    def cancel(self, reason: str = "cancelled") -> SkillHandle | None:
        """Stop the running plan (the robot stops); returns its handle."""
        h = self.handle
        if h is None or h.done:
            return None
        self._stop_handle(HandleState.CANCELLED, reason, self.ctx.now)
        return h

    # --- watching -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.handle is not None and not self.handle.done

    @property
    def current_skill(self) -> str | None:
        return self.skill.call.skill if self.skill is not None and not self.skill.done else None

    @property
    def feedback(self) -> Feedback | None:
        return None if self.skill is None or self.skill.done else self.skill.active_feedback

    def live_state(self) -> WorldState:
        """The state Sys2 and Sys3 decide on: the public context's latest look, with what
        changes between looks made current — the time, pose, battery, and whether a skill runs.

        The public context is written at each look; a skill that ends between two looks would
        otherwise leave ``idle`` false and ``current_skill`` set, and a goal "when idle" would
        not fire at the very moment the robot became idle. Every host reads this one view.
        """
        ctx = self.ctx
        return self.public.read().model_copy(
            update={
                "time": ctx.now,
                "pose": ctx.pose.to_pose(),
                "battery": min(1.0, max(0.0, ctx.battery.soc)),
                "charging": ctx.battery.charging,
                "idle": not self.busy,
                "current_skill": self.current_skill,
            }
        )

    def drain_finished(self) -> list[SkillHandle]:
        out = list(self.finished)
        self.finished.clear()
        return out

    # --- the loop ---------------------------------------------------------------------------

    def tick(self, now: float) -> float:
        """Advance everything to ``now``; returns when to tick next."""
        self.ticks += 1
        ctx = self.ctx
        ctx.refresh(now)
        if ctx.battery.charging != (self._charging_since is not None):
            self._charging_changed(now)
        cfg = self.config
        if ctx.moving:
            soon = now + self._look_gap()
            if self._next_percept > soon:
                self._next_percept = soon
        if now >= self._next_percept:
            self._perceive(now)
        if now >= self._next_battery:
            self._next_battery = now + cfg.safety.battery_check_s
            self._check_battery(now)
        if self.skill is not None:
            for _ in range(len(self.handle.plan.steps) + 1 if self.handle else 1):
                res = self.skill.poll(now)
                if res is None:
                    break
                self._step_done(res, now)
                if self.skill is None:
                    break
        if ctx.livelock.pending is not None:
            self._stop_livelock(now)
        if self.skill is None:
            self._leave_stairs(now)
        wake = self._next_percept
        if not ctx.moving:
            wake = min(wake, self._next_battery)
        if self.skill is not None:
            wake = min(wake, self.skill.next_wakeup)
        elif not ctx.moving:
            wake = min(wake, now + IDLE_TICK_S)
        return max(wake, now + 1e-3)

    # --- internals ----------------------------------------------------------------------

    def _state(self, now: float) -> WorldState:
        ctx = self.ctx
        return self.perception.world_state(
            now,
            ctx.pose,
            ctx.battery.soc,
            ctx.battery.charging,
            self.current_skill,
            ctx.blocked_labels(),
            self.pending_requests,
            self.expressions_since_rest,
            {f: 1.0 - fv.coverage() for f, fv in ctx.visits.floors.items()},
        )

    def _look_gap(self) -> float:
        """Seconds to the next look while moving: after ``look_every_m`` of travel or
        ``look_every_rad`` of turn at the present command (what a new look could add), within
        [period_moving_s, period_still_s].

        The view changes with the pose, not with the clock: a look every metre and a half
        (the camera sees 5 m ahead) misses nothing a look every second would see, and each
        look sets how far the simulation can coast.
        """
        c = self.config.perception
        v, w = self.ctx.cmd
        gap = c.period_still_s
        if v:
            gap = min(gap, c.look_every_m / abs(v))
        if w:
            gap = min(gap, c.look_every_rad / abs(w))
        return max(c.period_moving_s, gap)

    def _perceive(self, now: float) -> list[Sighting]:
        ctx = self.ctx
        period = self._look_gap() if ctx.moving else self.config.perception.period_still_s
        self._next_percept = now + period
        for note in self.perception.update(ctx.pose, now):
            self.recorder.percept(
                now, ctx.pose, note.caption, list(note.people), list(note.objects)
            )
        self.public.publish(self._state(now))
        return self.perception.last_sightings

    def _charging_changed(self, now: float) -> None:
        """On or off the charger, whichever skill (or none) put it there: resting on the dock
        charges too, and memory must be able to tell how long the robot charged."""
        ctx = self.ctx
        since = self._charging_since
        self._charging_since = now if since is None else None
        self.recorder.charging(now, ctx.pose, since is None, ctx.battery.soc, since)

    def _look(self) -> list[Sighting]:
        return self._perceive(self.ctx.now)

    def _start_step(self, now: float) -> None:
        h = self.handle
        assert h is not None
        call = h.plan.steps[h.step]
        self.recorder.goal_id = h.plan.goal_id
        self.recorder.request_id = h.plan.request_id
        self.skill = make_skill(self.ctx, call)
        self.recorder.skill_started(call, now, self.ctx.pose, self.ctx.battery.soc)
        self.skill.start(now)
        h.plan.progress = h.step

    def _step_done(self, res: SkillResult, now: float) -> None:
        h = self.handle
        assert h is not None
        h.results.append(res)
        self.results.append(res)
        self.recorder.skill_ended(res, self.ctx.pose, self.ctx.battery.soc)
        self.skill = None
        if res.status == SkillStatus.SUCCESS:
            self.ctx.livelock.progress()
            skill = res.call.skill
            if SKILLS[skill].category == "express":
                self.expressions_since_rest += 1
            elif skill in RESTORING_SKILLS:
                self.expressions_since_rest = 0
            elif skill in EXCHANGE_SKILLS:
                self.perception.exchanged_with(str(res.call.args["person"]), now)
        else:
            state = (
                HandleState.CANCELLED
                if res.status == SkillStatus.CANCELLED
                else HandleState.FAILURE
            )
            self._close(state, f"{res.call.skill}: {res.reason}")
            return
        h.step += 1
        h.plan.progress = h.step
        if h.step >= len(h.plan.steps):
            self._close(HandleState.SUCCESS, res.reason)
            return
        self._start_step(now)

    def _close(self, state: HandleState, reason: str) -> None:
        h = self.handle
        assert h is not None
        h.state = state
        h.reason = reason
        self.finished.append(h)
        self.ctx.stop()
        self.recorder.goal_id = self.recorder.request_id = None

    def _stop_handle(self, state: HandleState, reason: str, now: float) -> None:
        if self.skill is not None and not self.skill.done:
            status = SkillStatus.FAILURE if state == HandleState.FAILURE else SkillStatus.CANCELLED
            res = self.skill.stop(now, status, reason)
            self.handle.results.append(res)  # type: ignore[union-attr]
            self.results.append(res)
            self.recorder.skill_ended(res, self.ctx.pose, self.ctx.battery.soc)
        self.skill = None
        self._close(state, reason)

    # --- livelocks and the stairs ------------------------------------------------------

    def _stop_livelock(self, now: float) -> None:
        """Stop the work the livelock guard caught, once it is safe to (not in a car or on
        the stairs); a livelock with no work left running has ended by itself."""
        ctx = self.ctx
        if self.skill is None or self.handle is None:
            ctx.livelock.pending = None
            return
        if not self.skill.interruptible():
            return
        lock: Livelock | None = ctx.livelock.take()
        assert lock is not None
        skill = self.skill.call.label()
        log.warning("livelock at %.0f s: stopping %s (%s)", now, skill, lock.reason)
        self.recorder.livelock(now, ctx.pose, skill, lock.reason, ctx.battery.soc)
        self._stop_handle(HandleState.FAILURE, lock.reason, now)

    def livelock_rows(self) -> list[tuple[float, int, float, float]]:
        """(time, floor, x, y) of each livelock stopped so far, for the day's trace."""
        return [
            (round(k.last.time, 2), k.last.floors[0], round(k.last.x, 2), round(k.last.y, 2))
            for k in self.ctx.livelock.stopped
        ]

    def _leave_stairs(self, now: float) -> None:
        """Nothing runs and the robot stands on a flight or a landing: take it off, to the
        floor it is on, before anything else runs there."""
        p = self.ctx.pose
        if now < self._next_leave_stairs or self.building.stairs_at(p.floor, p.x, p.y) is None:
            return
        self._next_leave_stairs = now + LEAVE_STAIRS_RETRY_S
        self._start_safety(
            SkillCall(skill="take_stairs", args={"floor": p.floor}),
            "on the stairs: getting off them first",
            now,
        )

    # --- battery reserve ----------------------------------------------------------------

    def _safety_first(self) -> bool:
        h = self.handle
        return h is not None and not h.done and h.source == PlanSource.SAFETY

    def _start_safety(self, call: SkillCall, note: str, now: float) -> None:
        """Run a safety plan of one step; other plans are refused with ``note`` meanwhile."""
        self._safety_note = note
        self.handle = SkillHandle(
            plan=Plan(steps=[call], source=PlanSource.SAFETY, created_at=now),
            source=PlanSource.SAFETY,
        )
        self._start_step(now)

    def _way_to_dock_s(self, now: float) -> float | None:
        """Travel time to the dock by the router, cached while the robot stays near; None
        while the planner is still searching it (the control tick never waits for a search:
        on the robot the planner works on its own thread)."""
        ctx = self.ctx
        p = ctx.pose
        c = self._dock_cost
        if (
            c is not None
            and now - c[0] < DOCK_COST_TTL_S
            and c[1] == p.floor
            and math.hypot(c[2] - p.x, c[3] - p.y) < 10.0
        ):
            return c[4]
        if self._dock_search is None:
            try:
                job = ctx.plan_route(ctx.resolve("dock"))
            except ValueError:  # no dock in this building
                self._dock_cost = (now, p.floor, p.x, p.y, math.inf)
                return math.inf
            self._dock_search = (job, (now, p.floor, p.x, p.y))
        job, (t0, floor, x, y) = self._dock_search
        if not job.done:
            return None
        self._dock_search = None
        try:
            cost = job.result().cost_s
        except (NoRouteError, ValueError):
            cost = math.inf
        self._dock_cost = (t0, floor, x, y, cost)  # where and when the search started
        return cost

    def _check_battery(self, now: float) -> None:
        ctx = self.ctx
        bat = ctx.battery
        if bat.charging or now < self._safety_backoff_until or self._safety_first():
            return
        if self.skill is not None and (self.skill.critical or not self.skill.interruptible()):
            return
        if not self.guard.needs_charge(bat.soc, bat.capacity_wh, FAR_FROM_DOCK_S):
            return  # not even the longest way home would reach the reserve: skip routing
        way = self._way_to_dock_s(now)
        if way is None:
            self._next_battery = now  # look again at the next tick
            return
        if not self.guard.needs_charge(bat.soc, bat.capacity_wh, way):
            return
        caption = (
            f"battery at {100 * bat.soc:.0f}% is at the reserve plus the way to the dock "
            f"({way:.0f} s): going to charge"
        )
        was = self.handle.plan.steps[self.handle.step].label() if self.busy else None  # type: ignore[union-attr]
        if was:
            caption += f", interrupting {was}"
        self.guard.override("battery_reserve", caption, ctx.pose, now, bat.soc)
        if self.busy:
            self._stop_handle(HandleState.CANCELLED, "battery reserve: interrupted to charge", now)
        self._safety_backoff_until = now + SAFETY_RETRY_S
        self._start_safety(
            SkillCall(skill="dock_and_charge"), "battery reserve: charging first", now
        )


def _as_plan(
    work: Plan | SkillCall | list[SkillCall],
    source: PlanSource | None,
    goal_id: str | None,
    request_id: str | None,
    now: float,
) -> Plan:
    if isinstance(work, Plan):
        plan = work.model_copy(deep=True)
    elif isinstance(work, SkillCall):
        plan = Plan(steps=[work], source=source or PlanSource.RULE, created_at=now)
    elif isinstance(work, list) and work and all(isinstance(s, SkillCall) for s in work):
        plan = Plan(steps=list(work), source=source or PlanSource.RULE, created_at=now)
    else:
        raise TypeError(f"Sys1.run: expected a Plan, a SkillCall or a list of them, got {work!r}")
    if goal_id is not None:
        plan.goal_id = goal_id
    if request_id is not None:
        plan.request_id = request_id
    plan.progress = 0
    return plan
