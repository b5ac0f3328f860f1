"""Memory QA: questions from the simulator's record, answered through the memory's tools."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from study_support import hand_made_trace, office

from pepa.agent.study import memory_qa
from pepa.agent.study.memory_qa import (
    Question,
    QuestionKind,
    accuracy,
    ask,
    is_correct,
    make_questions,
)
from pepa.clock import SimClock, at
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.importance import OfflineImportanceScorer
from pepa.messages import Experience, Pose


def _episode(t: float, room: str, kind: str, caption: str, **extra: object) -> Experience:
    x, y = (13.0, 14.0) if room == "robotics_lab" else (10.0, 10.0)
    return Experience(
        time=t,
        day=0,
        floor=0,
        room=room,
        pose=Pose(x=x, y=y, floor=0),
        kind=kind,
        caption=caption,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def memory(tmp_path: Path) -> EpisodicMemory:
    """What the robot remembers of the hand-made day (the trace in study_support)."""
    t = at(0, 8.0)
    mem = EpisodicMemory(
        SimClock(at(1, 0.0)), tmp_path, importance_scorer=OfflineImportanceScorer()
    )
    mem.record_many(
        [
            _episode(t + 5, "corridor_0", "skill_start", "started explore()", skill="explore"),
            _episode(t + 100, "robotics_lab", "percept", "saw alice", people=["alice"]),
            _episode(t + 290, "robotics_lab", "skill_start", "started greet(person=alice)",
                     skill="greet", people=["alice"]),
            _episode(t + 300, "robotics_lab", "interaction", 'said to alice: "Hello!"',
                     skill="greet", people=["alice"]),
            _episode(t + 300, "robotics_lab", "skill_end", "finished greet(person=alice)",
                     skill="greet", outcome="success", people=["alice"]),
            # her request is done later, far from her: not a sighting
            _episode(t + 3000, "corridor_0", "request", "request from alice is done",
                     people=["alice"], outcome="done"),
            _episode(t + 400, "robotics_lab", "skill_end", "failed approach_person(person=bob)",
                     skill="approach_person", outcome="failure", people=["bob"]),
            # a ride inside navigate: no skill of its own, the car in the caption
            _episode(t + 20, "corridor_0", "elevator_ride",
                     "day 0 Mon 08:00:20, corridor_0: boarded elevator_b on floor 0 to ride "
                     "to floor 1"),
            _episode(t + 560, "robotics_lab", "skill_start", "started dock_and_charge()",
                     skill="dock_and_charge"),
            _episode(t + 560, "robotics_lab", "charging", "on the dock: charging from 40%",
                     outcome="started"),
            _episode(t + 700, "robotics_lab", "skill_end", "finished dock_and_charge()",
                     skill="dock_and_charge", outcome="success"),
            # then it rested on the dock, still charging, until it drove off
            _episode(t + 700, "robotics_lab", "skill_start", "started rest()", skill="rest"),
            _episode(t + 1000, "robotics_lab", "charging", "off the dock after 7 min",
                     outcome="stopped"),
            _episode(t + 1500, "robotics_lab", "charging", "on the dock: charging from 30%",
                     outcome="started"),  # and on it again when the day ended
        ]
    )  # fmt: skip
    return mem


def _q(kind: QuestionKind, truth: object, **params: object) -> Question:
    return Question(kind=kind, text=kind.value, params=params, truth=truth)


def test_answers_come_from_the_memory_tools(memory: EpisodicMemory) -> None:
    t = at(0, 8.0)
    questions = [
        _q(QuestionKind.LAST_SEEN, t + 310, person="alice"),
        _q(QuestionKind.LAST_SEEN, t + 3000, person="alice"),
        _q(QuestionKind.WHERE_AT, "robotics_lab", time=t + 350),
        _q(QuestionKind.WHERE_AT, "corridor_0", time=t + 350),
        _q(QuestionKind.ELEVATOR_RIDES, 1, elevator="elevator_b", day=0),
        _q(QuestionKind.ELEVATOR_RIDES, 0, elevator="elevator_a", day=0),
        _q(QuestionKind.MET_IN_ROOM, ["alice"], room="robotics_lab"),
        _q(QuestionKind.MET_IN_ROOM, [], room="ground_kitchen"),
        _q(QuestionKind.CHARGE_TIME, 720.0, day=0, until=t + 1800),
    ]
    results = ask(memory, questions)
    got = [(r.question.kind.value, r.answer, r.correct) for r in results]
    assert got == [
        ("last_seen", t + 300, True),
        ("last_seen", t + 300, False),  # 45 minutes off: beyond the tolerance
        ("where_at", "robotics_lab", True),
        ("where_at", "robotics_lab", False),
        ("elevator_rides", 1, True),
        ("elevator_rides", 0, True),
        ("met_in_room", ["alice"], True),  # bob was approached, but it failed
        ("met_in_room", [], True),
        ("charge_time", 740.0, True),  # 440 s charging, resting included, + 300 s at the end
    ]
    assert all(r.tool_calls >= 1 for r in results)
    acc = accuracy(results)
    assert acc["last_seen"] == (1, 2) and acc["charge_time"] == (1, 1)


def test_tolerances_and_unknown_answers() -> None:
    q = _q(QuestionKind.CHARGE_TIME, 10_000.0, day=0)
    assert is_correct(q, 11_400.0) and not is_correct(q, 11_600.0)
    assert not is_correct(_q(QuestionKind.LAST_SEEN, 100.0, person="x"), None)


def test_questions_from_the_hand_made_day_carry_exact_answers() -> None:
    tr = hand_made_trace()
    qs = make_questions([tr], office(), seed=0, per_kind=4)
    by_kind: dict[str, list[Question]] = {}
    for q in qs:
        by_kind.setdefault(q.kind.value, []).append(q)
    rides = {q.params["elevator"]: q.truth for q in by_kind["elevator_rides"]}
    assert rides == {"elevator_a": 1, "elevator_b": 2}
    assert [q.truth for q in by_kind["charge_time"]] == [420.0]
    met = {q.params["room"]: q.truth for q in by_kind["met_in_room"]}
    assert met["robotics_lab"] == ["alice"]
    assert all(met[r] == [] for r in met if r != "robotics_lab")
    for q in by_kind["where_at"]:
        assert q.truth in {"corridor_0", "robotics_lab"}
    assert make_questions([tr], office(), seed=0) == qs  # seeded, repeatable


def test_last_seen_truth_counts_only_moments_the_robot_looked() -> None:
    """The robot can only remember whom it looked at: a trace with its looks is judged at
    those, whatever its sampled poses saw in between."""
    from sys1_support import rig

    from pepa.agent.sys1.config import PerceptionConfig
    from pepa.agent.trace import DayTrace
    from pepa.sim.world import World

    r = rig(hour=10.5)  # eva at her desk in the robotics lab, seed 1
    r.call("approach_person", person="eva")
    t, p = r.world.now, r.sys1.ctx.pose
    facing = (t, p.floor, p.x, p.y, p.theta)
    away = (t + 5, p.floor, p.x, p.y, p.theta + 3.14159)
    start = at(0, 10.5)
    pose_rows = [(*facing, 1.0), (*away, 1.0)]
    looked_at = DayTrace(day=0, start=start, end=t + 10, poses=pose_rows, looks=[facing, away])
    looked_away = DayTrace(day=0, start=start, end=t + 10, poses=pose_rows, looks=[away])

    def seen(trace: DayTrace) -> dict[str, float]:
        world = World(office(), seed=1, start_time=trace.start)
        return memory_qa.sightings([trace], world, PerceptionConfig())

    assert seen(looked_at)["eva"] == pytest.approx(t)
    assert "eva" not in seen(looked_away)  # the sampled pose saw her; no look did
    no_looks = looked_away.model_copy(update={"looks": []})
    assert seen(no_looks)["eva"] == pytest.approx(t)  # a trace without looks: sampled poses


def test_last_seen_truth_reads_badges_as_the_oracle_does() -> None:
    """Around eva at her desk: the truth sees her from exactly the poses from which the
    oracle perception (without its random misses) reads her badge, back turned or not."""
    from sys1_support import rig

    from pepa.agent.sys1.config import PerceptionConfig
    from pepa.agent.sys1.perception import OracleDetector
    from pepa.agent.trace import DayTrace
    from pepa.robot import RobotPose
    from pepa.sim.robot_adapter import WorldTruth
    from pepa.sim.world import World

    r = rig(hour=10.5, seed=1)
    t = r.world.now
    eva = r.world.people.state("eva", t)
    assert eva is not None
    cfg = PerceptionConfig()
    truth_view = WorldTruth(r.world)
    oracle = OracleDetector(truth_view, cfg, building=office())
    agree, seen_from = 0, []
    for k in range(16):
        a = k * math.pi / 8
        pose = RobotPose(eva.x + 2.0 * math.cos(a), eva.y + 2.0 * math.sin(a), a + math.pi, 0)
        by_oracle = any(
            s.ident == "eva" and oracle.readable(s)
            for s in truth_view.visible(pose, math.radians(cfg.fov_deg), cfg.range_m)
        )
        look = (t, pose.floor, pose.x, pose.y, pose.theta)
        trace = DayTrace(day=0, start=t, end=t + 1, poses=[(*look, 1.0)], looks=[look])
        world = World(office(), seed=1, start_time=t)
        by_truth = "eva" in memory_qa.sightings([trace], world, cfg)
        agree += by_truth == by_oracle
        seen_from.append(by_truth)
    assert agree == 16
    assert any(seen_from) and not all(seen_from)  # her back is turned to some of them
