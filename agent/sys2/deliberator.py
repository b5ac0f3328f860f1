"""The Sys2 facade: requests in, decisions out, skill results back.

The runtime (in-process or a ROS node) talks to Sys2 only through :class:`Deliberator`:

- :meth:`~Deliberator.submit` / :meth:`~Deliberator.submit_text` parse a request, validate its
  task and let the personality accept, defer or decline it (or ask for clarification);
- :meth:`~Deliberator.decide` returns a :class:`~pepa.messages.Decision` when the robot is idle
  — or, while a plan runs, only when something may preempt it (an urgent request, the battery,
  or any accepted request while the robot is about its own business);
- :meth:`~Deliberator.next_step` is the current plan's next skill call;
- :meth:`~Deliberator.on_skill_result` advances the plan, completes or fails its request, and on
  a failure returns a repaired plan (a new decision) or gives up with the reason;
- :meth:`~Deliberator.cancel`, :meth:`~Deliberator.clarify` and :meth:`~Deliberator.requests`.

Everything is deterministic for a given seed and sequence of calls.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pepa.agent.sys2.arbitration import (
    OptionBuilder,
    RequestPolicyLike,
    candidate_score,
    explain,
    judge_request,
)
from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.lexicon import Lexicon
from pepa.agent.sys2.llm_guidance import LLMPlanProposer
from pepa.agent.sys2.mcts import MCTS, SearchResult
from pepa.agent.sys2.options import Option
from pepa.agent.sys2.parser import RequestParser, StructuredLLM
from pepa.agent.sys2.presence import PresenceModel
from pepa.agent.sys2.replanner import Replanner, missing_person
from pepa.agent.sys2.request_queue import RequestQueue
from pepa.agent.sys2.site_map import SiteMap
from pepa.agent.sys2.travel import MapTravel, TravelEstimator
from pepa.agent.sys2.validation import PlanValidator
from pepa.agent.sys2.world_model import WorldModel
from pepa.conditions import condition_holds, firing_goals
from pepa.knowledge import WorldKnowledge
from pepa.messages import (
    TERMINAL_REQUEST_STATES,
    CandidateKind,
    DailyGoal,
    Decision,
    Plan,
    PlanSource,
    Pose,
    RequestPriority,
    RequestState,
    SkillCall,
    SkillResult,
    SkillStatus,
    UserRequest,
)
from pepa.reward_features import FEATURES
from pepa.world_state import WorldState

if TYPE_CHECKING:
    from pepa.building.layout import Building

log = logging.getLogger(__name__)

PRESENCE_FILE = "presence.json"
SYS2_DIR = Path("sys2")
"""Sys2's files (request journal, presence) live in this folder of a data directory."""
GoalFilter = Callable[[list[DailyGoal], WorldState, WorldKnowledge], list[DailyGoal]]


class RewardWeights(Protocol):
    """Sys3's intrinsic reward as Sys2 reads it: the current weights (reflection moves them)."""

    @property
    def weights(self) -> Mapping[str, float]: ...


class Traits(Protocol):
    """The one Big Five score Sys2 reads (to pick the emotions an idle robot expresses)."""

    @property
    def extraversion(self) -> float: ...


class PersonalityLike(Protocol):
    """What Sys2 needs of a personality (:class:`pepa.personalities.model.Personality`)."""

    @property
    def name(self) -> str: ...
    @property
    def big_five(self) -> Traits: ...
    @property
    def preferred_skills(self) -> Sequence[str]: ...
    @property
    def requests(self) -> RequestPolicyLike: ...
    @property
    def battery_reserve(self) -> float: ...
    def weights(self) -> Mapping[str, float]: ...


