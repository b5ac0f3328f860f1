"""The runtime's memory sink: batches written on a writer thread, flush as the barrier."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepa.agent.runtime.memory_sink import BatchedMemorySink
from pepa.clock import SimClock, at, day_of
from pepa.memory.episodic import EpisodicMemory, MemoryInputError
from pepa.messages import Experience, Pose


def _exp(i: int, room: str = "hall") -> Experience:
    t = at(0, 8.0) + i * 30.0
    return Experience(
        time=t,
        day=day_of(t),
        floor=0,
        room=room,
        pose=Pose(x=float(i), y=0.0, floor=0),
        kind="percept",
        caption=f"saw landmark number {i} in the hall",
        importance=0.5,
    )


def _memory(path: Path) -> EpisodicMemory:
    return EpisodicMemory(SimClock(at(0, 20.0)), path, known_places={0: {"hall"}})


@pytest.mark.parametrize("background", [True, False])
def test_flush_returns_once_every_episode_is_stored_in_order(
    tmp_path: Path, background: bool
) -> None:
    mem = _memory(tmp_path)
    sink = BatchedMemorySink(mem, batch=4, background=background)
    ids = [sink.record(_exp(i)) for i in range(10)]
    assert ids == [f"ep-d00000-{i:06d}" for i in range(10)]
    assert [e.id for e in sink.pending] == ids[8:]  # not a full batch yet
    sink.flush()
    assert sink.written == 10 and not sink.pending
    stored = sorted(mem.iter_episodes(where={"day": 0}), key=lambda e: e.time)
    assert [e.id for e in stored] == ids
    assert [e.caption for e in stored] == [_exp(i).caption for i in range(10)]
    sink.close()


def test_a_failed_background_write_is_raised_at_the_flush(tmp_path: Path) -> None:
    mem = _memory(tmp_path)
    sink = BatchedMemorySink(mem, batch=2)
    sink.record(_exp(0))
    sink.record(_exp(1, room="nowhere"))  # a full batch: handed to the writer, which fails
    with pytest.raises(MemoryInputError, match="nowhere"):
        sink.flush()
    assert sink.written == 0  # nothing of that batch counts as written
    sink.record(_exp(2))
    sink.close()
    assert [e.id for e in mem.iter_episodes(where={"day": 0})] == ["ep-d00000-000002"]


def test_a_day_run_again_skips_the_episodes_already_stored(tmp_path: Path) -> None:
    mem = _memory(tmp_path)
    first = BatchedMemorySink(mem, batch=3)
    for i in range(5):
        first.record(_exp(i))
    first.close()
    again = BatchedMemorySink(mem, batch=3)  # the same day after a restart
    for i in range(7):
        again.record(_exp(i))
    again.close()
    assert (again.skipped, again.written) == (5, 2)
    assert len(list(mem.iter_episodes(where={"day": 0}))) == 7
