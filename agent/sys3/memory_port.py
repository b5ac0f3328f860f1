"""What Sys3 needs from episodic memory, as a small protocol.

Sys3 reads a day's episodes and records its reflections; it does not care whether they live in
ChromaDB or in a list. :class:`EpisodeList` is the in-process implementation (tests, the
personality comparison); :class:`EpisodicMemoryPort` adapts the project's ChromaDB memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from pepa.messages import Experience


@runtime_checkable
class EpisodeStore(Protocol):
    def episodes(self, day: int) -> list[Experience]:
        """Every episode of ``day``, oldest first."""
        ...

    def record(self, experience: Experience) -> None: ...


class EpisodeList:
    """Episodes held in memory, in time order."""

    def __init__(self, episodes: Iterable[Experience] = ()) -> None:
        self._items: list[Experience] = sorted(episodes, key=lambda e: e.time)

    def episodes(self, day: int) -> list[Experience]:
        return [e for e in self._items if e.day == day]

    def record(self, experience: Experience) -> None:
        self._items.append(experience)
        self._items.sort(key=lambda e: e.time)

    def days(self) -> list[int]:
        return sorted({e.day for e in self._items})

    def __len__(self) -> int:
        return len(self._items)


class EpisodicMemoryPort:
    """Adapts :class:`pepa.memory.episodic.EpisodicMemory` to :class:`EpisodeStore`."""

    def __init__(self, memory: Any) -> None:
        self._memory = memory

    def episodes(self, day: int) -> list[Experience]:
        found = self._memory.iter_episodes(where={"day": day}, include_archived=True)
        return sorted(found, key=lambda e: (e.time, e.id))

    def record(self, experience: Experience) -> None:
        self._memory.record(experience)
