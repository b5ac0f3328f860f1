"""Bad input, store identity, reopening, crash durability and the shared-server mode."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from memory_streams import KNOWN_PLACES, episode, office_stream

from pepa.clock import SimClock, at, format_time
from pepa.memory.episodic import EpisodicMemory, MemoryInputError
from pepa.memory.query import MemoryQuery
from pepa.memory.store import MANIFEST, EmbeddingMismatchError, StoreError
from pepa.messages import Experience, Pose


@pytest.fixture
def memory(tmp_path: Path) -> EpisodicMemory:
    mem = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path, known_places=KNOWN_PLACES)
    mem.record_many(office_stream())
    return mem


def _good(**change) -> dict:
    base = episode(1, 18.0, 1, "lab", "tidied the lab", x=1.0, y=2.0).model_dump()
    base.update(change)
    return base


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caption": "  "}, "caption"),
        ({"caption": "x" * 8193}, "caption"),
        ({"time": at(3, 0.0), "day": 3}, "time"),
        ({"floor": 7, "pose": {"x": 0, "y": 0, "floor": 7}}, "floor"),
        ({"room": "ballroom"}, "room"),
        ({"pose": {"x": math.nan, "y": 0.0, "floor": 1}}, "pose.x"),
        ({"day": 0}, "day"),
        ({"pose": {"x": 0, "y": 0, "floor": 2}}, "pose.floor"),
        ({"importance": 1.5}, "importance"),
    ],
)
def test_bad_episode_is_refused_naming_the_field_and_nothing_is_touched(
    memory: EpisodicMemory, change: dict, field: str
) -> None:
    before = memory.stats()
    good = _good()
    with pytest.raises(MemoryInputError) as err:
        memory.record_many([good, _good(**change)])
    assert err.value.field == field
    assert field.split(".")[0] in str(err.value)
    assert memory.stats() == before  # the good episode of the batch was not stored either
    with pytest.raises(KeyError):
        memory.get(good["id"])


def test_nan_pose_smuggled_past_pydantic_is_still_refused(memory: EpisodicMemory) -> None:
    bad = Experience.model_construct(
        **{**_good(), "pose": Pose.model_construct(x=math.nan, y=0.0, theta=0.0, floor=1)}
    )
    with pytest.raises(MemoryInputError, match="pose"):
        memory.record(bad)


def test_stored_ids_are_never_overwritten(memory: EpisodicMemory) -> None:
    original = memory.get("ep-printer-1")
    with pytest.raises(MemoryInputError, match="already stored"):
        memory.record(_good(id="ep-printer-1"))
    with pytest.raises(MemoryInputError, match="twice"):
        memory.record_many([_good(id="ep-x"), _good(id="ep-x")])
    assert memory.get("ep-printer-1") == original


def test_reopening_gives_back_every_episode_exactly(tmp_path: Path) -> None:
    linked = episode(
        1,
        19.0,
        1,
        "office",
        "reported the errand done",
        skill="report",
        outcome="success",
        goal_id="dg-1",
        request_id="req-9",
        battery=0.42,
    )
    stream = [*office_stream(), linked]
    EpisodicMemory(SimClock(at(2, 0.0)), tmp_path).record_many(stream)
    again = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path, create=False)
    assert again.count() == len(stream)
    assert sorted(again.iter_episodes(), key=lambda e: e.id) == sorted(stream, key=lambda e: e.id)


def test_the_same_happening_at_two_times_is_embedded_alike_and_keeps_its_stamp(
    tmp_path: Path,
) -> None:
    stamped = [
        episode(1, hour, 1, "lab", f"{format_time(at(1, hour))}, lab: tidied the lab")
        for hour in (9.0, 17.5)
    ]
    unstamped = episode(1, 12.0, 1, "lab", "the kettle boiled over")
    memory = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path)
    memory.record_many([*stamped, unstamped])
    hits = memory.search({"text": "lab: tidied the lab", "k": 3})
    relevance = {h.episode.id: h.relevance for h in hits}
    first, second = (relevance[e.id] for e in stamped)
    assert first == pytest.approx(second, abs=1e-6)
    assert first == pytest.approx(1.0, abs=1e-4)  # the stamp is not in the vector
    stored = {e.id: e.caption for e in memory.iter_episodes()}
    assert [stored[e.id] for e in stamped] == [e.caption for e in stamped]
    assert unstamped.meaning() == unstamped.caption


def test_foreign_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "memory"
    store.mkdir()
    (store / "notes.txt").write_text("someone else's file")
    with pytest.raises(StoreError, match="not a memory store"):
        EpisodicMemory(SimClock(), tmp_path)
    assert sorted(p.name for p in store.iterdir()) == ["notes.txt"]


def test_damaged_manifest_is_refused_and_not_overwritten(memory: EpisodicMemory) -> None:
    manifest = Path(memory.location) / MANIFEST
    manifest.write_text("{ half a manifest")
    with pytest.raises(StoreError, match="damaged store manifest"):
        EpisodicMemory(SimClock(), Path(memory.location).parent)
    assert manifest.read_text() == "{ half a manifest"


def test_damaged_database_is_refused_and_not_overwritten(tmp_path: Path) -> None:
    mem = EpisodicMemory(SimClock(at(2, 0.0)), tmp_path)
    mem.record_many(office_stream())
    db = Path(mem.location) / "chroma" / "chroma.sqlite3"
    del mem
    # A copy of the store directory, so this process's cached client never sees it.
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "memory", copy / "memory")
    db = copy / "memory" / "chroma" / "chroma.sqlite3"
    garbage = b"this is not a sqlite database " * 1000
    db.write_bytes(garbage)
    with pytest.raises(StoreError, match="cannot open"):
        EpisodicMemory(SimClock(), copy)
    assert db.read_bytes() == garbage


def test_store_made_with_another_model_is_a_clear_error(memory: EpisodicMemory) -> None:
    manifest = Path(memory.location) / MANIFEST
    data = json.loads(manifest.read_text())
    data.update(model="text-embedding-3-small", dimension=1536)
    manifest.write_text(json.dumps(data))
    with pytest.raises(EmbeddingMismatchError, match="text-embedding-3-small"):
        EpisodicMemory(SimClock(), Path(memory.location).parent)


_WRITER = """
import sys
from pepa.clock import SimClock, at, day_of
from pepa.messages import Experience, Pose
from pepa.memory.episodic import EpisodicMemory

