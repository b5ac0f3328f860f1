"""Episodes on their way to episodic memory: numbered, batched, written once.

Embedding an episode costs about 2 ms, so the runtime writes them in batches (and always
before anything reads memory: the reflection, a checkpoint, the end of a run). Each episode
gets a deterministic id (day and sequence number) so that a day run again after a crash
produces the same ids, and the ones already stored are skipped instead of duplicated.
"""

from __future__ import annotations

import logging
from typing import Any

from agent.messages import Experience

log = logging.getLogger(__name__)


class BatchedMemorySink:
    """An experience sink in front of :class:`memory.episodic.EpisodicMemory`."""

    def __init__(self, memory: Any, batch: int = 512) -> None:
        self.memory = memory
        self.batch = batch
        self.pending: list[Experience] = []
        self.written = 0
        self.skipped = 0
        self._day = -1
        self._seq = 0
        self._stored: set[str] = set()

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
            self.flush()
        return eid

    def flush(self) -> int:
        if not self.pending:
            return 0
        batch, self.pending = self.pending, []
        self.memory.record_many(batch)
        self.written += len(batch)
        return len(batch)
