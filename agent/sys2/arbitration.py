"""Arbitration: which requests the personality takes on, what the candidates are, and why.

Three jobs, each with its reasons spelt out:

- acceptance: the personality's request policy (Working accepts all it can, Lazy defers what is
  not urgent, Curious and Playful defer while busy, Cautious defers on a low battery) plus
  Sys2's own check that a plan would not cut into a cautious robot's battery reserve;
- candidates: pending requests (extrinsic value from priority and deadline), Sys3's daily goals
  whose conditions hold, needs (charging), and idle options the personality may like
  (explore a floor, patrol, rest, socialise, express, look around);
- explanation: a sentence a person can read, comparing the choice with the runner-up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.mcts import ChildStats, SearchResult
from pepa.agent.sys2.options import Option
from pepa.agent.sys2.presence import PresenceModel
from pepa.agent.sys2.site_map import SiteMap
from pepa.agent.sys2.validation import PlanCheck
from pepa.clock import format_time
from pepa.knowledge import EMOTIONS, SKILLS, WorldKnowledge
from pepa.messages import (
    CandidateKind,
    CandidateScore,
    DailyGoal,
    RequestPriority,
    RequestState,
    SkillCall,
    UserRequest,
)
from pepa.reward_features import FEATURES, Feature
from pepa.world_state import WorldState

Verdict = tuple[RequestState, str]


class RequestPolicyLike(Protocol):
    """What Sys2 needs of a personality's request policy (``pepa.personalities.model``)."""

    @property
    def policy(self) -> object: ...
    @property
    def defer_max_s(self) -> float: ...

    def verdict(
        self, priority: RequestPriority, queue_len: int, battery: float, busy: bool
    ) -> tuple[str, str]: ...


def judge_request(
    request: UserRequest,
    check: PlanCheck,
    policy: RequestPolicyLike | None,
    personality: str,
    queue_len: int,
    battery: float,
    busy: bool,
    reserve: float,
) -> Verdict:
    """Accept, defer or decline a parsed, valid request — with the reason."""
    if policy is None:
        return RequestState.ACCEPTED, "accepted (no personality policy: accepts all it can)"
    verdict, why = policy.verdict(request.priority, queue_len, battery, busy)
    kind = str(getattr(policy.policy, "value", policy.policy))
    if verdict == "accept" and kind == "accept_if_safe":
        # a cautious robot does not let a request eat into its battery reserve
        after = check.battery_after - check.to_dock
        if after < reserve and not check.includes_charge:
            return (
                RequestState.DECLINED,
                f"{personality} declines: the task would leave {after:.0%} after the way back "
                f"to the dock, below its {reserve:.0%} battery reserve",
            )
    if verdict == "accept":
        return RequestState.ACCEPTED, f"{personality} accepts: {why}"
    if verdict == "defer":
        return (
            RequestState.DEFERRED,
            f"{personality} defers it: {why} (will take it up within "
            f"{policy.defer_max_s / 60:.0f} min)",
        )
    return RequestState.DECLINED, f"{personality} declines: {why}"


def expand_call(call: SkillCall) -> tuple[SkillCall, ...]:
    """A goal's single action with what it needs first (greeting someone means going to them)."""
    if call.skill in ("greet", "speak") and "person" in call.args:
        return (SkillCall(skill="approach_person", args={"person": call.args["person"]}), call)
    return (call,)


LATELY_S = 600.0
"""People seen within this are around to greet; someone greeted within it is not greeted again
(one greeting per encounter, however little else there is to do)."""
COMPANY_MIN_P = 0.3
"""The least chance, by the presence model, of finding someone where the robot would look."""


