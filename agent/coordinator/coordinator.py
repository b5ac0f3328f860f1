"""The one coordinator between Sys1, Sys2 and the host that runs them.

The in-process runtime (experiments, the study, the benchmarks) and the ROS nodes (``pepa
run``, a robot) both drive Sys2 through a :class:`Coordinator`, so what is measured is what the
robot does. It decides *when* Sys2 deliberates (:mod:`pepa.agent.coordinator.cadence`), remembers
*who owns* the skill handle that runs (:class:`Owner`), records the "decided" episode of each
decision and the episodes of request changes (:mod:`pepa.agent.coordinator.request_log`), and at
bedtime stops new work and asks for the dock. A host only moves things: it hands decisions to
Sys1 (a method call, or ``/pepa/decisions``) and skill results back (a drained handle, or
``/pepa/step_results``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pepa.agent.coordinator.cadence import Cadence
from pepa.agent.coordinator.request_log import RequestLog
from pepa.agent.sys1.executor import SkillHandle
from pepa.agent.sys1.recorder import ExperienceRecorder
from pepa.agent.sys2.deliberator import Deliberator
from pepa.clock import DAY_S
from pepa.knowledge import WorldKnowledge
from pepa.messages import (
    CandidateKind,
    CandidateScore,
    Decision,
    ExperienceSource,
    Plan,
    PlanSource,
    SkillCall,
    SkillResult,
    SkillStatus,
    UserRequest,
)
from pepa.robot import RobotPose
from pepa.sim.events import PersonRequest
from pepa.world_state import WorldState

BEDTIME_ROUTINE = SkillCall(skill="dock_and_charge")
"""What the robot does at bedtime: no new work, to the dock for the night."""


class Owner(StrEnum):
    """Whose work the skill handle that runs is; it says where its results go."""

    SYS2 = "sys2"
    """Sys2's plan: each result goes back to the deliberator, which advances or repairs it."""
    POLICY = "policy"
    """The onboard fast-path policy's proposal: Sys2 may override it at its next turn."""
    ROUTINE = "routine"
    """A routine such as bedtime docking: nobody preempts it."""
    DROPPED = "dropped"
    """A plan Sys2 let go of (cancelled), winding down in Sys1: its results go nowhere."""


@dataclass(frozen=True)
class Whereabouts:
    """Where the robot is and its charge, for the episodes the coordinator records."""

    pose: RobotPose
    battery: float


