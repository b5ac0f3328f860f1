"""Sys3 reflecting through the project's episodic memory on ChromaDB."""

from __future__ import annotations

from pathlib import Path

from pepa.agent.sys3.memory_port import EpisodeStore, EpisodicMemoryPort
from pepa.agent.sys3.synthetic_days import office_world, synthetic_days
from pepa.agent.sys3.system import Sys3
from pepa.clock import SimClock, at
from pepa.memory.episodic import EpisodicMemory
from pepa.messages import ExperienceSource
from pepa.personalities.loader import load


def test_reflection_reads_the_day_from_chromadb_and_is_stored_there(tmp_path: Path) -> None:
    world = office_world()
    episodes = synthetic_days(world, days=1, seed=2)
    clock = SimClock(at(0, 23))
    port = EpisodicMemoryPort(EpisodicMemory(clock, tmp_path / "memory"))
    assert isinstance(port, EpisodeStore)
    for e in episodes:
        port.record(e)
    back = port.episodes(0)
    assert [e.id for e in back] == [e.id for e in episodes]
    assert [e.battery for e in back] == [e.battery for e in episodes]
    assert {e.request_id for e in back} == {e.request_id for e in episodes}
    sys3 = Sys3(load("Working"), world, tmp_path / "data", port, clock)
    r = sys3.reflect(0)
    assert r.tomorrow_goals and any(i.episode_ids for i in r.insights)
    stored = [e for e in port.episodes(0) if e.source == ExperienceSource.REFLECTION]
    assert len(stored) == 1 and stored[0].caption.startswith("Day 0 as Working")
