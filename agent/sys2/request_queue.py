"""The user-request queue: every request, its state and its history, persisted durably.

Principle: nothing acknowledged is lost, and a write costs what changed, not what the queue
holds (the robot runs for days; finished requests stay, with their history). The queue lives
in an append-only journal of JSON lines under the data directory:

- line 1 is a header (``{"format": 2, ...}``);
- every later line is one *record*: the full snapshots of the requests one save changed.
  A save appends one record and fsyncs it, so a batch (a request received, judged and started)
  is all on disk or not at all, exactly as with one rewritten file;
- reopening replays the records, the last snapshot of each id wins (arrival order is kept);
  a last line without its newline is a write a crash cut short, never acknowledged: it is
  ignored with a warning (and dropped by the next write); any other bad line is an error
  naming the file and the line;
- when the journal has grown to ``COMPACT_RATIO`` times the latest snapshots, it is rewritten
  with only those (temporary file, fsync, rename, fsync of the directory: the old journal or
  the new one, never half of one). Each compaction follows at least ``COMPACT_RATIO - 1``
  times its own size in appends, so its cost per save is amortised.

A queue in the previous single-file format (``requests.json`` beside the journal) still
opens; the first write turns it into the journal and removes the old file. Opening never
writes (the runtime opens its checkpoint's morning copy too). Only the transitions below are
allowed, so a request cannot jump from "declined" back to work.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from pepa.messages import TERMINAL_REQUEST_STATES, RequestEvent, RequestState, UserRequest

log = logging.getLogger(__name__)

QUEUE_FILE = "requests.jsonl"
LEGACY_QUEUE_FILE = "requests.json"
QUEUE_FILES = (QUEUE_FILE, LEGACY_QUEUE_FILE)
"""Every file name a queue directory may hold (what a checkpoint of the directory copies)."""
FORMAT_VERSION = 2
LEGACY_FORMAT_VERSION = 1
JOURNAL_KIND = "pepa-request-journal"
COMPACT_RATIO = 4
COMPACT_MIN_BYTES = 256 * 1024
"""Below this the journal is never compacted: rewriting a small file gains nothing."""

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

_HEADER = (
    json.dumps({"format": FORMAT_VERSION, "kind": JOURNAL_KIND}, separators=(",", ":")) + "\n"
).encode()


class RequestQueue:
    """Requests in arrival order; ``path=None`` keeps them in memory only (tests, tools).

    ``path`` is the journal (``…/requests.jsonl``); the old single file is looked for beside
    it under the same name ending in ``.json``.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._requests: dict[str, UserRequest] = {}
        self._batch_depth = 0
        # what the journal holds: each id's latest snapshot as written, and the journal's size
        self._snapshots: dict[str, bytes] = {}
        self._live_bytes = 0
        self._journal_bytes = 0
        self._dirty: dict[str, None] = {}  # ids changed since the last write (ordered set)
        self._full_check = False
        self._rewrite = True  # the next write rewrites the journal (none yet, migration, …)
        self._legacy = (
            path.with_suffix(".json") if path is not None and path.suffix == ".jsonl" else None
        )
        if path is None:
            return
        if path.exists():
            self._load_journal(path)
            self._rewrite = False
            if self._legacy is not None and self._legacy.exists():
                log.warning("%s: superseded by %s; removed at the next write", self._legacy, path)
                self._rewrite = True
        elif self._legacy is not None and self._legacy.exists():
            self._load_legacy(self._legacy)

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
        self._changed(request.id)
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
        self._changed(request_id)
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
        self._changed(request.id)

    def recover(self, time: float) -> list[UserRequest]:
        """After a restart nothing is running: requests left in progress go back to accepted."""
        resumed = []
        with self.batch():
            for req in self.all([RequestState.IN_PROGRESS]):
                req.move_to(RequestState.ACCEPTED, time, "resumed after a restart")
                self._changed(req.id)
                resumed.append(req)
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
            if self._batch_depth == 0 and (self._dirty or self._full_check):
                self._persist()

    def save(self) -> None:
        """Write whatever differs from the journal, including changes made to request objects
        directly (the queue's own methods write their changes themselves). This compares
        every request, so it is for rare moments (shutdown, a personality switch)."""
        self._full_check = True
        self._persist()

    def _changed(self, request_id: str) -> None:
        self._dirty[request_id] = None
        self._persist()

    def _persist(self) -> None:
        if self.path is None:
            self._dirty.clear()
            self._full_check = False
            return
        if self._batch_depth:
            return  # the outermost batch writes what is still dirty when it ends
        ids = self._requests if self._full_check else self._dirty
        changed = {}
        for rid in ids:
            snap = self._requests[rid].model_dump_json().encode()
            if snap != self._snapshots.get(rid):
                changed[rid] = snap
        if changed or self._rewrite:
            self._write(changed)
        self._dirty.clear()
        self._full_check = False

    def _write(self, changed: dict[str, bytes]) -> None:
        """Append one record with ``changed``; rewrite instead when the journal is missing or
        not what this queue last wrote, and compact when it has grown too big."""
        assert self.path is not None
        if not self._rewrite and self.path.exists():
            record = b'{"requests":[' + b",".join(changed.values()) + b"]}\n"
            with open(self.path, "ab") as fh:
                if fh.tell() == self._journal_bytes:  # else: a torn tail, or a failed append
                    fh.write(record)
                    fh.flush()
                    os.fsync(fh.fileno())
                    self._journal_bytes += len(record)
                    self._remember(changed)
                    if self._journal_bytes > max(
                        COMPACT_MIN_BYTES, COMPACT_RATIO * self._live_bytes
                    ):
                        self._compact_now()
                    return
                log.warning(
                    "%s: %d bytes, %d expected (a torn last line or a failed write); "
                    "rewriting it from the queue",
                    self.path,
                    fh.tell(),
                    self._journal_bytes,
                )
        self._rewrite = True  # until a rewrite has succeeded
        self._remember(changed)
        self._compact()

    def _compact_now(self) -> None:
        """Compaction that is only due, not needed: the records are already on disk, so a
        failure (e.g. a full disk) is logged and the journal kept; it is tried again later."""
        try:
            self._compact()
        except OSError as exc:
            log.warning("%s: compaction failed, the journal is kept (%s)", self.path, exc)

    def _remember(self, changed: dict[str, bytes]) -> None:
        for rid, snap in changed.items():
            old = self._snapshots.get(rid)
            self._live_bytes += len(snap) - (len(old) if old is not None else 0)
            self._snapshots[rid] = snap

    def _compact(self) -> None:
        """Rewrite the journal atomically with each request's latest snapshot, in order."""
        assert self.path is not None
        for rid, req in self._requests.items():  # e.g. after a migration nothing is encoded
            if rid not in self._snapshots:
                self._remember({rid: req.model_dump_json().encode()})
        lines = [_HEADER]
        lines.extend(b'{"requests":[' + self._snapshots[rid] + b"]}\n" for rid in self._requests)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._journal_bytes = sum(len(line) for line in lines)
        self._rewrite = False
        if self._legacy is not None and self._legacy.exists():
            self._legacy.unlink()
            _fsync_dir(self.path.parent)
            log.info("request queue: %s migrated to %s", self._legacy, self.path)

    def _load_journal(self, path: Path) -> None:
        raw = path.read_bytes()
        lines = raw.split(b"\n")
        tail = lines.pop()  # empty when the file ends with its newline
        if tail:
            log.warning(
                "%s: the last line (%d bytes) has no end, a write cut short; ignored",
                path,
                len(tail),
            )
        if not lines:
            raise ValueError(f"{path}: line 1: missing the request journal header")
        try:
            header = json.loads(lines[0])
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: line 1: not valid JSON ({exc.msg})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"{path}: line 1: not a request journal header (expected format {FORMAT_VERSION})"
            )
        for n, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {n}: not valid JSON ({exc.msg})") from None
            items = record.get("requests") if isinstance(record, dict) else None
            self._take(items, f"{path}: line {n}")
        self._remember({rid: r.model_dump_json().encode() for rid, r in self._requests.items()})
        self._journal_bytes = len(raw) - len(tail)
        log.info("request queue: %d requests restored from %s", len(self._requests), path)

    def _load_legacy(self, path: Path) -> None:
        """The previous format: one JSON object with every request (migrated on first write)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != LEGACY_FORMAT_VERSION:
            raise ValueError(f"{path}: format: expected {LEGACY_FORMAT_VERSION}")
        self._take(data.get("requests"), str(path))
        log.info("request queue: %d requests restored from %s", len(self._requests), path)

    def _take(self, items: object, where: str) -> None:
        """Request snapshots read from a file (later ones replace earlier); an error names
        ``where`` (file, line) and the item."""
        if not isinstance(items, list):
            raise ValueError(f"{where}: requests: expected a list")
        for i, item in enumerate(items):
            try:
                req = UserRequest.model_validate(item)
            except ValidationError as exc:
                raise ValueError(f"{where}: requests[{i}]: {exc.errors()[0]['msg']}") from None
            self._requests[req.id] = req


def _fsync_dir(directory: Path) -> None:
    """Make a rename or removal itself durable (POSIX); harmless where directories cannot be
    opened."""
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
