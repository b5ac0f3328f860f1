"""The event fan-out both console backends push through."""

from __future__ import annotations

import asyncio

from pepa.agent.console.backend import ConsoleEvent, Subscribers
from pepa.agent.console.events import EventQueue


def test_a_failing_listener_does_not_stop_the_others_and_removal_is_final() -> None:
    subs = Subscribers()
    got: list[ConsoleEvent] = []

    def broken(_event: ConsoleEvent) -> None:
        raise RuntimeError("closed stream")

    assert not subs
    subs.add(broken)
    remove = subs.add(got.append)
    subs.push("reflection", {"day": 2})
    assert [(e.kind, e.data) for e in got] == [("reflection", {"day": 2})]
    remove()
    remove()  # twice is harmless
    subs.push("reflection", {"day": 3})
    assert len(got) == 1 and subs


def test_a_browser_that_never_reads_holds_a_bounded_queue_and_keeps_the_requests() -> None:
    """Snapshots (status) make room for newer ones; request events are never dropped for them."""
    loop = asyncio.new_event_loop()
    try:
        queue = EventQueue(loop, capacity=16)
        for i in range(5000):
            queue.put(ConsoleEvent(kind="status", data={"n": i}))
            if i % 1000 == 0:
                queue.put(ConsoleEvent(kind="request", data={"id": f"r{i}"}))
        loop.run_until_complete(asyncio.sleep(0))  # the hand-overs run on the stream's loop
    finally:
        loop.close()
    items = list(queue.items)
    assert len(items) <= 16 and queue.dropped >= 5000 - 16
    assert [e.data["id"] for e in items if e.kind == "request"] == [
        f"r{i}" for i in range(0, 5000, 1000)
    ]
    assert items[-1].kind == "status" and items[-1].data == {"n": 4999}