@dataclass
class OptionBuilder:
    """Builds the search's candidate options from the queue, the goals, needs and the idle."""

    knowledge: WorldKnowledge
    site: SiteMap
    presence: PresenceModel
    config: Sys2Config
    preferred_skills: frozenset[str] = frozenset()
    favourite_emotions: tuple[str, ...] = ("wag", "dance")

    def _prior(self, steps: Sequence[SkillCall]) -> float:
        return 2.0 if any(s.skill in self.preferred_skills for s in steps) else 1.0

    def _likely_company(self, state: WorldState, seen: set[str]) -> list[tuple[str, str]]:
        """(person, room) for the people not met today and not seen lately, each in the room
        the presence model finds likeliest now, likeliest first; only people the robot has
        seen at this hour before (a desk alone says nothing of who is in at night), none
        below :data:`COMPANY_MIN_P`, and none in the room it stands in (it would see them)."""
        found = []
        presence = self.presence
        for person in self.knowledge.people:
            if person in seen or state.met_today.get(person):
                continue
            if not presence.sightings(person, state.time):
                continue
            where = presence.where(person, state.time)
            if not where:
                continue
            room, p = where[0]
            if p >= COMPANY_MIN_P and room != state.room and room in self.knowledge.places:
                found.append((p, person, room))
        found.sort(key=lambda f: (-f[0], f[1]))
        return [(person, room) for _, person, room in found]

    def request_options(self, requests: Sequence[UserRequest], now: float) -> list[Option]:
        scales = self.config.reward
        out = []
        for req in requests:
            if req.task is None or req.state not in (
                RequestState.ACCEPTED,
                RequestState.DEFERRED,
                RequestState.IN_PROGRESS,
            ):
                continue
            steps = tuple(req.task.steps[req.task.progress :]) or tuple(req.task.steps)
            value = scales.extrinsic_weight * scales.priority_value[req.priority.value]
            deferred = req.state == RequestState.DEFERRED
            if deferred:
                value *= scales.deferred_factor
            who = req.sender if req.sender != "console" else "the console"
            out.append(
                Option(
                    kind=CandidateKind.REQUEST,
                    ref=req.id,
                    label=f"{_describe(steps)} for {who}'s request",
                    steps=steps,
                    extrinsic=value,
                    tau_s=scales.urgency_tau_s[req.priority.value],
                    deadline=req.deadline,
                    once=True,
                    prior=(3.0 if req.priority == RequestPriority.URGENT else 2.0)
                    * (0.5 if deferred else 1.0),
                    why=f"{req.priority.value}{', deferred' if deferred else ''}"
                    + (f", due {format_time(req.deadline)}" if req.deadline else ""),
                )
            )
        return out

    def goal_options(self, goals: Sequence[DailyGoal]) -> list[Option]:
        out = []
        for g in goals:
            if self.knowledge.problems(g.action):
                continue
            steps = expand_call(g.action)
            out.append(
                Option(
                    kind=CandidateKind.GOAL,
                    ref=g.id,
                    label=f"daily goal '{g.text}'",
                    steps=steps,
                    bonus=self.config.reward.goal_bonus * g.priority,
                    once=True,
                    prior=1.5 + g.priority,
                    why=f"goal priority {g.priority:.1f}",
                )
            )
        return out

    def top_up_level(self, reserve: float) -> float:
        """Below this charge an idle robot may top up: its own reserve plus a share of the span
        above it, so a robot that keeps a wider reserve also keeps a wider margin (a fixed
        level made every personality's lowest charge the same)."""
        return reserve + self.config.top_up_share * (1.0 - reserve)

    def need_options(self, state: WorldState, to_dock: float, reserve: float) -> list[Option]:
        margin = state.battery - to_dock - reserve
        charge = (SkillCall(skill="dock_and_charge"),)
        if state.charging and state.current_skill != "dock_and_charge":
            return []  # charging anyway (resting on the dock): no errand to the dock
        # while its own charge runs, carrying on is weighed against what came up meanwhile
        if margin < self.config.charge_need_margin:
            urgency = 1.0 - max(0.0, margin) / max(self.config.charge_need_margin, 1e-6)
            return [
                Option(
                    kind=CandidateKind.NEED,
                    ref="battery",
                    label="charge at the dock",
                    steps=charge,
                    bonus=1.0 + 2.0 * urgency,
                    once=True,
                    prior=3.0,
                    why=f"battery {state.battery:.0%}, reserve {reserve:.0%}",
                )
            ]
        if state.battery < self.top_up_level(reserve):
            return [
                Option(
                    kind=CandidateKind.IDLE,
                    ref="battery",
                    label="top up the battery at the dock",
                    steps=charge,
                    once=True,
                    prior=self._prior(charge),
                )
            ]
        return []

    def idle_options(self, state: WorldState, serial: int) -> list[Option]:
        out: list[Option] = []

        def add(label: str, *steps: SkillCall, ref: str | None = None) -> None:
            out.append(
                Option(
                    kind=CandidateKind.IDLE,
                    ref=ref,
                    label=label,
                    steps=tuple(steps),
                    prior=self._prior(steps),
                )
            )

        for floor in sorted(self.site.floor_names):
            if self.site.rooms_on(floor):
                add(f"explore floor {floor}", SkillCall(skill="explore", args={"floor": floor}))
        if self.site.rooms_on(state.floor):
            add(
                f"patrol floor {state.floor}",
                SkillCall(skill="patrol", args={"floor": state.floor}),
            )
        rest_s = self.config.idle_rest_s
        add(
            f"rest for {rest_s / 60:.0f} min", SkillCall(skill="rest", args={"duration_s": rest_s})
        )
        add("look around", SkillCall(skill="look_around"))
        emotions = [e for e in self.favourite_emotions if e in EMOTIONS] or list(EMOTIONS)
        emotion = emotions[serial % len(emotions)]
        add(f"express {emotion}", SkillCall(skill="express", args={"emotion": emotion}))
        # socialise: greet people seen lately and not greeted lately (those met least today
        # first, then the most recently seen), or go where people usually are at this hour
        seen = sorted(
            (p for p in state.people_in(within_s=LATELY_S) if p in self.knowledge.people),
            key=lambda p: (state.met_today.get(p, 0), -state.people_seen_at.get(p, 0.0), p),
        )
        greetable = [p for p in seen if state.time - state.met_at.get(p, -math.inf) > LATELY_S]
        for person in greetable[:2]:
            add(
                f"greet {person}",
                SkillCall(skill="approach_person", args={"person": person}),
                SkillCall(skill="greet", args={"person": person}),
                ref=person,
            )
        # look for company: people not met today nor seen lately, where they likely are now
        for person, room in self._likely_company(state, set(seen))[:2]:
            add(
                f"look for {person} in {room}",
                SkillCall(skill="navigate", args={"place": room}),
                SkillCall(skill="approach_person", args={"person": person}),
                SkillCall(skill="greet", args={"person": person}),
                ref=person,
            )
        busiest = [
            r
            for r, n in self.presence.busiest_rooms(state.time, state)
            if r in self.knowledge.places and n > 0.2
        ]
        if busiest and busiest[0] != state.room:
            room = busiest[0]
            add(
                f"socialise in {room}",
                SkillCall(skill="navigate", args={"place": room}),
                SkillCall(skill="speak", args={"text": "Hello everyone!"}),
                ref=room,
            )
        home = self.site.home
        if home is not None and state.room != home and "return_home" in SKILLS:
            add("return home", SkillCall(skill="return_home"))
        return out


