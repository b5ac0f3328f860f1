"""Distillation data: the agent lives its days in the simulated office and every decision Sys2
makes becomes a labelled example for the onboard policy.

One simulated day per job: a fresh world (seeded per personality and day), Sys1 with oracle
perception to move fast, Sys2 with the personality's daily goals and people's requests. At
each moment Sys2 decides (when Sys1 is idle, on a preemption check, on a repair), the camera
frame is rendered and read by the real ArUco detector, and the example records what the robot
knew *before* Sys2 decided: the world state, the frame, the markers, the goals that fire and
the open requests' next steps; the label is the first step of Sys2's plan.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.policy.features import FeatureSpec, Intention, Observation
from pepa.agent.policy.intentions import intentions_of
from pepa.agent.policy.vocab import PolicyVocab, VocabError
from pepa.agent.sys1.config import PerceptionConfig, Sys1Config, control_for
from pepa.agent.sys1.executor import Sys1
from pepa.agent.sys1.perception import CameraDetector
from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.deliberator import Deliberator
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.agent.sys3.daily_goals import DailyGoalEngine
from pepa.agent.sys3.day_stats import DayStats
from pepa.agent.sys3.reward import IntrinsicReward
from pepa.agent.sys3.self_model import SelfModel
from pepa.building.layout import DEFAULT_WORLD, Building, load_building
from pepa.clock import at
from pepa.messages import Decision, SkillCall, SkillResult, SkillStatus, UserRequest
from pepa.personalities import loader
from pepa.sim.events import PersonRequest
from pepa.sim.robot import RobotBase
from pepa.sim.robot_adapter import SimRobot, WorldTruth
from pepa.sim.world import World
from pepa.world_state import WorldState

log = logging.getLogger(__name__)

PREEMPT_CHECK_S = 120.0
IDLE_RETRY_S = 60.0
PLAN_LIMIT_S = 1800.0
"""A plan still running after this long is cut short (keeps examples coming)."""


class TeacherConfig(BaseModel):
    """Which days to live for data."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    personalities: tuple[str, ...] = ("lazy", "playful", "cautious", "working", "curious")
    days: int = Field(default=4, ge=1, le=365)
    seed: int = Field(default=0, ge=0)
    start_h: float = Field(default=8.0, ge=0, lt=24)
    end_h: float = Field(default=20.0, gt=0, le=24)
    world: str | None = None
    workers: int = Field(default=2, ge=1, le=64)
    source: Literal["sample", "run"] = Field(
        default="sample",
        description="sample: situations sampled over the day, Sys2 asked at each; "
        "run: the agent lives the day and every decision it makes is kept",
    )
    samples_per_day: int = Field(default=150, ge=1, le=100_000)


@dataclass(frozen=True)
class Example:
    """One distillation example."""

    personality: str
    day: int
    time: float
    observation: Observation
    target: tuple[int, ...]
    label: SkillCall


@dataclass(frozen=True)
class Situation:
    """What the robot knows at a decision point, before Sys2 decides (also the bench's unit)."""

    state: WorldState
    image: np.ndarray  # the full camera frame (RGB)
    sightings: list[Any]
    intentions: list[Intention]


