"""The request queue: legal transitions with reasons, cancel, and persistence across reopen:
the journal (append per save, torn tail, corrupt lines, compaction), the old single file's
migration, and the runtime checkpoint's copies of either."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sys2_support import deliberator

from pepa.agent.runtime.checkpoint import Checkpoint, CheckpointStore
from pepa.agent.runtime.runtime import MANAGED_FILES, SYS2_DIR
from pepa.agent.sys2 import request_queue
from pepa.agent.sys2.request_queue import LEGACY_QUEUE_FILE, QUEUE_FILE, RequestQueue
from pepa.messages import RequestState, UserRequest


def test_requests_survive_reopening_with_state_and_history(tmp_path: Path) -> None:
    q = RequestQueue.in_dir(tmp_path)
    a = q.add(UserRequest(text="go to the library", sender="alice"), time=10.0)
    b = q.add(UserRequest(text="dance"), time=11.0)
    q.move(a.id, RequestState.ACCEPTED, 12.0, "accepts every request it can")
    q.move(a.id, RequestState.IN_PROGRESS, 13.0, "started")
    q.cancel(b.id, 14.0, "changed my mind")
    again = RequestQueue.in_dir(tmp_path)
    assert [r.id for r in again.all()] == [a.id, b.id]
    ra = again.get(a.id)
    assert ra.state == RequestState.IN_PROGRESS
    assert [(e.state, e.reason) for e in ra.history] == [
        (RequestState.QUEUED, "received"),
        (RequestState.ACCEPTED, "accepts every request it can"),
        (RequestState.IN_PROGRESS, "started"),
    ]
    assert again.get(b.id).state == RequestState.CANCELLED
    # after a restart nothing runs: in-progress work goes back to accepted, with the reason
    (resumed,) = again.recover(20.0)
    assert resumed.state == RequestState.ACCEPTED and "restart" in resumed.reason
    assert not (tmp_path / (QUEUE_FILE + ".tmp")).exists()


def test_a_batch_writes_its_changes_once_when_it_ends(tmp_path: Path) -> None:
    q = RequestQueue.in_dir(tmp_path)
    path = tmp_path / QUEUE_FILE
    with q.batch():
        a = q.add(UserRequest(text="go to the library"), time=1.0)
        with q.batch():  # nested: still one write, at the outermost end
            q.move(a.id, RequestState.ACCEPTED, 2.0, "accepted")
        assert not path.exists(), "nothing is written before the batch ends"
        q.move(a.id, RequestState.IN_PROGRESS, 3.0, "started")
    again = RequestQueue.in_dir(tmp_path)
    assert [e.state for e in again.get(a.id).history] == [
        RequestState.QUEUED,
        RequestState.ACCEPTED,
        RequestState.IN_PROGRESS,
    ]
    with pytest.raises(ValueError, match="cannot go from done to queued"), q.batch():
        q.move(a.id, RequestState.DONE, 4.0, "arrived")
        q.move(a.id, RequestState.QUEUED, 5.0)
    assert RequestQueue.in_dir(tmp_path).get(a.id).state == RequestState.DONE, (
        "a batch that ends in an error still writes what changed before it"
    )


def test_illegal_transitions_and_double_cancel_raise_clear_errors(tmp_path: Path) -> None:
    q = RequestQueue.in_dir(tmp_path)
    r = q.add(UserRequest(text="dance"), time=0.0)
    q.move(r.id, RequestState.DECLINED, 1.0, "queue is full")
    with pytest.raises(ValueError, match="cannot go from declined to in_progress"):
        q.move(r.id, RequestState.IN_PROGRESS, 2.0)
    with pytest.raises(ValueError, match="already declined"):
        q.cancel(r.id, 2.0)
    with pytest.raises(KeyError, match="unknown request id"):
        q.get("req-nope")


def test_corrupt_old_format_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / LEGACY_QUEUE_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=LEGACY_QUEUE_FILE):
        RequestQueue.in_dir(tmp_path)
    (tmp_path / LEGACY_QUEUE_FILE).write_text('{"format": 1, "requests": [{"text": ""}]}')
    with pytest.raises(ValueError, match=r"requests\[0\]"):
        RequestQueue.in_dir(tmp_path)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _served(q: RequestQueue, text: str, t: float) -> UserRequest:
    """A request through its whole life: received, accepted, started, done (four saves)."""
    r = q.add(UserRequest(text=text), time=t)
    for k, state in enumerate((RequestState.ACCEPTED, RequestState.IN_PROGRESS)):
        q.move(r.id, state, t + k + 1, state.value)
    return q.move(r.id, RequestState.DONE, t + 3, "arrived")


def _dumps(q: RequestQueue) -> list[dict]:
    return [r.model_dump(mode="json") for r in q.all()]


def test_a_save_appends_one_line_and_reopening_replays_the_latest(tmp_path: Path) -> None:
    q = RequestQueue.in_dir(tmp_path)
    a = _served(q, "go to the library", 0.0)
    path = tmp_path / QUEUE_FILE
    assert len(_lines(path)) == 1 + 4, "a header, then one record per save"
    with q.batch():
        b = q.add(UserRequest(text="dance"), time=10.0)
        q.move(b.id, RequestState.DEFERRED, 11.0, "later")
        q.update(q.get(a.id))  # nothing changed in it: not written again
    assert len(_lines(path)) == 1 + 5, "a batch is one record"
    assert json.loads(_lines(path)[-1])["requests"][0]["id"] == b.id
    assert len(json.loads(_lines(path)[-1])["requests"]) == 1
    assert _dumps(RequestQueue.in_dir(tmp_path)) == _dumps(q)
    # a change made to a request object directly is written by save(), and only it
    q.get(b.id).reason = "edited in place"
    size = path.stat().st_size
    q.save()
    assert len(_lines(path)) == 1 + 6 and path.stat().st_size > size
    q.save()
    assert len(_lines(path)) == 1 + 6, "nothing changed, nothing written"
    assert RequestQueue.in_dir(tmp_path).get(b.id).reason == "edited in place"


def test_a_torn_last_line_is_ignored_with_a_warning_and_dropped_by_the_next_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    q = RequestQueue.in_dir(tmp_path)
    a = _served(q, "go to the library", 0.0)
    path = tmp_path / QUEUE_FILE
    whole = path.read_bytes()
    # a crash while the next save was being appended: part of its line, no newline
    b = q.add(UserRequest(text="dance"), time=5.0)
    path.write_bytes(whole + path.read_bytes()[len(whole) :][:-20])
    with caplog.at_level(logging.WARNING, logger="pepa.agent.sys2.request_queue"):
        again = RequestQueue.in_dir(tmp_path)
    assert "a write cut short" in caplog.text and QUEUE_FILE in caplog.text
    assert [r.id for r in again.all()] == [a.id], "the unacknowledged save is not there"
    assert again.get(a.id).state == RequestState.DONE
    # the next write does not glue its line to the torn one
    c = again.add(UserRequest(text="check the printer"), time=6.0)
    third = RequestQueue.in_dir(tmp_path)
    assert [r.id for r in third.all()] == [a.id, c.id]
    assert path.read_bytes().endswith(b"\n") and b.id.encode() not in path.read_bytes()


def test_a_corrupt_line_before_the_last_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    q = RequestQueue.in_dir(tmp_path)
    _served(q, "go to the library", 0.0)
    path = tmp_path / QUEUE_FILE
    lines = _lines(path)
    path.write_bytes(b"".join([*lines[:2], b'{"requests": [{"te\n', *lines[3:]]))
    with pytest.raises(ValueError, match=rf"{QUEUE_FILE}: line 3: not valid JSON"):
        RequestQueue.in_dir(tmp_path)
    path.write_bytes(b"".join([*lines[:2], b'{"requests": [{"text": ""}]}\n', *lines[3:]]))
    with pytest.raises(ValueError, match=r"line 3: requests\[0\]: .*empty"):
        RequestQueue.in_dir(tmp_path)
    path.write_bytes(b'{"format": 1}\n' + b"".join(lines[1:]))
    with pytest.raises(ValueError, match=r"line 1: .*format 2"):
        RequestQueue.in_dir(tmp_path)


def test_the_old_single_file_opens_and_is_migrated_by_the_first_write(tmp_path: Path) -> None:
    old = RequestQueue()  # the requests, written as the previous version wrote them
    a = _served(old, "go to the library", 0.0)
    b = old.add(UserRequest(text="dance", sender="alice"), time=4.0)
    old.move(b.id, RequestState.ACCEPTED, 5.0, "accepted")
    old.move(b.id, RequestState.IN_PROGRESS, 6.0, "started")
    payload = {"format": 1, "requests": _dumps(old)}
    legacy = tmp_path / LEGACY_QUEUE_FILE
    legacy.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    q = RequestQueue.in_dir(tmp_path)
    assert _dumps(q) == _dumps(old)
    assert legacy.exists() and not (tmp_path / QUEUE_FILE).exists(), "opening writes nothing"
    (resumed,) = q.recover(10.0)
    assert resumed.id == b.id
    assert not legacy.exists() and (tmp_path / QUEUE_FILE).exists()
    again = RequestQueue.in_dir(tmp_path)
    assert _dumps(again) == _dumps(q)
    assert [e.reason for e in again.get(a.id).history] == [
        "received",
        "accepted",
        "in_progress",
        "arrived",
    ]


def test_compaction_keeps_every_request_and_bounds_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_queue, "COMPACT_MIN_BYTES", 4096)
    q = RequestQueue.in_dir(tmp_path)
    path = tmp_path / QUEUE_FILE
    for i in range(20):
        _served(q, f"go to room {i}", 10.0 * i)
    # one long-lived request, put off and taken up again and again: a save each time
    r = q.add(UserRequest(text="water the plants"), time=500.0)
    sizes = []
    for k in range(200):
        state = RequestState.ACCEPTED if k % 2 == 0 else RequestState.DEFERRED
        q.move(r.id, state, 501.0 + k, f"change {k}")
        sizes.append(path.stat().st_size)
        live = sum(len(r.model_dump_json()) for r in q.all())
        assert sizes[-1] <= max(4096, request_queue.COMPACT_RATIO * live) + 2 * len(
            q.get(r.id).model_dump_json()
        ), f"the journal stays within a few times the live size (save {k})"
    shrunk = [k for k in range(1, len(sizes)) if sizes[k] < sizes[k - 1]]
    assert len(shrunk) >= 2, "the journal was compacted, more than once"
    again = RequestQueue.in_dir(tmp_path)
    assert _dumps(again) == _dumps(q) and len(again) == 21
    assert len(again.get(r.id).history) == 201
    assert not (tmp_path / (QUEUE_FILE + ".tmp")).exists()


def _bytes_of_two_saves(data_dir: Path, closed: int) -> tuple[int, int]:
    """Journal growth when a request arrives, then is accepted, beside ``closed`` others."""
    q = RequestQueue.in_dir(data_dir)
    with q.batch():
        for i in range(closed):
            r = q.add(UserRequest(id=f"req-old-{i:05d}", text=f"go to room {i}"), time=i)
            q.move(r.id, RequestState.DECLINED, i + 0.5, "queue is full")
    path = data_dir / QUEUE_FILE
    old = path.read_bytes()
    before = len(old)
    r = q.add(UserRequest(id="req-new", text="check the printer"), time=5000.0)
    added = path.stat().st_size - before
    q.move(r.id, RequestState.ACCEPTED, 5001.0, "accepted")
    moved = path.stat().st_size - before - added
    assert path.read_bytes()[:before] == old, "the saves only appended"
    assert len(RequestQueue.in_dir(data_dir)) == closed + 1
    return added, moved


def test_bytes_written_per_save_do_not_grow_with_closed_requests(tmp_path: Path) -> None:
    few = _bytes_of_two_saves(tmp_path / "few", 10)
    many = _bytes_of_two_saves(tmp_path / "many", 1000)
    # the same request, the same change: exactly the same bytes, whatever else is queued
    assert few == many
    assert 0 < few[0] < 1024 and 0 < few[1] < 1024


def test_checkpoint_restore_puts_back_the_mornings_queue_in_either_format(
    tmp_path: Path,
) -> None:
    store = CheckpointStore(tmp_path)
    sys2 = tmp_path / SYS2_DIR
    cp = Checkpoint(identity={"run": "queue"}, day=0)
    # a morning copied while the queue was still in the old single file
    old = RequestQueue()
    a = _served(old, "go to the library", 0.0)
    sys2.mkdir(parents=True)
    payload = {"format": 1, "requests": _dumps(old)}
    (sys2 / LEGACY_QUEUE_FILE).write_text(json.dumps(payload), encoding="utf-8")
    store.save(cp, list(MANAGED_FILES))
    cp = store.load()
    assert cp is not None and cp.files == [str(SYS2_DIR / LEGACY_QUEUE_FILE)]
    q = RequestQueue.in_dir(sys2)  # the day runs: the queue migrates and changes
    q.add(UserRequest(text="dance"), time=10.0)
    assert not (sys2 / LEGACY_QUEUE_FILE).exists()
    store.restore_files(cp, list(MANAGED_FILES))  # the day was cut short
    assert not (sys2 / QUEUE_FILE).exists()
    assert [r.id for r in RequestQueue.in_dir(sys2).all()] == [a.id]
    # a morning in the journal format: what the day appended is undone
    q = RequestQueue.in_dir(sys2)
    b = q.add(UserRequest(text="check the printer"), time=20.0)
    store.save(cp, list(MANAGED_FILES))
    cp = store.load()
    assert cp is not None and cp.files == [str(SYS2_DIR / QUEUE_FILE)]
    q.move(b.id, RequestState.ACCEPTED, 21.0, "accepted")
    q.add(UserRequest(text="dance"), time=22.0)
    store.restore_files(cp, list(MANAGED_FILES))
    back = RequestQueue.in_dir(sys2)
    assert [r.id for r in back.all()] == [a.id, b.id]
    assert back.get(b.id).state == RequestState.QUEUED


def test_deliberator_queue_persists_accepted_requests_across_restart(tmp_path: Path) -> None:
    d = deliberator("working", data_dir=tmp_path)
    req = d.submit_text("check the printer on floor 2", now=100.0, sender="alice")
    assert req.state == RequestState.ACCEPTED
    d2 = deliberator("working", data_dir=tmp_path)
    restored = d2.request(req.id)
    assert restored.state == RequestState.ACCEPTED
    assert restored.task is not None
    assert restored.task.steps[0].label() == "inspect(object=printer_print_room_2)"
    cancelled = d2.cancel(req.id, now=200.0)
    assert cancelled.state == RequestState.CANCELLED
    assert deliberator("working", data_dir=tmp_path).request(req.id).state == (
        RequestState.CANCELLED
    )