class Coordinator:
    """One robot's coordination of one Sys2 (see the module docstring)."""

    def __init__(
        self,
        sys2: Deliberator,
        cadence: Cadence,
        recorder: ExperienceRecorder,
        knowledge: WorldKnowledge,
        where: Callable[[], Whereabouts | None],
    ) -> None:
        self.sys2 = sys2
        self.cadence = cadence
        self.recorder = recorder
        self.where = where
        self.requests = RequestLog(sys2.queue, knowledge)
        #: Requests changed since the host last asked (changes logged inside decide/forward too).
        self._changed: dict[str, UserRequest] = {}
        self.owner: Owner | None = None
        self.plan_id: str | None = None

    # --- deciding ------------------------------------------------------------------------------

    def poke(self) -> None:
        """A new request or event: Sys2 is asked at its next chance, not at its next period."""
        self.cadence.poke()

    def decide(
        self, now: float, state: Callable[[], WorldState], *, sys1_busy: bool
    ) -> Decision | None:
        """Sys2's decision if one is due now, else None; the host starts it (:meth:`started`).

        ``state`` is read only when Sys2 is asked. While Sys1 runs its own safety plan (the
        battery reserve), nothing is decided.
        """
        cad = self.cadence
        owner = self.owner
        if owner is None:
            if sys1_busy or not cad.idle_decide_due(now):
                return None
            decision = self._ask(now, state)
            if decision is None:
                cad.nothing_chosen(now)
            return decision
        if owner == Owner.POLICY:
            return self._ask(now, state) if cad.arbitrate_due(now) else None
        if owner == Owner.SYS2 and cad.preempt_check_due(now):
            return self._ask(now, state)
        return None

    def _ask(self, now: float, state: Callable[[], WorldState]) -> Decision | None:
        decision = self.sys2.decide(state(), now)
        self._log(now)
        return decision

    def policy_turn(self, now: float) -> bool:
        """May the fast-path policy propose now? Only when nothing runs, at most so often."""
        return self.owner is None and self.cadence.policy_turn(now)

    # --- the running handle --------------------------------------------------------------------

    def started(self, decision: Decision, now: float) -> None:
        """Sys2's decision was handed to Sys1: it owns the handle; its "decided" episode."""
        plan = decision.plan
        self.owner = Owner.SYS2
        self.plan_id = plan.id
        self.cadence.plan_started(now)
        self.recorder.goal_id = plan.goal_id
        self.recorder.request_id = plan.request_id
        where = self.where()
        if where is not None:
            self.recorder.record(
                time=now,
                pose=where.pose,
                kind="decision",
                caption=f"decided: {decision.explanation}"[:2000],
                battery=where.battery,
                source=ExperienceSource.SYS2,
            )

    def took_over(self, owner: Owner, plan_id: str) -> None:
        """A proposal of the policy or a routine was handed to Sys1."""
        if owner in (Owner.SYS2, Owner.DROPPED):
            raise ValueError(f"took_over: {owner.value} work starts through started()/let_go()")
        self.owner = owner
        self.plan_id = plan_id

    def let_go(self) -> None:
        """Sys2 dropped its plan (cancelled): whatever of it still runs reports to nobody."""
        if self.owner is not None:
            self.owner = Owner.DROPPED

    def forward(
        self, result: SkillResult, state: WorldState | None, now: float
    ) -> Decision | None:
        """A result of Sys2's plan: to the deliberator; a repaired plan to start, or None."""
        repair = self.sys2.on_skill_result(result, state)
        self._log(now)
        return repair

    @property
    def sys2_plan_over(self) -> bool:
        """Sys2 has finished, given up or dropped the plan that runs."""
        cur = self.sys2.current
        return cur is None or cur.plan.id != self.plan_id

    def ended(self, now: float, status: SkillStatus) -> None:
        """The running handle is done: nobody owns one; when to decide next (failures back off)."""
        self.owner = None
        self.plan_id = None
        self.cadence.plan_ended(now, status)

    # --- bedtime ---------------------------------------------------------------------------------

    def begin_bedtime(self, now: float, drop_plan: Callable[[str], None]) -> bool:
        """True the first time it is bedtime today; Sys2's running plan is dropped then.

        ``drop_plan(reason)`` is the host's way to cancel it in Sys1 and hand the outcome back.
        """
        if not self.cadence.begin_bedtime(now):
            return False
        if self.owner == Owner.SYS2:
            drop_plan("bedtime: the robot goes to its dock for the night")
        where = self.where()
        if where is not None:
            self.recorder.record(
                time=now,
                pose=where.pose,
                kind="routine",
                caption="bedtime: no new work today, going to the dock",
                battery=where.battery,
                source=ExperienceSource.SYS1,
            )
        return True

    @property
    def bedtime(self) -> bool:
        return self.cadence.bedtime_started

    def dock_due(self, now: float, *, sys1_busy: bool, charging: bool) -> bool:
        """At bedtime: should the host start the docking routine now?"""
        if self.owner is not None or sys1_busy or charging:
            return False
        return self.cadence.dock_try_due(now)

    def routine_decision(self, call: SkillCall, why: str, now: float) -> Decision:
        """A routine (e.g. :data:`BEDTIME_ROUTINE`) as a decision, for hosts that send plans."""
        return Decision(
            time=now,
            chosen=CandidateScore(kind=CandidateKind.NEED, label=why),
            plan=Plan(steps=[call], source=PlanSource.RULE, created_at=now),
            explanation=why,
            source=PlanSource.RULE,
        )

    # --- requests --------------------------------------------------------------------------------

    def _log(self, now: float) -> None:
        where = self.where()
        for req in self.requests.flush(now, self.recorder, where.pose if where else None):
            self._changed[req.id] = req

    def log_requests(self, now: float) -> list[UserRequest]:
        """Request changes since the last call become episodes; the requests changed since the
        host last asked, including those changed while deciding or forwarding a result (a ROS
        host publishes each of them)."""
        self._log(now)
        changed, self._changed = list(self._changed.values()), {}
        return changed


def refusal(handle: SkillHandle, now: float) -> SkillResult:
    """A plan the safety guard refused, as the failed result of its first step Sys2 judges."""
    return SkillResult(
        call=handle.plan.steps[0] if handle.plan.steps else SkillCall(skill="wait"),
        status=SkillStatus.FAILURE,
        reason=f"refused by the safety guard: {handle.reason}",
        started_at=now,
        ended_at=now,
    )


def person_request(ev: PersonRequest, knowledge: WorldKnowledge, now: float) -> UserRequest:
    """What a person in the simulated office asked, as the request Sys2 takes (both hosts)."""
    return UserRequest(
        id=ev.id,
        text=ev.text[: UserRequest.MAX_TEXT],
        sender=ev.person_id,
        person=ev.person_id if ev.person_id in knowledge.people else None,
        place=ev.place if ev.place in knowledge.places else None,
        created_at=min(ev.t, now),
    )


def day_seed(seed: int, day: int) -> int:
    """The seed of one day's Sys1 and Sys2, the same on every host: same seed, same day."""
    return seed * 1000 + day


def at_rest(now: float, day_start_h: float, bedtime_h: float) -> bool:
    """Bedtime until the next morning: no new work, the robot stays at its dock."""
    hour = (now % DAY_S) / 3600.0
    return hour >= bedtime_h or hour < day_start_h