class DayRunner:
    """The agent living one day, calling ``on_decision(situation, decision)`` for each."""

    def __init__(
        self,
        building: Building,
        personality_name: str,
        day: int,
        seed: int,
        start_h: float = 8.0,
        end_h: float = 20.0,
    ) -> None:
        self.building = building
        self.knowledge = knowledge_from_building(building)
        self.personality = loader.load(personality_name)
        self.day = day
        self.end = at(day, end_h)
        day_seed = seed * 100_003 + day * 101 + zlib.crc32(self.personality.name.encode())
        self.seed_value = day_seed
        self.world = World(building, seed=day_seed, start_time=at(day, start_h))
        self.robot = SimRobot(self.world)
        self.sys1 = Sys1(
            self.robot,
            building,
            config=Sys1Config(
                control=control_for(self.personality),
                perception=PerceptionConfig(mode="oracle"),
                seed=day_seed,
            ),
            truth=WorldTruth(self.world),
            now=self.world.now,
        )
        self.camera = CameraDetector(self.robot, building, self.sys1.config.perception)
        reward = IntrinsicReward(self.personality)
        goals = DailyGoalEngine(self.personality, self.knowledge, reward, seed).offline(
            day,
            DayStats(day=day),
            set(self.knowledge.places),
            SelfModel.build(self.personality, self.knowledge),
        )
        self.sys2 = Deliberator(
            self.knowledge,
            personality=self.personality,
            reward=reward,
            building=building,
            config=Sys2Config(seed=day_seed),
        )
        self.sys2.set_goals(goals)

    def situation(self) -> Situation:
        state = self.state()
        frame = self.robot.camera_frame()
        assert frame is not None
        sightings = self.camera.detect_in(frame)
        return Situation(
            state, frame.image, sightings, intentions_of(self.sys2, state, self.knowledge)
        )

    def state(self) -> WorldState:
        open_n = len(self.sys2.queue.open())
        st = self.sys1.live_state()
        return st.model_copy(update={"pending_requests": open_n, "time": self.world.now})

    def run(self, on_decision: Callable[[Situation, Decision], None]) -> int:
        world, sys1, sys2 = self.world, self.sys1, self.sys2
        handle = None
        started = 0.0
        next_decide = world.now
        next_preempt = world.now + PREEMPT_CHECK_S
        decisions = 0
        while world.now < self.end:
            now = world.now
            wake = sys1.tick(now)
            self._requests(now)
            decision: Decision | None = None
            situation: Situation | None = None
            for h in sys1.drain_finished():
                if h is not handle:
                    continue
                for res in h.results:
                    situation = self.situation()
                    decision = sys2.on_skill_result(res, situation.state)
                    if decision is not None:
                        break
                handle = None
                next_decide = now
            if decision is None and handle is not None and now - started > PLAN_LIMIT_S:
                sys1.cancel("taking too long")
                sys2.interrupt(now, "taking too long")
                handle = None
                next_decide = now
            if decision is None and not sys1.busy and handle is None and now >= next_decide:
                situation = self.situation()
                decision = sys2.decide(situation.state, now)
                if decision is None:
                    next_decide = now + IDLE_RETRY_S
            elif decision is None and handle is not None and now >= next_preempt:
                next_preempt = now + PREEMPT_CHECK_S
                situation = self.situation()
                decision = sys2.decide(situation.state, now)
            if decision is not None and situation is not None:
                on_decision(situation, decision)
                decisions += 1
                handle = sys1.run(decision.plan, source=decision.source)
                started = now
                next_preempt = now + PREEMPT_CHECK_S
                continue
            nxt = min(wake, self.end)
            if handle is None and not sys1.busy:
                nxt = min(nxt, next_decide)
            nxt = max(nxt, now + 1e-3)
            if world.robot.moving:
                world.step(nxt - now)
            else:
                world.skip(nxt)
        return decisions

    def _requests(self, now: float) -> None:
        for ev in self.world.poll_events():
            if not isinstance(ev, PersonRequest) or ev.id in self.sys2.queue:
                continue
            req = UserRequest(
                id=ev.id,
                text=ev.text[: UserRequest.MAX_TEXT],
                sender=ev.person_id,
                person=ev.person_id if ev.person_id in self.knowledge.people else None,
                place=ev.place if ev.place in self.knowledge.places else None,
                created_at=min(ev.t, now),
            )
            self.sys2.submit(req, now)