mem = EpisodicMemory(SimClock(at(10, 0.0)), sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    t = at(0, 8.0) + i * 60.0
    eid = mem.record(Experience(
        id=f"ep-crash-{i:05d}", time=t, day=day_of(t), floor=i % 3, room="hall",
        pose=Pose(x=float(i), y=0.0, floor=i % 3), caption=f"step {i} of the crash test",
    ))
    print(eid, flush=True)
    i += 1
"""


def _clean_env() -> dict[str, str]:
    """The parent's environment minus the ROS wheels' re-exec marker (see the design notes)."""
    return {k: v for k, v in os.environ.items() if k != "_ROS_WHEELS_BOOTSTRAP_COMPLETE"}


def test_every_acknowledged_episode_survives_kill_9(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    acked: list[str] = []
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        while len(acked) < 40:
            line = proc.stdout.readline().strip()
            assert line, "the writer stopped early"
            acked.append(line)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    mem = EpisodicMemory(SimClock(at(10, 0.0)), tmp_path, create=False)
    for eid in acked:
        assert mem.get(eid).caption.startswith("step ")
    # The index answers too, not only the log: every acked episode is findable by text.
    found = mem.search(MemoryQuery(text="step 3 of the crash test", k=len(acked) + 5))
    assert set(acked) <= {r.episode.id for r in found}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fleet_shares_one_memory_on_a_chroma_server(tmp_path: Path) -> None:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_clean_env(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60.0
        while True:
            try:
                robot_a = EpisodicMemory(SimClock(at(2, 0.0)), url=url)
                break
            except StoreError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        robot_b = EpisodicMemory(SimClock(at(2, 0.0)), url=url)
        stream = office_stream()
        robot_a.record_many(stream[:6])
        robot_b.record_many(stream[6:])
        assert robot_a.count() == robot_b.count() == len(stream)
        found = robot_a.search(MemoryQuery(text="printer jammed", floor=2, k=1))
        assert found[0].episode.id == "ep-printer-2"  # recorded by robot B
        near = robot_b.search(MemoryQuery(person="alice", order="oldest"))
        assert [r.episode.id for r in near] == ["ep-kitchen-1", "ep-kitchen-3"]
        report = robot_a.end_of_day(1)
        assert report.episodes_considered == len(stream)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="does not answer"):
        EpisodicMemory(SimClock(), url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(StoreError, match="http://HOST:PORT"):
        EpisodicMemory(SimClock(), url="ftp://nowhere")
