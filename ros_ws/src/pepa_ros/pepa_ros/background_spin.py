"""An executor spun on a thread of its own while the caller drives a scenario (tests, benches).

On leaving, the thread is stopped and joined and the executor shut down, so the nodes can be
destroyed safely afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rclpy.executors import Executor


@contextmanager
def spinning(executor: Executor, period_s: float = 0.05) -> Iterator[Executor]:
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            executor.spin_once(timeout_sec=period_s)

    thread = threading.Thread(target=spin, name="background-spin", daemon=True)
    thread.start()
    try:
        yield executor
    finally:
        stop.set()
        thread.join(timeout=5)
        executor.shutdown(timeout_sec=1.0)
