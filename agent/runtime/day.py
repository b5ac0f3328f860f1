"""One robot day in-process: the world, Sys1, Sys2, its coordinator and the day's trace.

The runtime (:mod:`pepa.agent.runtime.runtime`) builds a :class:`Day` each morning and ticks it
until the evening; everything a day holds exists for the whole of it, so nothing here is optional.
Between the three systems the day only moves things: Sys2's decisions come from the
coordinator (:mod:`pepa.agent.coordinator`, the same one the ROS nodes call) and go to Sys1 by a
method call; skill results go back the same way; the simulator's people's requests go to Sys2.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pepa.agent.coordinator.coordinator import (
    BEDTIME_ROUTINE,
    Coordinator,
    Owner,
    person_request,
    refusal,
)
from pepa.agent.policy.intentions import intentions_of
from pepa.agent.sys1.executor import HandleState, SkillHandle, Sys1
from pepa.agent.sys2.deliberator import Deliberator
from pepa.agent.sys3.system import Sys3
from pepa.agent.trace import TraceRecorder, plan_category
from pepa.building.layout import Building
from pepa.clock import SimClock
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import (
    Decision,
    ExperienceSource,
    PlanSource,
    SkillStatus,
)
from pepa.sim.events import PersonRequest
from pepa.sim.world import World
from pepa.world_state import WorldState

if TYPE_CHECKING:  # the policy's module loads torch; only runs that use it import it
    from pepa.agent.pipeline.fast_path import FastPath

log = logging.getLogger(__name__)

_END_STATUS = {
    HandleState.SUCCESS: SkillStatus.SUCCESS,
    HandleState.FAILURE: SkillStatus.FAILURE,
    HandleState.REFUSED: SkillStatus.FAILURE,
    HandleState.CANCELLED: SkillStatus.CANCELLED,
}
"""How a finished handle counts for the decision cadence (a refused plan failed)."""


@dataclass
class Day:
    """Day ``number`` of one robot; see the module docstring."""

    number: int
    who: str
    clock: SimClock
    building: Building
    knowledge: WorldKnowledge
    world: World
    sys1: Sys1
    sys2: Deliberator
    sys3: Sys3
    coordinator: Coordinator
    trace: TraceRecorder
    fast_path: FastPath | None
    decision_log: deque[Decision]
    handle: SkillHandle | None = None
    """The work Sys1 runs for the coordinator (its owner says whose); None when idle."""
    forwarded: int = field(default=0)
    """How many of the handle's results went back to Sys2 already."""

    @property
    def now(self) -> float:
        return self.clock.now()

    def state(self) -> WorldState:
        open_n = len(self.sys2.queue.open())
        self.sys1.pending_requests = open_n
        state = self.sys1.live_state()
        if state.pending_requests != open_n or state.time != self.now:
            state = state.model_copy(update={"pending_requests": open_n, "time": self.now})
        return state

    def collect(self, now: float) -> bool:
        """Skill results: into the trace, and (for Sys2's plans) back to Sys2."""
        sys1, trace, coord = self.sys1, self.trace, self.coordinator
        changed = False
        for finished in sys1.drain_finished():
            for res in finished.results:
                spec = SKILLS.get(res.call.skill)
                person = res.call.args.get("person")
                trace.skill(
                    res.ended_at,
                    res.call.skill,
                    res.status.value,
                    spec.category if spec else "move",
                    [str(person)] if person is not None else [],
                )
        h = self.handle
        if h is None:
            if sys1.busy and trace.activity is not None and trace.activity.kind == "idle":
                trace.begin(now, "charge", "safety: dock and charge", "safety")
                changed = True
            elif not sys1.busy and trace.activity is not None and trace.activity.kind == "safety":
                trace.begin(now, "idle", "idle", "idle")
                coord.poke()
                changed = True
            return changed
        if coord.owner == Owner.SYS2:
            while self.forwarded < len(h.results) and self.handle is h:
                res = h.results[self.forwarded]
                self.forwarded += 1
                repair = coord.forward(res, self.state(), now)
                if repair is not None:
                    self.start(repair, now)
                    return True
            if self.handle is h and h.state == HandleState.REFUSED:
                self.forwarded = len(h.results)
                repair = coord.forward(refusal(h, now), self.state(), now)
                if repair is not None:
                    self.start(repair, now)
                    return True
        if self.handle is h and h.done:
            self.handle = None
            coord.ended(now, _END_STATUS[h.state])
            if sys1.busy:  # Sys1 took over (battery reserve)
                trace.begin(now, "charge", "safety: dock and charge", "safety")
            else:
                trace.begin(now, "rest" if coord.bedtime else "idle", "idle", "idle")
            changed = True
        return changed

    def take_requests(self, now: float) -> None:
        """People's spontaneous requests from the simulator go into Sys2's queue."""
        world, sys2, coord = self.world, self.sys2, self.coordinator
        for ev in world.poll_events():
            if not isinstance(ev, PersonRequest) or ev.id in sys2.queue:
                continue
            sys2.submit(person_request(ev, self.knowledge, now), now)
            coord.log_requests(now)
            coord.poke()

    def deliberate(self, now: float) -> bool:
        sys1, coord = self.sys1, self.coordinator
        decision = coord.decide(now, self.state, sys1_busy=sys1.busy)
        if decision is not None:
            self.start(decision, now)
            return True
        return not sys1.busy and self.follow_policy(now)

    def start(self, decision: Decision, now: float) -> None:
        sys1, trace, coord = self.sys1, self.trace, self.coordinator
        self.decision_log.append(decision)
        plan = decision.plan
        self.handle = sys1.run(plan, source=decision.source)
        self.forwarded = 0
        category = plan_category(plan, decision.chosen.kind)
        trace.begin(now, category, decision.chosen.label[:80], decision.chosen.kind.value)
        self.sys3.update(self.state())
        coord.started(decision, now)

    def follow_policy(self, now: float) -> bool:
        """Between deliberations, Sys1 runs the onboard policy's proposal (the guard admits)."""
        sys1, sys2, trace, coord = self.sys1, self.sys2, self.trace, self.coordinator
        if self.fast_path is None or not coord.policy_turn(now):
            return False
        frame = sys1.robot.camera_frame()
        if frame is None:
            return False
        state = self.state()
        call = self.fast_path.propose(state, frame, intentions_of(sys2, state, self.knowledge))
        if call is None:
            return False
        self.handle = sys1.run(call, source=PlanSource.POLICY)
        coord.took_over(Owner.POLICY, self.handle.plan.id)
        self.forwarded = 0
        spec = SKILLS.get(call.skill)
        trace.begin(now, spec.category if spec else "move", f"policy: {call.label()}"[:80], "idle")
        return True

    def bedtime(self, now: float) -> bool:
        """Stop taking new work and dock for the night."""
        sys1, trace, coord = self.sys1, self.trace, self.coordinator

        def drop_plan(reason: str) -> None:
            sys1.cancel(reason)
            self.collect(now)

        coord.begin_bedtime(now, drop_plan)
        if self.handle is not None:
            return False
        if not coord.dock_due(now, sys1_busy=sys1.busy, charging=sys1.ctx.battery.charging):
            return False
        self.handle = sys1.run(BEDTIME_ROUTINE, source=PlanSource.RULE)
        coord.took_over(Owner.ROUTINE, self.handle.plan.id)
        self.forwarded = 0
        trace.begin(now, "charge", "bedtime: dock and charge", "routine")
        return True

    def record_pose(self, now: float) -> None:
        world, trace = self.world, self.trace
        r = world.robot
        if trace.pose(now, r.floor, r.x, r.y, r.theta, world.battery.soc):
            room = self.building.room_at(r.floor, r.x, r.y)
            trace.room(now, room.id if room is not None else None)

    def night_rescue(self, now: float) -> None:
        """Carry a robot that cannot get itself to the dock there for the night.

        A robot that ends its day off the dock but able to move stays where it is and starts
        tomorrow with what charge it has (it will go and charge: that is its own doing). One
        with an empty battery, or stranded in an elevator car or on the stairs, would stay
        dead or stuck for the rest of the run, and every later day would measure only that;
        so, as the office staff would, someone carries it to the dock, where it charges
        overnight. The rescue is in the world log and in memory (the robot knows it failed
        to get home), and counted in the trace.
        """
        world, sys1, trace = self.world, self.sys1, self.trace
        r = world.robot
        if world.charging:
            return
        if r.stopped:
            reason = "its battery was empty"
        elif world.aboard is not None:
            reason = f"it was shut in elevator {world.aboard}"
        elif r.on_stairs:
            reason = "it was stuck on the stairs"
        else:
            return
        where = self.building.room_at(r.floor, r.x, r.y)
        sys1.recorder.record(
            time=now,
            pose=sys1.ctx.pose,
            kind="routine",
            outcome="failure",
            caption=f"did not make it to the dock tonight ({reason}, in "
            f"{where.id if where else f'floor {r.floor}'}): carried there by the staff",
            battery=world.battery.soc,
            source=ExperienceSource.SYS1,
        )
        world.carry_to_dock(reason)
        sys1.ctx.refresh(now)
        trace.trace.rescues += 1
        log.warning("%s day %d: %s, carried to the dock", self.who, self.number, reason)
