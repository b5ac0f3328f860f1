"""The runtime living short days in the simulated office: determinism, the daily cycle,
people's requests, resuming after an interruption, and the console's read/write API.

Days are shortened (08:00-09:30) so the whole agent runs several of them in a test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pepa.agent.experiment import SUMMARY_FILE, run_experiment
from pepa.agent.metrics import CATEGORIES
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.agent.sys2.request_queue import LEGACY_QUEUE_FILE, QUEUE_FILE, RequestQueue
from pepa.building.layout import load_building
from pepa.clock import SimClock, at
from pepa.memory.embedders import EmbedderKind, embedder
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.store import recorded_embedder
from pepa.messages import TERMINAL_REQUEST_STATES, RequestState
from pepa.sim.events import EventGenerator, PersonRequest

DAY_START, DAY_END = 8.0, 9.5


def _seed_with_early_request() -> int:
    """The first seed whose day 0 has a person's request in the first hour of the short day."""
    building = load_building()
    for seed in range(100):
        for ev in EventGenerator(building, seed).day(0):
            if isinstance(ev, PersonRequest) and at(0, 8.1) <= ev.t <= at(0, 8.8):
                return seed
    raise AssertionError("no seed gives a request between 08:06 and 08:48 on day 0")


SEED = _seed_with_early_request()


def _config(personality: str = "working") -> RuntimeConfig:
    return RuntimeConfig(
        personality=personality, seed=SEED, day_start_h=DAY_START, day_end_h=DAY_END
    )


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("two_days")
    run_experiment(_config(), 2, out)
    return out


def _summary(out: Path) -> dict:
    return json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))


def test_summary_has_every_metric_within_bounds(two_days: Path) -> None:
    s = _summary(two_days)
    for key in (
        "distance_m",
        "floors_visited",
        "rooms_visited",
        "coverage",
        "revisit_ratio",
        "elevator_rides",
        "time_share",
        "social_interactions",
        "requests",
        "battery_min",
        "skill_failures",
    ):
        assert key in s, key
    assert s["days"] == 2
    assert 0.0 < s["coverage"] <= 1.0
    assert 0.0 <= s["revisit_ratio"] <= 1.0
    assert s["distance_m"] > 0
    assert s["rooms_visited"] >= 2
    assert 0.0 <= s["battery_min"] <= 1.0
    assert set(s["time_share"]) == set(CATEGORIES)
    assert math.isclose(sum(s["time_share"].values()), 1.0, abs_tol=0.01)
    assert set(s["requests"]) >= {
        "received",
        "accepted",
        "deferred",
        "declined",
        "completed",
        "failed",
    }
    assert s["requests"]["received"] >= 1


def test_one_reflection_per_day_and_day_two_goals_come_from_day_one(two_days: Path) -> None:
    refl = sorted((two_days / "reflections").glob("day-*.json"))
    assert [p.name for p in refl] == ["day-0000.json", "day-0001.json"]
    day0 = json.loads(refl[0].read_text(encoding="utf-8"))
    goals1 = json.loads(
        (two_days / "sys3" / "goals" / "day-0001.json").read_text(encoding="utf-8")
    )
    assert goals1, "day 1 has goals"
    assert goals1 == day0["tomorrow_goals"]


def test_people_requests_from_the_sim_are_handled_with_history(two_days: Path) -> None:
    queue = RequestQueue(two_days / "sys2" / QUEUE_FILE)
    assert not (two_days / "sys2" / LEGACY_QUEUE_FILE).exists()
    from_people = [r for r in queue.all() if r.sender != "console"]
    assert from_people, "the simulated people asked for something"
    first = min(from_people, key=lambda r: r.created_at)
    assert first.created_at < at(0, 8.8)
    assert first.state in TERMINAL_REQUEST_STATES, (first.state, first.history)
    assert first.state != RequestState.CANCELLED
    states = [h.state for h in first.history]
    assert states[0] == RequestState.QUEUED and len(states) >= 2


def test_same_seed_gives_the_same_summary(two_days: Path, tmp_path: Path) -> None:
    run_experiment(_config(), 2, tmp_path)
    assert _summary(tmp_path) == _summary(two_days)


