"""An executor spun on a thread of its own while the caller does something else: each node of
a composed run (``pepa_ros.runner``), and the scenario of a test or a benchmark.

On leaving, the thread is stopped and joined and the executor shut down, so the nodes can be
destroyed safely afterwards. A callback that raises ends the spin, sets the shared ``stop``
(so the other spinners of a run end too) and is re-raised on leaving; a context shut down
from elsewhere just ends it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rclpy.executors import Executor, ExternalShutdownException

log = logging.getLogger(__name__)


@contextmanager
def spinning(
    executor: Executor,
    period_s: float = 0.05,
    stop: threading.Event | None = None,
    wait_s: float | None = 5.0,
) -> Iterator[Executor]:
    """``wait_s``: how long leaving waits for a running callback (None: as long as it takes,
    for a node that must finish saving its state)."""
    stop = stop if stop is not None else threading.Event()
    failures: list[Exception] = []

    def spin() -> None:
        try:
            while not stop.is_set() and executor.context.ok():
                executor.spin_once(timeout_sec=period_s)
        except ExternalShutdownException:
            pass
        except Exception as exc:  # re-raised when the caller leaves
            log.exception("a callback failed; stopping the spin")
            failures.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=spin, name="background-spin", daemon=True)
    thread.start()
    try:
        yield executor
    finally:
        stop.set()
        thread.join(timeout=wait_s)
        executor.shutdown(timeout_sec=wait_s)
    if failures:
        raise failures[0]
