"""Live episodes per floor, archived ones apart: recall stays the same, moves lose nothing."""

from __future__ import annotations

from pathlib import Path

from memory_streams import KNOWN_PLACES, office_stream

from pepa.clock import DAY_S, SimClock, at
from pepa.memory import records
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery
from pepa.memory.store import collection


def _names(mem: EpisodicMemory) -> dict[str, int]:
    return {c.name: c.count() for c in mem._client.list_collections()}


def test_episodes_are_kept_per_floor_and_a_floor_recall_reads_only_its_floor(
    tmp_path: Path,
) -> None:
    mem = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path, known_places=KNOWN_PLACES)
    stream = office_stream()
    mem.record_many(stream)
    per_floor = {f: sum(e.floor == f for e in stream) for f in KNOWN_PLACES}
    names = _names(mem)
    for floor, n in per_floor.items():
        assert names[f"pepa_episodes_floor{floor}"] == n
    assert names["pepa_archive"] == 0
    found = mem.search(MemoryQuery(text="coffee machine", floor=2, k=50))
    assert found and {r.episode.floor for r in found} == {2}
    assert len(found) == per_floor[2]
    everywhere = mem.search(MemoryQuery(text="coffee machine", k=50))
    assert len(everywhere) == len(stream)


def test_archiving_moves_episodes_which_stay_recallable_with_the_flag(tmp_path: Path) -> None:
    clock = SimClock(at(9, 0.0))
    mem = EpisodicMemory(clock, tmp_path, known_places=KNOWN_PLACES)
    stream = office_stream()
    mem.record_many(stream)
    moved = mem.archive(older_than_s=2 * DAY_S, below_importance=1.0)
    assert moved == len(stream)
    names = _names(mem)
    assert names["pepa_archive"] == len(stream)
    assert all(n == 0 for name, n in names.items() if "_floor" in name)
    assert mem.search(MemoryQuery(text="printer", floor=2)) == []
    kept = mem.search(MemoryQuery(text="printer", floor=2, include_archived=True, k=50))
    assert {r.episode.floor for r in kept} == {2}
    assert all(r.episode.archived for r in kept)
    assert mem.count() == len(stream) and mem.count(include_archived=False) == 0
    assert mem.get("ep-printer-1").archived


def test_a_move_interrupted_by_a_crash_is_read_once_and_finished_next_time(
    tmp_path: Path,
) -> None:
    clock = SimClock(at(9, 0.0))
    mem = EpisodicMemory(clock, tmp_path, known_places=KNOWN_PLACES)
    stream = office_stream()
    mem.record_many(stream)
    # The crash: the copy into the archive was written, the delete from floor 2 was not.
    printer = mem.get("ep-printer-1")
    archive = mem._shards.archive
    archive.add(
        ids=[printer.id],
        embeddings=mem.embedder.embed([printer.caption]),
        documents=[printer.caption],
        metadatas=[records.to_metadata(printer.model_copy(update={"archived": True}))],
    )
    ids = [e.id for e in mem.iter_episodes(include_archived=True)]
    assert len(ids) == len(set(ids)) == len(stream)
    hits = mem.search(MemoryQuery(text="printer out of paper", k=50, include_archived=True))
    assert [r.episode.id for r in hits].count(printer.id) == 1
    assert mem.stats().episodes == len(stream)
    mem.archive(older_than_s=2 * DAY_S, below_importance=1.0)
    names = _names(mem)
    assert names["pepa_archive"] == len(stream) and names["pepa_episodes_floor2"] == 0


def test_a_store_from_before_the_sharding_is_moved_into_it_with_nothing_lost(
    tmp_path: Path,
) -> None:
    stream = office_stream()
    # The store (manifest, database) as the current build creates it, then the old layout.
    made = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path, known_places=KNOWN_PLACES)
    client = made._client
    for name in [c.name for c in client.list_collections()]:
        if name.startswith("pepa_episodes_floor") or name == "pepa_archive":
            client.delete_collection(name)
    legacy = collection(client, "pepa_episodes", "legacy", made.embedder)
    legacy.add(
        ids=[e.id for e in stream],
        embeddings=made.embedder.embed([e.caption for e in stream]),
        documents=[e.caption for e in stream],
        metadatas=[
            records.to_metadata(e.model_copy(update={"archived": e.floor == 0})) for e in stream
        ],
    )
    mem = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path, known_places=KNOWN_PLACES)
    names = _names(mem)
    assert "pepa_episodes" not in names
    assert names["pepa_archive"] == sum(e.floor == 0 for e in stream)
    again = sorted(mem.iter_episodes(), key=lambda e: e.id)
    assert [e.id for e in again] == sorted(e.id for e in stream)
    assert mem.get("ep-kitchen-1").caption == "had a chat with alice by the coffee machine"
