"""The public context: the latest :class:`WorldState`, written by Sys1, read by everyone else.

One writer (Sys1 perception) and many readers (Sys2, Sys3, the console, later a perception /
generation pipeline) on possibly different threads. The store is double-buffered: the writer
fills the back slot and flips the index under a lock, so a reader always gets a whole,
consistent snapshot, never a half-written one, and never blocks the writer for longer than
the flip. Every publication gets a version number; readers can wait for a newer one.

The back slot keeps the previous publication, so a reader can also ask for a given version
(:meth:`PublicContext.fetch`): the onboard pipeline's generation stage reads the perception of
the same frame (``fetch_offset`` 0) or of the previous one (-1). The store holds any value
type (``kind``); Sys1 uses it for :class:`WorldState`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pepa.world_state import WorldState

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """A published state and its version (1, 2, …); version 0 is the initial state."""

    version: int
    state: T


class PublicContext(Generic[T]):
    """A versioned, double-buffered, thread-safe store of the latest world state."""

    def __init__(self, initial: T, kind: type | None = None) -> None:
        self._kind: type = kind or WorldState
        if not isinstance(initial, self._kind):
            raise TypeError(
                f"public context: expected a {self._kind.__name__}, got {type(initial).__name__}"
            )
        self._slots: list[Snapshot[T]] = [Snapshot(0, initial), Snapshot(0, initial)]
        self._front = 0
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._listeners: list[Callable[[Snapshot[T]], None]] = []

    @property
    def version(self) -> int:
        with self._cond:
            return self._slots[self._front].version

    def snapshot(self) -> Snapshot[T]:
        """The latest state with its version (the state is a private copy: do not mutate it)."""
        with self._cond:
            return self._slots[self._front]

    def read(self) -> T:
        return self.snapshot().state

    def publish(self, state: T) -> int:
        """Make ``state`` the latest; returns its version."""
        if not isinstance(state, self._kind):
            raise TypeError(
                f"public context: expected a {self._kind.__name__}, got {type(state).__name__}"
            )
        with self._write_lock:
            back = 1 - self._front
            version = self._slots[self._front].version + 1
            with self._cond:
                # filled under the condition too, so the back slot is always the previous one
                self._slots[back] = Snapshot(version, state)
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
            data = current.model_dump()  # type: ignore[attr-defined]
            data.update(fields)
            new = type(current).model_validate(data)  # type: ignore[attr-defined]
        return self.publish(new)

    def fetch(self, version: int, timeout: float | None = None) -> Snapshot[T] | None:
        """Wait until ``version`` is published; return it if the buffer still holds it (the
        front or the back slot), else the newest (None on timeout)."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._slots[self._front].version >= version, timeout
            ):
                return None
            front = self._slots[self._front]
            back = self._slots[1 - self._front]
            return back if back.version == version and front.version != version else front

    def previous(self) -> Snapshot[T]:
        """The publication before the latest (the back slot)."""
        with self._cond:
            return self._slots[1 - self._front]

    def wait_newer(self, version: int, timeout: float | None = None) -> Snapshot[T] | None:
        """Block until a state newer than ``version`` is published (None on timeout).

        The timeout is a thread-synchronisation bound, not simulated time.
        """
        with self._cond:
            ok = self._cond.wait_for(lambda: self._slots[self._front].version > version, timeout)
            return self._slots[self._front] if ok else None

    def subscribe(self, listener: Callable[[Snapshot[T]], None]) -> Callable[[], None]:
        """Call ``listener`` after each publication (on the writer's thread); returns an
        unsubscribe function."""
        with self._write_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._write_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