def _decisions(out: Path) -> list[str]:
    memory = EpisodicMemory(SimClock(at(2, 0.0)), out, create=False)
    found = memory.iter_episodes(where={"kind": "decision"}, include_archived=True)
    return [e.caption for e in sorted(found, key=lambda e: (e.time, e.caption))]


def test_the_agent_lives_the_same_days_whichever_embedder_keeps_its_memories(
    two_days: Path, tmp_path: Path
) -> None:
    # nothing the agent decides reads memory by similarity, so the fast static embedder is a
    # fair choice for benchmarks that measure behaviour, not recall
    assert _config().embedder == EmbedderKind.MINILM
    run_experiment(_config().model_copy(update={"embedder": EmbedderKind.STATIC}), 2, tmp_path)
    assert recorded_embedder(tmp_path / "memory").id == embedder(EmbedderKind.STATIC).id
    assert _summary(tmp_path) == _summary(two_days)
    assert _decisions(tmp_path) == _decisions(two_days) != []


def test_interrupted_run_resumes_without_duplicates(two_days: Path, tmp_path: Path) -> None:
    # Stop abruptly in the middle of day 1 (nothing flushed, no evening), as a crash would.
    rt = Runtime(_config(), tmp_path)
    rt.run_days(1)
    rt.advance_to(at(1, 9.0))
    assert rt.day == 1 and rt.days_done == [0]
    # The crash: episodes still pending are lost; the batch being written lands (a dead
    # process's writer thread cannot land it after the restart, so wait for it here).
    rt.sink.pending.clear()
    rt.sink.flush()
    del rt
    rt = Runtime(_config(), tmp_path)
    assert rt.day == 1 and rt.days_done == [0]
    rt.close()
    run_experiment(_config(), 2, tmp_path)
    assert sorted(p.name for p in (tmp_path / "reflections").glob("day-*.json")) == [
        "day-0000.json",
        "day-0001.json",
    ]
    # the resumed run is the uninterrupted one
    assert _summary(tmp_path) == _summary(two_days)
    from pepa.clock import SimClock
    from pepa.memory.episodic import EpisodicMemory

    mem = EpisodicMemory(SimClock(at(5, 0)), tmp_path, create=False)
    ids = [e.id for e in mem.iter_episodes()]
    assert len(ids) == len(set(ids))
    assert {e.day for e in mem.iter_episodes()} == {0, 1}
    # asking again for two days runs nothing more
    run_experiment(_config(), 2, tmp_path)
    assert _summary(tmp_path)["days"] == 2


def test_resume_with_other_settings_is_refused(two_days: Path) -> None:
    with pytest.raises(ValueError, match="holds another run"):
        Runtime(_config("lazy"), two_days)


def test_console_reads_and_requests_while_driven_step_by_step(tmp_path: Path) -> None:
    rt = Runtime(_config("working"), tmp_path)
    try:
        start = at(0, DAY_START)
        rt.advance_to(start + 300.0)
        assert rt.now == pytest.approx(start + 300.0)
        status = rt.status()
        assert status.personality == "Working"
        assert 0.0 <= status.battery <= 1.0
        everyone = {p.id for p in load_building().people}
        present = rt.people()
        assert present, "people have come in by 08:05"
        assert {p["id"] for p in present} <= everyone
        assert {e.elevator for e in rt.elevators()}
        assert rt.decisions(), "Sys2 decided something in five minutes"
        req = rt.submit_request("please go to the kitchen_1")
        assert req.state in {RequestState.ACCEPTED, RequestState.DEFERRED}, req
        bad = rt.submit_request("   ")
        assert bad.state == RequestState.DECLINED and "empty" in bad.reason
        unknown = rt.submit_request("please go to the moon base")
        assert unknown.state in {RequestState.CLARIFICATION, RequestState.DECLINED}
        rt.advance_to(start + 1800.0)
        assert rt.now == pytest.approx(start + 1800.0)
        got = {r.id: r for r in rt.requests()}
        assert got[req.id].state != RequestState.QUEUED
        other = rt.submit_request("please go to the lounge")
        cancelled = rt.cancel_request(other.id)
        assert cancelled.state == RequestState.CANCELLED
        rt.advance_to(start + 1900.0)
    finally:
        rt.close()
