"""Run registered nodes composed in one process, each on its own executor and thread.

This is the body of every PEPA executable (``sim_node``, ``recorder``, ``stack``) and of each
child process the supervisor starts. SIGINT and SIGTERM end the spin loop (so does an
``ExternalShutdownException`` when something else shuts the context down); every node is
then destroyed in reverse order, so files such as a recording are closed properly.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from types import FrameType
from typing import Any

import rclpy
from rclpy.context import Context
from rclpy.executors import (
    Executor,
    ExternalShutdownException,
    MultiThreadedExecutor,
    SingleThreadedExecutor,
)
from rclpy.node import Node
from rclpy.utilities import remove_ros_args

from pepa_ros import registry
from pepa_ros.agent_node import AgentNode
from pepa_ros.background_spin import spinning
from pepa_ros.managed import LifecycleError, bring_up
from pepa_ros.params import ParameterError

log = logging.getLogger(__name__)

# What signal.getsignal answers: a Python handler, SIG_DFL / SIG_IGN, or None (not set from Python)
SignalHandler = Callable[[int, FrameType | None], Any] | int | None

STOP_REPORT_S = 5.0
"""A process still stopping after this long prints every thread's stack to stderr: the
supervisor kills a child that takes twice as long, and the stacks say what held it."""

SPIN_PERIOD_S = 0.1
"""How long a spinner waits for work before it looks at the stop flag again."""

GIL_SWITCH_S = 0.0005
"""How long a thread that wants the GIL waits for the one holding it (Python's default: 5 ms).

A node process runs several threads: the executor's (timers, topic callbacks, /clock), and
the nodes' own workers (Sys1's route searches, state writer). Each time a callback comes back
from rcl, DDS or a numpy/OpenCV kernel it must take the GIL again; behind a thread that is
computing (a route search) each such hand-off costs up to the switch interval, and a 20 Hz
control tick makes many. Half a millisecond keeps the control loop on time while a
search runs beside it (measured with bench/ros_latency.py under load: request p95
~200 -> ~135 ms, control misses ~1.1 -> ~0.7 %).
"""


def build_nodes(names: Sequence[str], context: Context, parameters: dict[str, Any]) -> list[Node]:
    """Build every node, or none: a node that refuses its parameters stops the whole set. The
    agent's (lifecycle) nodes are configured and activated unless ``autostart`` is false."""
    nodes: list[Node] = []
    try:
        for name in names:
            node = registry.build(name, context, parameters)
            nodes.append(node)
            if isinstance(node, AgentNode) and node.values["autostart"]:
                bring_up(node)
    except BaseException:
        for node in reversed(nodes):
            node.destroy_node()
        raise
    return nodes


def spin_until(
    executor: Executor,
    context: Context,
    duration: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Spin until shutdown, ``duration`` seconds of wall time, or ``should_stop()``."""
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while context.ok():
            executor.spin_once(timeout_sec=0.1)
            if deadline is not None and time.monotonic() >= deadline:
                break
            if should_stop is not None and should_stop():
                break
    except (ExternalShutdownException, KeyboardInterrupt):
        pass


def executor_for(name: str, context: Context) -> Executor:
    """The executor a node runs on, by its registered thread count.

    rclpy's multi-threaded executor costs several times the CPU of the single-threaded one for
    every message it hands out (a node that only follows a 100 Hz ``/clock`` measured ~29 %
    of a core against ~6.5 %), so a node whose callbacks never need to run side by side gets
    a single thread of its own.
    """
    threads = registry.lookup(name).threads
    if threads == 1:
        return SingleThreadedExecutor(context=context)
    return MultiThreadedExecutor(num_threads=threads, context=context)


def run_composed(
    names: Sequence[str],
    parameters: dict[str, Any] | None = None,
    *,
    args: Sequence[str] | None = None,
    duration: float | None = None,
) -> int:
    """Run ``names`` in this process, each node on its own executor and thread; return 0, or 2
    when a node refused its parameters or failed to configure. A callback that raises stops
    them all and is re-raised here (a supervised child then exits and is restarted)."""
    sys.setswitchinterval(GIL_SWITCH_S)
    context = Context()
    rclpy.init(args=list(args) if args is not None else None, context=context)
    try:
        try:
            nodes = build_nodes(names, context, parameters or {})
        except (ParameterError, registry.UnknownNodeError, LifecycleError) as exc:
            log.error("%s", exc)
            print(f"error: {exc}", file=sys.stderr)
            return 2
        executors = [executor_for(name, context) for name in names]
        for executor, node in zip(executors, nodes, strict=True):
            executor.add_node(node)
        log.info(
            "running %s in one process (pid %d, niceness %d)",
            ", ".join(names),
            os.getpid(),
            os.nice(0),
        )
        stop = threading.Event()
        restore = _stop_on_signals(stop)
        try:
            # Leaving the stack stops and joins every node's spinner and shuts its executor
            # down; a callback that raised stops them all and is re-raised here (a supervised
            # child then exits and is restarted), after the nodes are destroyed below.
            with ExitStack() as spinners:
                for executor in executors:
                    spinners.enter_context(spinning(executor, SPIN_PERIOD_S, stop, wait_s=None))
                deadline = None if duration is None else time.monotonic() + duration
                while not stop.wait(SPIN_PERIOD_S) and context.ok():
                    if deadline is not None and time.monotonic() >= deadline:
                        break
        except KeyboardInterrupt:
            pass
        finally:
            faulthandler.dump_traceback_later(STOP_REPORT_S)
            # The handlers stay until every node is destroyed: a second signal (Ctrl-C reaches
            # the whole process group, then the supervisor sends SIGTERM) must not cut short a
            # node saving its state or closing its recording.
            try:
                for node in reversed(nodes):
                    node.destroy_node()
            finally:
                for sig, handler in restore.items():
                    signal.signal(sig, handler)
    finally:
        rclpy.try_shutdown(context=context)
        faulthandler.cancel_dump_traceback_later()
    return 0


def _stop_on_signals(stop: threading.Event) -> dict[signal.Signals, SignalHandler]:
    """SIGINT/SIGTERM end the spin loop, so nodes are destroyed (files closed) before exit.

    rclpy installs its own handlers only for its default context; these nodes run in their
    own context, so the process handles the signals itself.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        stop.set()

    previous: dict[signal.Signals, SignalHandler] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    return previous


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pepa_ros.runner", description="Run PEPA nodes in one process."
    )
    parser.add_argument("nodes", nargs="+", help="registered node names")
    parser.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    return parser.parse_args(remove_ros_args(args=["runner", *argv])[1:])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``runner NODE... [--duration S] [--ros-args ...]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    opts = parse_args(argv)
    return run_composed(opts.nodes, args=["runner", *argv], duration=opts.duration)


if __name__ == "__main__":
    sys.exit(main())
