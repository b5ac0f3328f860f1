"""Episodes on their way to episodic memory: numbered, batched, written once, off the sim thread.

Embedding an episode is the dearest thing the agent does in a simulated day (a MiniLM run per
caption), so the runtime writes episodes in batches, and on a writer thread of their own: the
model runs (outside the GIL) while the simulation goes on. At most one batch is in flight and
batches are written in the order they were recorded, so memory's content is the same as with
synchronous writes. :meth:`BatchedMemorySink.flush` is the barrier: it returns once everything
recorded so far is stored, and the runtime calls it before anything reads memory (the
reflection, a checkpoint, the end of a run). An episode counts as written only then.

Each episode gets a deterministic id (day and sequence number) so that a day run again after a
crash produces the same ids, and the ones already stored are skipped instead of duplicated.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pepa.messages import Experience

log = logging.getLogger(__name__)


class BatchedMemorySink:
    """An experience sink in front of :class:`pepa.memory.episodic.EpisodicMemory`.

    ``background=False`` writes on the caller's thread (same batches, same order).
    """

    def __init__(self, memory: Any, batch: int = 512, background: bool = True) -> None:
        if batch < 1:
            raise ValueError(f"batch must be >= 1, got {batch}")
        self.memory = memory
        self.batch = batch
        self.pending: list[Experience] = []
        self.written = 0
        self.skipped = 0
        self._day = -1
        self._seq = 0
        self._stored: set[str] = set()
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="memory-writer")
            if background
            else None
        )
        self._inflight: Future[int] | None = None

    def begin_day(self, day: int) -> None:
        """Number this day's episodes from zero; remember which of them memory already has."""
        self.flush()
        self._day = day
        self._seq = 0
        self._stored = {
            e.id
            for e in self.memory.iter_episodes(where={"day": day}, include_archived=True)
            if e.id.startswith(f"ep-d{day:05d}-")
        }
        if self._stored:
            log.info("day %d: %d episodes already in memory are kept", day, len(self._stored))

    def record(self, experience: Experience) -> str:
        if experience.day != self._day:
            self.begin_day(experience.day)
        eid = f"ep-d{experience.day:05d}-{self._seq:06d}"
        self._seq += 1
        if eid in self._stored:
            self.skipped += 1
            return eid
        self.pending.append(experience.model_copy(update={"id": eid}))
        if len(self.pending) >= self.batch:
            self.submit()
        return eid

    def submit(self) -> int:
        """Hand the pending episodes to the writer; returns how many (without waiting for them,
        unless the previous batch is still being written)."""
        if not self.pending:
            return 0
        batch, self.pending = self.pending, []
        self._wait()  # one batch in flight: order kept, and a slow writer holds the sim back
        if self._pool is None:
            self._write(batch)
        else:
            self._inflight = self._pool.submit(self._write, batch)
        return len(batch)

    def flush(self) -> int:
        """Write everything recorded so far; returns once it is in memory (how many this call
        handed over). A failed write is raised here (or at the next submit)."""
        n = self.submit()
        self._wait()
        return n

    def close(self) -> None:
        """Flush, then stop the writer thread."""
        try:
            self.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _write(self, batch: list[Experience]) -> int:
        self.memory.record_many(batch)
        self.written += len(batch)
        return len(batch)

    def _wait(self) -> None:
        fut, self._inflight = self._inflight, None
        if fut is not None:
            fut.result()  # re-raises what the writer raised
