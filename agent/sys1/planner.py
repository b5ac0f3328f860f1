"""Where Sys1's route searches run: inline, or on a worker thread beside the control loop.

A grid search across a floor can take tens of milliseconds (more on a loaded computer or a
large map); on a robot, Sys1's control loop must keep its rate meanwhile. A skill therefore
asks for a route with :meth:`pepa.agent.sys1.context.SkillContext.plan_route` and gets a
:class:`Job` it polls at the control rate.

* :class:`InlinePlanner` (the default) does the work at once, so a job is done when it is
  handed out: the in-process runtime stays exactly as deterministic as a plain call.
* :class:`ThreadedPlanner` does it on one worker thread and calls ``on_ready`` when a job is
  done, so the robot's loop can tick at once instead of at its next period.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
# A job only hands its value out: a Job[Route] is a Job[object] (what a skill script yields).
T_co = TypeVar("T_co", covariant=True)


class Job(Generic[T_co]):
    """Work handed to a planner: poll :attr:`done`, then take :meth:`result`."""

    def __init__(self, future: Future[T_co]) -> None:
        self._future = future

    @property
    def done(self) -> bool:
        return self._future.done()

    def result(self) -> T_co:
        """The work's value; re-raises what the work raised. Only once :attr:`done`."""
        if not self._future.done():
            raise RuntimeError("Job.result: the job is still running")
        return self._future.result()

    def cancel(self) -> None:
        """Drop the job if it has not started (a running search finishes, unread)."""
        self._future.cancel()


class Planner(Protocol):
    def submit(self, work: Callable[[], T]) -> Job[T]: ...

    def close(self) -> None: ...


class InlinePlanner:
    """Runs each job at once, on the caller's thread."""

    def submit(self, work: Callable[[], T]) -> Job[T]:
        future: Future[T] = Future()
        try:
            future.set_result(work())
        except Exception as exc:  # handed to the job, re-raised by Job.result()
            future.set_exception(exc)
        return Job(future)

    def close(self) -> None:
        pass


class ThreadedPlanner:
    """Runs jobs one at a time on a worker thread; ``on_ready()`` follows each finished one.

    ``on_ready`` is called on the worker thread: it should only wake the caller's loop (an
    event, a ROS guard condition), not touch Sys1.
    """

    def __init__(self, on_ready: Callable[[], None] | None = None, name: str = "sys1-planner"):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._on_ready = on_ready
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, work: Callable[[], T]) -> Job[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("ThreadedPlanner.submit: the planner is closed")
            future = self._pool.submit(work)
        if self._on_ready is not None:
            future.add_done_callback(self._ready)
        return Job(future)

    def _ready(self, future: Future[T]) -> None:
        if future.cancelled():
            return
        assert self._on_ready is not None
        try:
            self._on_ready()
        except Exception:  # a wake-up that fails must not kill the worker
            log.exception("planner: on_ready failed")

    def close(self) -> None:
        """Drop queued jobs and wait for the running one."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
