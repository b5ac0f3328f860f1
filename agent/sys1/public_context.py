"""The public context: the latest :class:`WorldState`, written by Sys1, read by everyone else.

One writer (Sys1 perception) and many readers (Sys2, Sys3, the console, later a perception /
generation pipeline) on possibly different threads. The store is double-buffered: the writer
fills the back slot and flips the index under a lock, so a reader always gets a whole,
consistent snapshot, never a half-written one, and never blocks the writer for longer than
the flip. Every publication gets a version number; readers can wait for a newer one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.world_state import WorldState


@dataclass(frozen=True)
class Snapshot:
    """A published state and its version (1, 2, …); version 0 is the initial state."""

    version: int
    state: WorldState


class PublicContext:
    """A versioned, double-buffered, thread-safe store of the latest world state."""

    def __init__(self, initial: WorldState) -> None:
        self._slots: list[Snapshot] = [Snapshot(0, initial), Snapshot(0, initial)]
        self._front = 0
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._listeners: list[Callable[[Snapshot], None]] = []

    @property
    def version(self) -> int:
        with self._cond:
            return self._slots[self._front].version

    def snapshot(self) -> Snapshot:
        """The latest state with its version (the state is a private copy: do not mutate it)."""
        with self._cond:
            return self._slots[self._front]

    def read(self) -> WorldState:
        return self.snapshot().state

    def publish(self, state: WorldState) -> int:
        """Make ``state`` the latest; returns its version."""
        if not isinstance(state, WorldState):
            raise TypeError(f"public context: expected a WorldState, got {type(state).__name__}")
        with self._write_lock:
            back = 1 - self._front
            version = self._slots[self._front].version + 1
            self._slots[back] = Snapshot(version, state)
            with self._cond:
                self._front = back
                self._cond.notify_all()
            listeners = list(self._listeners)
        snap = self._slots[back]
        for fn in listeners:
            fn(snap)
        return version

    def update(self, **fields: Any) -> int:
        """Publish a copy of the latest state with ``fields`` changed (validated)."""
        with self._write_lock:
            current = self._slots[self._front].state
            data = current.model_dump()
            data.update(fields)
            new = WorldState.model_validate(data)
        return self.publish(new)

    def wait_newer(self, version: int, timeout: float | None = None) -> Snapshot | None:
        """Block until a state newer than ``version`` is published (None on timeout).

        The timeout is a thread-synchronisation bound, not simulated time.
        """
        with self._cond:
            ok = self._cond.wait_for(lambda: self._slots[self._front].version > version, timeout)
            return self._slots[self._front] if ok else None

    def subscribe(self, listener: Callable[[Snapshot], None]) -> Callable[[], None]:
        """Call ``listener`` after each publication (on the writer's thread); returns an
        unsubscribe function."""
        with self._write_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._write_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
