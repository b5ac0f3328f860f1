"""The public context the pipeline runs on: versions, the double buffer, concurrent use."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from pepa.agent.sys1.public_context import PublicContext


@dataclass(frozen=True)
class Pair:
    """Two fields written together: a torn read would show them disagree."""

    a: int
    b: int


def test_fetch_returns_the_asked_version_from_front_or_back_slot() -> None:
    ctx = PublicContext(Pair(0, 0), kind=Pair)
    for i in range(1, 4):
        assert ctx.publish(Pair(i, -i)) == i
    assert ctx.fetch(3, timeout=0.1).version == 3  # front
    assert ctx.fetch(2, timeout=0.1).version == 2  # back: the previous frame
    assert ctx.previous().version == 2
    assert ctx.fetch(1, timeout=0.1).version == 3  # gone from the buffer: the newest
    assert ctx.fetch(4, timeout=0.05) is None  # not published yet


def test_publishing_the_wrong_kind_is_refused_with_its_name() -> None:
    ctx = PublicContext(Pair(0, 0), kind=Pair)
    with pytest.raises(TypeError, match="expected a Pair, got str"):
        ctx.publish("not a pair")  # type: ignore[arg-type]


def test_double_buffer_under_concurrent_writers_and_readers() -> None:
    ctx = PublicContext(Pair(0, 0), kind=Pair)
    writes_per_writer = 400
    stop = threading.Event()
    problems: list[str] = []
    fetched: list[int] = []

    def writer(sign: int) -> None:
        for i in range(1, writes_per_writer + 1):
            ctx.publish(Pair(sign * i, -sign * i))

    def reader() -> None:
        last = 0
        while not stop.is_set():
            snap = ctx.snapshot()
            prev = ctx.previous()
            for s in (snap, prev):
                if s.state.a != -s.state.b:
                    problems.append(f"torn read at version {s.version}: {s.state}")
            if snap.version < last:
                problems.append(f"version went back from {last} to {snap.version}")
            last = snap.version
            # read after the front: the back slot is the one before it, or newer
            if prev.version < snap.version - 1:
                problems.append(f"back slot {prev.version} behind front {snap.version}")
            got = ctx.fetch(last + 1, timeout=0.01)
            if got is not None:
                if got.version < last + 1:
                    problems.append(f"fetch({last + 1}) gave older version {got.version}")
                fetched.append(got.version)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(s,)) for s in (1, 1000)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=20)
    stop.set()
    for t in readers:
        t.join(timeout=20)
    assert not problems, problems[:5]
    assert ctx.version == 2 * writes_per_writer
    assert ctx.previous().version == 2 * writes_per_writer - 1
    assert fetched, "readers never got a fetched version"