class Deliberator:
    """Sys2: parsing, the request queue, arbitration by MCTS, validation and re-planning."""

    def __init__(
        self,
        knowledge: WorldKnowledge,
        *,
        personality: PersonalityLike | None = None,
        reward: RewardWeights | None = None,
        building: Building | None = None,
        travel: TravelEstimator | None = None,
        config: Sys2Config | None = None,
        data_dir: Path | None = None,
        llm: StructuredLLM | None = None,
        goal_filter: GoalFilter = firing_goals,
    ) -> None:
        config = config or Sys2Config()
        if personality is not None:
            config = config.model_copy(update={"battery_reserve": personality.battery_reserve})
        self.config = config
        self.knowledge = knowledge
        self.personality = personality
        self.personality_name = personality.name if personality is not None else "default"
        self.reward = reward
        self.site = SiteMap.build(knowledge, building)
        self.lexicon = Lexicon.build(self.site)
        use_llm = llm is not None and llm.enabled
        self.parser = RequestParser(
            knowledge,
            self.lexicon,
            max_chars=config.max_parse_chars,
            llm=llm if use_llm and config.use_llm_parser else None,
        )
        self.data_dir = data_dir
        self.queue = RequestQueue.in_dir(data_dir) if data_dir is not None else RequestQueue()
        self.presence = PresenceModel(self.site)
        if data_dir is not None:
            self.presence.load(data_dir / PRESENCE_FILE)
        self.model = WorldModel(
            self.site, travel or MapTravel(self.site, config.robot), self.presence, config
        )
        self.validator = PlanValidator(knowledge, self.model)
        self.replanner = Replanner(knowledge, self.site, self.presence, config.max_replans)
        self.mcts = MCTS(self.model, config)
        self.proposer = (
            LLMPlanProposer(llm, knowledge)
            if llm is not None and use_llm and config.use_llm_proposals
            else None
        )
        self.goal_filter = goal_filter
        self.goals: list[DailyGoal] = []
        # goals met by a plan that succeeded; one fires again only once its condition has been
        # false while the robot was idle ("take a close look at X if idle" holds right after
        # the look: without this it was chosen again every few seconds, all day)
        self._met: set[str] = set()
        preferred = frozenset(personality.preferred_skills if personality is not None else ())
        self.options = OptionBuilder(
            knowledge, self.site, self.presence, config, preferred, _emotions_for(personality)
        )
        self.current: Decision | None = None
        self.last_search: SearchResult | None = None
        self._attempts = 0
        self._serial = 0
        self._considered: set[str] = set()
        # accepted requests the last search had among its options
        self._weighed: set[str] = set()
        self._state: WorldState | None = None
        self._day: int | None = None
        self.queue.recover(0.0)

    # --- requests -------------------------------------------------------------------------

    def submit_text(
        self,
        text: str,
        now: float,
        *,
        sender: str = "console",
        place: str | None = None,
        person: str | None = None,
        priority: RequestPriority = RequestPriority.NORMAL,
        deadline: float | None = None,
    ) -> UserRequest:
        """Take raw text from a console: empty or over-long text is recorded and declined."""
        stripped = text.strip()
        problem = None
        if not stripped:
            problem = "request text is empty"
            stripped = "(empty request)"
        elif len(stripped) > UserRequest.MAX_TEXT:
            problem = (
                f"request text is {len(stripped)} characters; at most "
                f"{UserRequest.MAX_TEXT} are taken — please shorten it"
            )
            stripped = stripped[: UserRequest.MAX_TEXT - 1] + "…"
        req = UserRequest(
            text=stripped,
            sender=(sender or "console")[:64],
            priority=priority,
            created_at=now,
            deadline=deadline,
            place=place if place is None or len(place) <= 64 else None,
            person=person if person is None or len(person) <= 64 else None,
        )
        if problem is not None:
            self.queue.add(req, now)
            return self.queue.move(req.id, RequestState.DECLINED, now, problem)
        return self.submit(req, now)

    def submit(self, request: UserRequest, now: float | None = None) -> UserRequest:
        """Acknowledge a request (persisted at once) and give it its first state."""
        now = request.created_at if now is None else now
        self.queue.add(request, now)
        return self._process(request, now)

    def clarify(self, request_id: str, text: str, now: float) -> UserRequest:
        """New wording for a request that awaits clarification; it is parsed again."""
        req = self.queue.get(request_id)
        if req.state != RequestState.CLARIFICATION:
            raise ValueError(
                f"request {request_id} is {req.state.value}, not awaiting clarification"
            )
        if not text.strip():
            raise ValueError(f"request {request_id}: the clarification text is empty")
        req.text = text.strip()[: UserRequest.MAX_TEXT]
        self.queue.move(request_id, RequestState.QUEUED, now, "clarified by the sender")
        return self._process(req, now)

    def cancel(
        self, request_id: str, now: float, reason: str = "cancelled by the user"
    ) -> UserRequest:
        """Cancel a request; if it is the one running, the current plan is dropped."""
        req = self.queue.cancel(request_id, now, reason)
        if self.current is not None and self.current.plan.request_id == request_id:
            self.current = None
            self._attempts = 0
        return req

    def requests(self, states: Iterable[RequestState] | None = None) -> list[UserRequest]:
        return self.queue.all(states)

    def request(self, request_id: str) -> UserRequest:
        return self.queue.get(request_id)

    def queue_counts(self) -> dict[str, int]:
        return self.queue.counts()

    def _process(self, req: UserRequest, now: float) -> UserRequest:
        robot_floor = self._state.floor if self._state is not None else None
        task = self.parser.parse(req, robot_floor)
        if task.status == "rejected":
            return self.queue.move(req.id, RequestState.DECLINED, now, task.reason)
        if task.status == "clarification":
            return self.queue.move(req.id, RequestState.CLARIFICATION, now, task.reason)
        if task.priority is not None and req.priority == RequestPriority.NORMAL:
            req.priority = task.priority
        if req.deadline is None and task.deadline_in_s is not None:
            req.deadline = now + task.deadline_in_s
        elif req.deadline is None and task.deadline_hour is not None:
            day_start = now - (now % 86_400.0)
            due = day_start + task.deadline_hour * 3600.0
            req.deadline = due if due > now else due + 86_400.0
        source = PlanSource.LLM if task.source == "llm" else PlanSource.RULE
        req.task = Plan(steps=task.steps, source=source, request_id=req.id, created_at=now)
        self.queue.update(req)
        state = self._state or self._nominal_state(now)
        check = self.validator.check(task.steps, state, self.config.battery_reserve)
        if not check.ok and not check.battery_problem:
            return self.queue.move(
                req.id, RequestState.DECLINED, now, "cannot be done: " + "; ".join(check.problems)
            )
        policy = self.personality.requests if self.personality is not None else None
        open_count = sum(1 for r in self.queue.open() if r.id != req.id)
        verdict, reason = judge_request(
            req,
            check,
            policy,
            self.personality_name,
            open_count,
            state.battery,
            self.current is not None,
            self.config.battery_reserve,
        )
        if verdict == RequestState.ACCEPTED and check.battery_problem:
            reason += "; it will charge first"
        return self.queue.move(req.id, verdict, now, reason)

    def _refresh_requests(self, state: WorldState, now: float) -> None:
        """Deferred requests come back: when the policy now accepts, or the deferral is over."""
        policy = self.personality.requests if self.personality is not None else None
        busy = self.current is not None
        for req in self.queue.all([RequestState.DEFERRED]):
            since = req.history[-1].time if req.history else req.created_at
            if policy is None:
                self.queue.move(req.id, RequestState.ACCEPTED, now, "accepted")
                continue
            verdict, why = policy.verdict(req.priority, 0, state.battery, busy)
            if verdict == "accept":
                self.queue.move(req.id, RequestState.ACCEPTED, now, f"taken up now: {why}")
            elif now - since >= policy.defer_max_s:
                self.queue.move(
                    req.id,
                    RequestState.ACCEPTED,
                    now,
                    f"taken up after waiting {(now - since) / 60:.0f} min",
                )

    # --- goals and reward -----------------------------------------------------------------

    def set_goals(self, goals: Sequence[DailyGoal]) -> None:
        """Sys3's daily goals for today (they fire when their conditions hold)."""
        self.goals = list(goals)
        self._met.clear()

    def weights(self) -> dict[str, float]:
        if self.reward is not None:
            return dict(self.reward.weights)
        if self.personality is not None:
            return dict(self.personality.weights())
        return dict.fromkeys(FEATURES, 0.5)

    # --- deciding -------------------------------------------------------------------------

    def decide(self, state: WorldState, now: float | None = None) -> Decision | None:
        """A decision when idle; while a plan runs, only one that preempts it."""
        now = state.time if now is None else now
        self._observe(state)
        self._refresh_requests(state, now)
        if self.current is not None:
            trigger = self._preemption_trigger(state)
            if trigger is None:
                return None
            decision = self._search(state, now, preface=f"Interrupting to act on {trigger}. ")
            cur = self.current
            if decision is None or carries_on(decision, cur):
                return None
            self._interrupt(now, f"preempted by: {decision.chosen.label}")
            self._adopt(decision, now)
            return decision
        decision = self._search(state, now)
        if decision is not None:
            self._adopt(decision, now)
        return decision

    def next_step(self) -> SkillCall | None:
        if self.current is None:
            return None
        plan = self.current.plan
        return plan.steps[plan.progress] if plan.progress < len(plan.steps) else None

    def _observe(self, state: WorldState) -> None:
        self._state = state
        self.presence.observe(state)
        if self._day != state.day:
            if self._day is not None and self.data_dir is not None:
                self.presence.save(self.data_dir / PRESENCE_FILE)
            self._day = state.day

    def _preemption_trigger(self, state: WorldState) -> str | None:
        cur = self.current
        assert cur is not None
        charging = any(s.skill == "dock_and_charge" for s in cur.plan.steps[cur.plan.progress :])
        to_dock = self.model.energy_to_dock(self.model.initial_state(state).place)
        if not charging and state.battery - to_dock < self.config.battery_reserve:
            key = f"battery:{cur.id}"
            if key not in self._considered:
                self._considered.add(key)
                return (
                    f"the battery ({state.battery:.0%}, reserve {self.config.battery_reserve:.0%})"
                )
        cur_urgent = False
        rid = cur.plan.request_id
        if rid is not None and rid in self.queue:
            cur_urgent = self.queue.get(rid).priority == RequestPriority.URGENT
        if cur_urgent:
            return None
        accepted = self.queue.all([RequestState.ACCEPTED])
        for req in accepted:
            if req.priority == RequestPriority.URGENT and req.id not in self._considered:
                self._considered.add(req.id)
                return f"an urgent request from {req.sender} ('{req.text[:60]}')"
        # What the robot chose for itself (a rest, a top-up, a round, a daily goal) is weighed
        # again against each request accepted meanwhile: whether the request wins is the
        # personality's weights' call, but a queue must not fill up unseen behind an hour's
        # discretionary charge. A need (the battery) and another request are not reopened.
        if cur.chosen.kind in (CandidateKind.IDLE, CandidateKind.GOAL):
            for req in accepted:
                if req.id not in self._weighed:
                    return f"a waiting request from {req.sender} ('{req.text[:60]}')"
        return None

    def _build_options(self, state: WorldState, now: float) -> list[Option]:
        reserve = self.config.battery_reserve
        to_dock = self.model.energy_to_dock(self.model.initial_state(state).place)
        needs = self.options.need_options(state, to_dock, reserve)
        if state.battery - to_dock < max(self.config.critical_battery, reserve * 0.5) and needs:
            return needs  # nothing else is responsible now
        pending = self.queue.all(
            [RequestState.ACCEPTED, RequestState.DEFERRED, RequestState.IN_PROGRESS]
        )
        self._weighed = {r.id for r in pending if r.state == RequestState.ACCEPTED}
        if state.idle:
            self._met = {
                g.id
                for g in self.goals
                if g.id in self._met and condition_holds(g.condition, state, self.knowledge)
            }
        armed = [g for g in self.goals if g.id not in self._met]
        goals = self.goal_filter(armed, state, self.knowledge)
        out = self.options.request_options(pending, now)
        out += self.options.goal_options(goals)
        out += needs
        out += self.options.idle_options(state, self._serial)
        return out

    def _search(self, state: WorldState, now: float, preface: str = "") -> Decision | None:
        options = self._build_options(state, now)
        if self.proposer is not None:
            options = self.proposer.propose(state, options, self.personality_name)
        if not options:
            return None
        self._serial += 1
        rng = random.Random(self.config.seed * 1_000_003 + self._serial)
        weights = self.weights()
        result = self.mcts.search(self.model.initial_state(state), options, weights, rng)
        self.last_search = result
        order = sorted(
            range(len(result.children)),
            key=lambda i: (-result.children[i].visits, -result.children[i].value, i),
        )
        for idx in order:
            stats = result.children[idx]
            opt = stats.option
            steps = list(opt.steps)
            check = self.validator.check(steps, state, self.config.battery_reserve)
            note = ""
            if not check.ok and check.battery_problem and opt.kind != CandidateKind.IDLE:
                steps = [SkillCall(skill="dock_and_charge"), *steps]
                check = self.validator.check(steps, state, self.config.battery_reserve)
                note = (
                    " It charges first: "
                    + "; ".join(
                        self.validator.check(
                            list(opt.steps), state, self.config.battery_reserve
                        ).problems
                    )
                    + "."
                )
            if not check.ok:
                log.info("plan for %s rejected: %s", opt.label, "; ".join(check.problems))
                if opt.kind == CandidateKind.REQUEST and opt.ref and not check.battery_problem:
                    self.queue.move(
                        opt.ref,
                        RequestState.FAILED,
                        now,
                        "plan failed validation: " + "; ".join(check.problems),
                    )
                continue
            scores = [candidate_score(result.children[i]) for i in order]
            text = explain(result, idx, weights, state, self.personality_name, preface) + note
            plan = Plan(
                steps=steps,
                source=opt.source,
                request_id=opt.ref if opt.kind == CandidateKind.REQUEST else None,
                goal_id=opt.ref if opt.kind == CandidateKind.GOAL else None,
                expected_reward=round(stats.value, 4),
                created_at=now,
            )
            return Decision(
                time=now,
                chosen=scores[order.index(idx)],
                plan=plan,
                candidates=scores,
                explanation=text,
                source=opt.source,
            )
        return None

    def _adopt(self, decision: Decision, now: float) -> None:
        self.current = decision
        self._attempts = 0
        rid = decision.plan.request_id
        if rid is not None and rid in self.queue:
            req = self.queue.get(rid)
            if req.state != RequestState.IN_PROGRESS:
                self.queue.move(
                    rid, RequestState.IN_PROGRESS, now, f"started: {decision.chosen.label}"
                )

    def interrupt(self, now: float, reason: str) -> None:
        """Drop the current plan (e.g. the safety guard took over); its request waits again."""
        self._interrupt(now, reason)

    def _interrupt(self, now: float, reason: str) -> None:
        cur = self.current
        self.current = None
        self._attempts = 0
        if cur is None or cur.plan.request_id is None or cur.plan.request_id not in self.queue:
            return
        req = self.queue.get(cur.plan.request_id)
        if req.state == RequestState.IN_PROGRESS:
            self.queue.move(req.id, RequestState.ACCEPTED, now, reason)

    # --- skill results --------------------------------------------------------------------

    def on_skill_result(
        self, result: SkillResult, state: WorldState | None = None
    ) -> Decision | None:
        """Advance the plan; on a failure, a repaired plan (a new decision) or None (gave up)."""
        cur = self.current
        now = result.ended_at
        if state is not None:
            self._observe(state)
        if cur is None:
            log.debug("skill result %s with no plan running", result.call.label())
            return None
        plan = cur.plan
        expected = self.next_step()
        if expected is not None and expected != result.call:
            log.warning(
                "result for %s, but the plan expected %s", result.call.label(), expected.label()
            )
        if result.status == SkillStatus.SUCCESS:
            plan.progress += 1
            self._save_progress(plan)
            if plan.progress >= len(plan.steps):
                self._finish(cur, now)
            return None
        if result.status == SkillStatus.CANCELLED:
            self._interrupt(now, f"interrupted: {result.reason or 'skill cancelled'}")
            return None
        return self._replan(cur, result, now)

    def _save_progress(self, plan: Plan) -> None:
        rid = plan.request_id
        if rid is None or rid not in self.queue:
            return
        req = self.queue.get(rid)
        req.task = plan.model_copy()
        self.queue.update(req)

    def _finish(self, cur: Decision, now: float) -> None:
        self.current = None
        self._attempts = 0
        if cur.plan.goal_id is not None:
            self._met.add(cur.plan.goal_id)
        rid = cur.plan.request_id
        if rid is not None and rid in self.queue:
            req = self.queue.get(rid)
            if req.state not in TERMINAL_REQUEST_STATES:
                minutes = (now - req.created_at) / 60.0
                self.queue.move(
                    rid, RequestState.DONE, now, f"completed {minutes:.0f} min after it was made"
                )

    def _give_up(self, cur: Decision, now: float, reason: str) -> None:
        self.current = None
        self._attempts = 0
        rid = cur.plan.request_id
        log.info("gave up on %s: %s", cur.chosen.label, reason)
        if rid is not None and rid in self.queue:
            req = self.queue.get(rid)
            if req.state not in TERMINAL_REQUEST_STATES:
                self.queue.move(rid, RequestState.FAILED, now, reason)

    def _replan(self, cur: Decision, result: SkillResult, now: float) -> Decision | None:
        person = missing_person(result)
        if person is not None and cur.chosen.kind == CandidateKind.IDLE:
            # a wish to see someone is not a search: learn the miss, choose anew
            self.replanner.missed(person, now)
            self._give_up(cur, now, f"{result.call.label()} failed ({result.reason})")
            return None
        repair = self.replanner.repair(cur.plan, result, self._attempts, now)
        if repair.steps is None:
            self._give_up(cur, now, repair.reason)
            return None
        state = self._state or self._nominal_state(now)
        check = self.validator.check(repair.steps, state, self.config.battery_reserve)
        steps = repair.steps
        if not check.ok and check.battery_problem:
            steps = [SkillCall(skill="dock_and_charge"), *steps]
            check = self.validator.check(steps, state, self.config.battery_reserve)
        if not check.ok:
            self._give_up(
                cur,
                now,
                f"{repair.reason}, but the new plan is invalid: " + "; ".join(check.problems),
            )
            return None
        attempts = self._attempts + 1
        plan = Plan(
            steps=steps[:32],
            source=PlanSource.RULE,
            request_id=cur.plan.request_id,
            goal_id=cur.plan.goal_id,
            expected_reward=cur.plan.expected_reward,
            created_at=now,
        )
        decision = Decision(
            time=now,
            chosen=cur.chosen,
            plan=plan,
            candidates=cur.candidates,
            explanation=(
                f"Re-planned {cur.chosen.label} (attempt {attempts} of "
                f"{self.config.max_replans}): {repair.reason}. New plan: "
                + ", ".join(s.label() for s in steps[:6])
                + "."
            ),
            source=PlanSource.RULE,
        )
        self.current = decision
        self._attempts = attempts
        self._save_progress(plan)
        return decision

    def _nominal_state(self, now: float) -> WorldState:
        """Before any perception: at the dock, full battery (used to judge early requests)."""
        loc = self.site.dock_location
        pose = Pose(x=loc.x, y=loc.y, floor=loc.floor) if loc else Pose(x=0.0, y=0.0, floor=0)
        return WorldState(time=now, battery=1.0, pose=pose, room=self.site.dock)


def _emotions_for(personality: PersonalityLike | None) -> tuple[str, ...]:
    """Outgoing personalities dance and jump; reserved ones wag and nod."""
    if personality is not None and personality.big_five.extraversion >= 0.6:
        return ("dance", "wag", "jump")
    return ("wag", "nod", "stretch")


def carries_on(decision: Decision, current: Decision) -> bool:
    """Whether a search during ``current`` chose to go on with it: the same option, or the
    same steps as are left of it (a charge for a need that has lapsed, chosen as a top-up)."""
    if (decision.chosen.ref, decision.chosen.kind) == (current.chosen.ref, current.chosen.kind):
        return True
    plan = current.plan
    return decision.plan.steps == plan.steps[plan.progress :]
