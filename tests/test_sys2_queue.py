"""The request queue: legal transitions with reasons, cancel, and persistence across reopen."""

from __future__ import annotations

from pathlib import Path

import pytest
from sys2_support import deliberator

from agent.messages import RequestState, UserRequest
from agent.sys2.request_queue import QUEUE_FILE, RequestQueue


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


def test_corrupt_queue_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / QUEUE_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=QUEUE_FILE):
        RequestQueue.in_dir(tmp_path)
    (tmp_path / QUEUE_FILE).write_text('{"format": 1, "requests": [{"text": ""}]}')
    with pytest.raises(ValueError, match=r"requests\[0\]"):
        RequestQueue.in_dir(tmp_path)


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
