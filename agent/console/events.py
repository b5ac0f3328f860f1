"""The event stream: backend updates pushed to a browser as server-sent events.

A backend calls its subscribers from its own threads (the pacing thread, a ROS executor);
each stream hands the events to the server's event loop through a bounded queue. A slow
browser never slows the robot: when its queue is full, the oldest status snapshot makes room
(a newer one follows anyway); request, reflection and personality events are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from pepa.agent.console.backend import ConsoleBackend, ConsoleEvent

log = logging.getLogger(__name__)


class EventQueue:
    """Thread-safe hand-over from a backend thread to one stream on the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, capacity: int) -> None:
        self.loop = loop
        self.capacity = capacity
        self.items: deque[ConsoleEvent] = deque()
        self.ready = asyncio.Event()
        self.dropped = 0

    def put(self, event: ConsoleEvent) -> None:
        """Called from any thread."""
        with contextlib.suppress(RuntimeError):  # a closed loop: the stream is gone
            self.loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: ConsoleEvent) -> None:
        if len(self.items) >= self.capacity:
            for i, old in enumerate(self.items):
                if old.kind == "status":
                    del self.items[i]
                    break
            else:
                self.items.popleft()
            self.dropped += 1
        self.items.append(event)
        self.ready.set()

    async def get(self, timeout: float) -> ConsoleEvent | None:
        if not self.items:
            self.ready.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), timeout)
        return self.items.popleft() if self.items else None


def format_sse(event: ConsoleEvent) -> bytes:
    data = json.dumps(event.data, separators=(",", ":"))
    return f"event: {event.kind}\ndata: {data}\n\n".encode()


async def stream(
    backend: ConsoleBackend,
    capacity: int,
    heartbeat_s: float,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[bytes]:
    """Server-sent events: a status snapshot first, then every update, with heartbeats."""
    queue = EventQueue(asyncio.get_running_loop(), capacity)
    unsubscribe = backend.subscribe(queue.put)
    try:
        yield b"retry: 2000\n\n"
        first = await asyncio.to_thread(backend.status)
        yield format_sse(ConsoleEvent(kind="status", data=first.model_dump(mode="json")))
        step = min(heartbeat_s, 1.0)
        idle = 0.0
        while True:
            event = await queue.get(timeout=step)
            if await disconnected():
                return
            if event is None:
                idle += step
                if idle >= heartbeat_s:
                    idle = 0.0
                    yield b": heartbeat\n\n"
                continue
            idle = 0.0
            yield format_sse(event)
    finally:
        unsubscribe()
