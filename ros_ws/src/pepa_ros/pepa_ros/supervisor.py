"""One supervised process per node: a crashed node is restarted, with backoff.

Each child runs ``python -m pepa_ros.runner NAME --ros-args --params-file FILE``. A child
that exits on its own while the supervisor is running is restarted after a delay that
doubles on each quick crash (a node that crashes at start must not spin the CPU) and resets
once the child has stayed up long enough. On SIGINT or SIGTERM the supervisor stops
restarting, sends SIGTERM to every child, waits for each to shut down cleanly (a recorder
must close its file), and SIGKILLs only those that do not. A node registered as background
work (Sys3: ``nice`` in :mod:`pepa_ros.registry`) runs at that lower CPU priority, so on a
small computer it takes the cores only when Sys1's loop and the simulator do not need them;
those two run at a higher priority where the OS allows it (each child logs its niceness).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from pepa_ros import registry

log = logging.getLogger(__name__)

# What signal.getsignal answers: a Python handler, SIG_DFL / SIG_IGN, or None (not set from Python)
SignalHandler = Callable[[int, FrameType | None], Any] | int | None

BOOTSTRAP_FLAG = "_ROS_WHEELS_BOOTSTRAP_COMPLETE"


def child_environment(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The environment for a child process.

    The ROS 2 wheels re-execute the interpreter once with their library path and mark it with
    a flag; a child that inherits the flag skips that set-up, which breaks a child of another
    virtual environment. Removing the flag lets every child set itself up.
    """
    env = dict(os.environ if base is None else base)
    env.pop(BOOTSTRAP_FLAG, None)
    env.update(extra)
    return env


def write_params_file(path: Path, parameters: Mapping[str, Any]) -> Path:
    """A ROS 2 parameters file applying ``parameters`` to every node (``/**``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"/**": {"ros__parameters": dict(parameters)}}))
    return path


class Backoff(BaseModel):
    """Restart delays: ``initial_s`` doubling up to ``max_s``; reset after ``stable_s`` up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_s: float = Field(0.5, gt=0)
    max_s: float = Field(10.0, gt=0)
    stable_s: float = Field(30.0, gt=0)
    stop_timeout_s: float = Field(10.0, gt=0)


class ChildSpec(BaseModel):
    """A supervised child: its name, command line and CPU niceness."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    argv: tuple[str, ...] = Field(min_length=1)
    nice: int = Field(
        default=0,
        ge=-20,
        le=19,
        description="added to the child's niceness; a rise in priority the OS refuses is skipped",
    )


class _Child:
    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.delay = 0.0
        self.restarts = 0


class Supervisor:
    """Starts the children, restarts the ones that die, stops them all on request."""

    def __init__(
        self,
        children: Sequence[ChildSpec],
        *,
        env: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        cwd: Path | None = None,
    ) -> None:
        names = [c.name for c in children]
        if len(set(names)) != len(names):
            raise ValueError(f"child names must be unique, got {names}")
        self._children = [_Child(c) for c in children]
        self._env = child_environment(env)
        self._backoff = backoff or Backoff()
        self._cwd = cwd
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # -- state ------------------------------------------------------------------------------

    def pids(self) -> dict[str, int | None]:
        with self._lock:
            return {
                c.spec.name: (c.proc.pid if c.proc and c.proc.poll() is None else None)
                for c in self._children
            }

    def restarts(self) -> dict[str, int]:
        with self._lock:
            return {c.spec.name: c.restarts for c in self._children}

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- running ----------------------------------------------------------------------------

    def _spawn(self, child: _Child) -> None:
        nice = child.spec.nice
        child.proc = subprocess.Popen(
            list(child.spec.argv),
            env=self._env,
            cwd=self._cwd,
            # in the child before it starts (every thread it makes inherits the niceness)
            preexec_fn=functools.partial(_renice, nice) if nice else None,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        log.info("started %s (pid %d)", child.spec.name, child.proc.pid)

    def start(self) -> None:
        with self._lock:
            for child in self._children:
                self._spawn(child)

    def poll(self) -> None:
        """Notice exits and restart children whose backoff has elapsed."""
        now = time.monotonic()
        with self._lock:
            if self._stop.is_set():
                return
            for child in self._children:
                proc = child.proc
                if proc is not None and proc.poll() is not None and child.restart_at is None:
                    up = now - child.started_at
                    if up >= self._backoff.stable_s:
                        child.delay = self._backoff.initial_s
                    else:
                        child.delay = min(
                            self._backoff.max_s, max(self._backoff.initial_s, child.delay * 2)
                        )
                    child.restart_at = now + child.delay
                    log.warning(
                        "%s exited with %s after %.1f s; restarting in %.1f s",
                        child.spec.name,
                        _describe_exit(proc.returncode),
                        up,
                        child.delay,
                    )
                if child.restart_at is not None and now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)

    def stop(self) -> dict[str, int | None]:
        """SIGTERM every child, wait, SIGKILL stragglers; return each exit code."""
        self._stop.set()
        with self._lock:
            procs = [(c.spec.name, c.proc) for c in self._children if c.proc is not None]
        for name, proc in procs:
            if proc.poll() is None:
                log.info("stopping %s (pid %d)", name, proc.pid)
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._backoff.stop_timeout_s
        codes: dict[str, int | None] = {}
        for name, proc in procs:
            try:
                codes[name] = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error(
                    "%s did not stop within %.0f s; killing it", name, self._backoff.stop_timeout_s
                )
                proc.kill()
                codes[name] = proc.wait()
        return codes

    def run(self, duration: float | None = None, poll_s: float = 0.1) -> dict[str, int | None]:
        """Start, supervise until stopped (signal, :meth:`request_stop` or ``duration``), stop."""
        restore = _install_stop_handlers(self) if _in_main_thread() else {}
        try:
            self.start()
            deadline = None if duration is None else time.monotonic() + duration
            while not self._stop.wait(poll_s):
                if deadline is not None and time.monotonic() >= deadline:
                    break
                self.poll()
        finally:
            codes = self.stop()
            for sig, handler in restore.items():
                signal.signal(sig, handler)
        return codes


def _renice(increment: int) -> None:
    """In the child, before exec: without the privilege to raise its priority it keeps the
    supervisor's (it must still start; the runner logs the niceness it got)."""
    with contextlib.suppress(PermissionError):
        os.nice(increment)


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _install_stop_handlers(sup: Supervisor) -> dict[signal.Signals, SignalHandler]:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        sup.request_stop()

    previous: dict[signal.Signals, SignalHandler] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    return previous


def node_children(
    names: Sequence[str], params_file: Path, python: str | None = None
) -> list[ChildSpec]:
    """One child per registered node, each reading the shared parameters file."""
    exe = python or sys.executable
    return [
        ChildSpec(
            name=name,
            nice=registry.lookup(name).nice,
            argv=(
                exe,
                "-m",
                "pepa_ros.runner",
                name,
                "--ros-args",
                "--params-file",
                str(params_file),
            ),
        )
        for name in names
    ]
