"""The user-request queue: every request, its state and its history, persisted atomically.

Principle: nothing acknowledged is lost. Each change is written to one JSON file under the
data directory (temporary file, fsync, rename, so a crash leaves the old or the new file,
never half of one), and reopening the queue restores every request with its history. Changes
made together (a request received, judged and started) can share one write in a
:meth:`RequestQueue.batch`; the caller acknowledges them after it. Only the transitions below
are allowed, so a request cannot jump from "declined" back to work.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from agent.messages import TERMINAL_REQUEST_STATES, RequestEvent, RequestState, UserRequest

log = logging.getLogger(__name__)

QUEUE_FILE = "requests.json"
FORMAT_VERSION = 1

S = RequestState
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.QUEUED: frozenset({S.CLARIFICATION, S.ACCEPTED, S.DEFERRED, S.DECLINED, S.CANCELLED}),
    S.CLARIFICATION: frozenset({S.QUEUED, S.DECLINED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.DEFERRED, S.FAILED, S.CANCELLED, S.DECLINED}),
    S.DEFERRED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.DECLINED, S.FAILED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.FAILED, S.CANCELLED, S.ACCEPTED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
}
OPEN_STATES = frozenset({S.QUEUED, S.ACCEPTED, S.DEFERRED, S.IN_PROGRESS})


class RequestQueue:
    """Requests in arrival order; ``path=None`` keeps them in memory only (tests, tools)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._requests: dict[str, UserRequest] = {}
        self._batch_depth = 0
        self._unsaved = False
        if path is not None and path.exists():
            self._load(path)

    @classmethod
    def in_dir(cls, data_dir: Path) -> RequestQueue:
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(data_dir / QUEUE_FILE)

    # --- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._requests)

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._requests

    def get(self, request_id: str) -> UserRequest:
        try:
            return self._requests[request_id]
        except KeyError:
            raise KeyError(f"unknown request id {request_id!r}") from None

    def all(self, states: Iterable[RequestState] | None = None) -> list[UserRequest]:
        wanted = None if states is None else frozenset(states)
        return [r for r in self._requests.values() if wanted is None or r.state in wanted]

    def open(self) -> list[UserRequest]:
        """Requests still to be served (queued, accepted, deferred or in progress)."""
        return self.all(OPEN_STATES)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in RequestState}
        for r in self._requests.values():
            out[r.state.value] += 1
        return out

    # --- changing -------------------------------------------------------------------------

    def add(self, request: UserRequest, time: float) -> UserRequest:
        """Acknowledge a request: it is on disk before this returns (or, inside a batch, before
        the batch ends)."""
        if request.id in self._requests:
            raise ValueError(f"request id {request.id!r} is already in the queue")
        if not request.history:
            request.history.append(RequestEvent(time=time, state=request.state, reason="received"))
        self._requests[request.id] = request
        self.save()
        return request

    def move(
        self, request_id: str, state: RequestState, time: float, reason: str = ""
    ) -> UserRequest:
        """Change a request's state, keeping the history; illegal transitions raise."""
        req = self.get(request_id)
        if state != req.state and state not in TRANSITIONS[req.state]:
            raise ValueError(
                f"request {request_id}: cannot go from {req.state.value} to {state.value}"
            )
        req.move_to(state, time, reason)
        self.save()
        return req

    def cancel(
        self, request_id: str, time: float, reason: str = "cancelled by the user"
    ) -> UserRequest:
        req = self.get(request_id)
        if req.state in TERMINAL_REQUEST_STATES:
            raise ValueError(
                f"request {request_id} is already {req.state.value} and cannot be cancelled"
            )
        return self.move(request_id, RequestState.CANCELLED, time, reason)

    def update(self, request: UserRequest) -> None:
        """Store changes made to a request's fields other than its state (e.g. its task)."""
        if request.id not in self._requests:
            raise KeyError(f"unknown request id {request.id!r}")
        self._requests[request.id] = request
        self.save()

    def recover(self, time: float) -> list[UserRequest]:
        """After a restart nothing is running: requests left in progress go back to accepted."""
        resumed = []
        for req in self.all([RequestState.IN_PROGRESS]):
            req.move_to(RequestState.ACCEPTED, time, "resumed after a restart")
            resumed.append(req)
        if resumed:
            self.save()
        return resumed

    # --- persistence ----------------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Changes inside are written once, when the outermost batch ends (however it ends);
        acknowledge them only after it."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._unsaved:
                self.save()

    def save(self) -> None:
        if self.path is None:
            return
        if self._batch_depth:
            self._unsaved = True
            return
        self._unsaved = False
        payload = {
            "format": FORMAT_VERSION,
            "requests": [r.model_dump(mode="json") for r in self._requests.values()],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: format: expected {FORMAT_VERSION}")
        items = data.get("requests")
        if not isinstance(items, list):
            raise ValueError(f"{path}: requests: expected a list")
        for i, item in enumerate(items):
            try:
                req = UserRequest.model_validate(item)
            except ValidationError as exc:
                raise ValueError(f"{path}: requests[{i}]: {exc.errors()[0]['msg']}") from None
            self._requests[req.id] = req
        log.info("request queue: %d requests restored from %s", len(self._requests), path)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