class DaySampler(DayRunner):
    """Situations sampled over a day: the robot is put in random places (sometimes on the
    dock) at increasing times with a random charge, looks around, and Sys2 is asked what it
    would do. Half of the decisions are then carried out (their requests get done), the rest
    dropped, so the queue and the goals evolve as the day goes on."""

    def run(self, on_decision: Callable[[Situation, Decision], None], samples: int = 150) -> int:
        world, sys2 = self.world, self.sys2
        rng = random.Random(self.seed_value)
        rooms = [r for r in self.building.rooms if r.id in self.knowledge.places]
        start = world.now
        times = sorted(rng.uniform(start, self.end) for _ in range(samples))
        made = 0
        for t in times:
            world.skip(max(t, world.now))
            now = world.now
            self._requests(now)
            charging = rng.random() < 0.12
            self._place_robot(rng, rooms, charging)
            # mostly well charged, sometimes low: the reserve decides only now and then
            battery = 0.05 + 0.95 * rng.betavariate(3.0, 1.2) * (0.9 if charging else 1.0)
            pose = self.robot.pose()
            perception = self.sys1.perception
            if rng.random() < 0.5 and rooms:
                extra = rng.choice(rooms).id
                perception.belief.visited_today.setdefault(extra, 1)
            perception.update(pose, now)
            state = perception.world_state(
                now, pose, battery, charging, None, [], len(sys2.queue.open())
            )
            frame = self.robot.camera_frame()
            assert frame is not None
            sightings = self.camera.detect_in(frame)
            sit = Situation(
                state, frame.image, sightings, intentions_of(sys2, state, self.knowledge)
            )
            decision = sys2.decide(state, now)
            if decision is None:
                continue
            on_decision(sit, decision)
            made += 1
            if rng.random() < 0.5:
                for step in decision.plan.steps:
                    done = SkillResult(
                        call=step, status=SkillStatus.SUCCESS, started_at=now, ended_at=now
                    )
                    sys2.on_skill_result(done, state)
            else:
                sys2.interrupt(now, "situation sampled for distillation")
        return made

    def _place_robot(self, rng: random.Random, rooms: list[Any], charging: bool) -> None:
        world = self.world
        if charging:
            d = self.building.dock
            x, y, floor = d.x, d.y, self.building.rooms_by_id[d.room].floor
        else:
            x, y, floor = 0.0, 0.0, 0
            for _ in range(50):
                room = rng.choice(rooms)
                x0, y0, x1, y1 = room.rect
                x, y, floor = (
                    rng.uniform(x0 + 0.5, x1 - 0.5),
                    rng.uniform(y0 + 0.5, y1 - 0.5),
                    room.floor,
                )
                fc = world.cspace.floors.get(floor)
                if fc is not None and fc.free_at(x, y, frozenset()):
                    break
        world.robot = RobotBase(
            self.building, x=x, y=y, theta=rng.uniform(-3.14159, 3.14159), floor=floor
        )


def building_of(world: str | None) -> Building:
    return load_building(DEFAULT_WORLD if world is None else world)


def _day_examples(
    args: tuple[TeacherConfig, str, int, int, int],
) -> list[Example]:
    cfg, personality, day, width, height = args
    building = building_of(cfg.world)
    cls = DaySampler if cfg.source == "sample" else DayRunner
    runner = cls(building, personality, day, cfg.seed, cfg.start_h, cfg.end_h)
    vocab = PolicyVocab.build(runner.knowledge)
    spec = FeatureSpec(runner.knowledge, vocab, width, height)
    out: list[Example] = []

    def keep(sit: Situation, decision: Decision) -> None:
        call = decision.plan.steps[0]
        try:
            target = tuple(vocab.encode(call))
        except VocabError as exc:
            log.debug("skipped a decision the vocabulary cannot express: %s", exc)
            return
        obs = spec.observation(sit.state, sit.image, sit.sightings, sit.intentions)
        out.append(Example(runner.personality.name, day, sit.state.time, obs, target, call))

    if isinstance(runner, DaySampler):
        runner.run(keep, cfg.samples_per_day)
    else:
        runner.run(keep)
    log.info("%s day %d: %d decisions", runner.personality.name, day, len(out))
    return out


def generate(
    config: TeacherConfig,
    width: int = 160,
    height: int = 120,
    progress: Callable[[str], None] | None = None,
) -> list[Example]:
    """Every decision of every (personality, day), in a stable order."""
    jobs = [
        (config, p, d, width, height) for p in config.personalities for d in range(config.days)
    ]
    for p in config.personalities:
        loader.load(p)  # a bad name fails here, before any worker starts
    results: list[list[Example]] = []
    if config.workers == 1 or len(jobs) == 1:
        for job in jobs:
            results.append(_day_examples(job))
            if progress:
                progress(f"{job[1]} day {job[2]}: {len(results[-1])} decisions")
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(config.workers, len(jobs)), mp_context=ctx) as pool:
            for job, res in zip(jobs, pool.map(_day_examples, jobs), strict=True):
                results.append(res)
                if progress:
                    progress(f"{job[1]} day {job[2]}: {len(res)} decisions")
    return [e for r in results for e in r]
