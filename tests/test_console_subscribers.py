"""The event fan-out both console backends push through."""

from __future__ import annotations

from agent.console.backend import ConsoleEvent, Subscribers


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