def _describe(steps: Sequence[SkillCall]) -> str:
    main = next((s for s in steps if s.skill not in ("approach_person", "navigate")), steps[-1])
    if main.skill == "look_around" and steps[0].skill == "navigate":
        main = steps[0]
    args = [str(v) for k, v in sorted(main.args.items()) if k != "text"]
    verb = main.skill.replace("_", " ")
    return f"{verb} {' '.join(args)}".strip()


def candidate_score(stats: ChildStats) -> CandidateScore:
    return CandidateScore(
        kind=stats.option.kind,
        ref=stats.option.ref,
        label=stats.option.label,
        intrinsic=round(stats.mean("intrinsic"), 4),
        extrinsic=round(stats.mean("extrinsic"), 4),
        total=round(stats.value, 4),
        visits=stats.visits,
    )


def _top_feature(stats: ChildStats, weights: Mapping[str, float]) -> tuple[Feature, float]:
    best, best_v = Feature.ENERGY, -1.0
    for f in FEATURES:
        v = weights.get(f, 0.0) * stats.mean(f)
        if v > best_v:
            best, best_v = f, v
    return best, stats.mean(best)


def _why(stats: ChildStats, weights: Mapping[str, float]) -> str:
    o = stats.option
    parts = []
    if o.why:
        parts.append(o.why)
    if o.kind == CandidateKind.REQUEST:
        parts.append(f"extrinsic {stats.mean('extrinsic'):.2f}")
    feature, value = _top_feature(stats, weights)
    parts.append(f"{feature.label} {value:.2f}")
    return ", ".join(parts)


def explain(
    result: SearchResult,
    chosen: int,
    weights: Mapping[str, float],
    state: WorldState,
    personality: str,
    preface: str = "",
) -> str:
    """One paragraph: what was chosen, over what, and the numbers that decided."""
    ranked = sorted(
        range(len(result.children)),
        key=lambda i: (-result.children[i].visits, -result.children[i].value),
    )
    c = result.children[chosen]
    runner = next((result.children[i] for i in ranked if i != chosen), None)
    text = f"{preface}Chose to {c.option.label} ({_why(c, weights)})"
    if runner is not None:
        text += f" over {runner.option.label} ({_why(runner, weights)})"
    text += (
        f": search value {c.value:.2f}"
        + (f" vs {runner.value:.2f}" if runner is not None else "")
        + f" after {result.iterations} simulations. "
    )
    minutes = c.mean("duration") / 60.0
    text += (
        f"Expected about {minutes:.0f} min, success {c.success_rate:.0%}; battery "
        f"{state.battery:.0%}. Personality {personality}."
    )
    return text
