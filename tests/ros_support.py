"""Helpers and fixtures of the ROS tests: own DDS domain per test, child processes, spinning.

Every test gets its own ``ROS_DOMAIN_ID`` (tests running in parallel never hear each other)
and localhost-only discovery. Child processes get an environment cleaned of the wheels'
bootstrap flag (see pepa_ros.supervisor.child_environment).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pepa_ros.supervisor import child_environment

_counter = itertools.count()


def next_domain_id() -> int:
    """1..100, spread by process id so concurrent pytest runs rarely share a domain."""
    return (os.getpid() * 37 + next(_counter)) % 100 + 1


@pytest.fixture
def domain_id(monkeypatch: pytest.MonkeyPatch) -> int:
    dom = next_domain_id()
    monkeypatch.setenv("ROS_DOMAIN_ID", str(dom))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    monkeypatch.delenv("ROS_LOCALHOST_ONLY", raising=False)
    return dom


@pytest.fixture
def ros_env(domain_id: int) -> dict[str, str]:
    """The environment for child processes on this test's domain."""
    return child_environment(ROS_DOMAIN_ID=str(domain_id))


@pytest.fixture
def ros_context(domain_id: int) -> Iterator[Any]:
    """An initialised rclpy context on this test's domain."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    yield context
    rclpy.try_shutdown(context=context)


class Children:
    """Child processes of a test; whatever is still running at the end is stopped."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, name: str = "child") -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        proc.log_path = Path(log.name)  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def runner(self, *nodes: str, ros_args: tuple[str, ...] = (), name: str = "") -> Any:
        """``python -m pepa_ros.runner NODES --ros-args ...``."""
        extra = ("--ros-args", *ros_args) if ros_args else ()
        return self.start("-m", "pepa_ros.runner", *nodes, *extra, name=name or nodes[0])

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def output_of(proc: subprocess.Popen[bytes]) -> str:
    return Path(proc.log_path).read_text(errors="replace")  # type: ignore[attr-defined]


@pytest.fixture
def children(ros_env: dict[str, str], tmp_path: Path) -> Iterator[Children]:
    kids = Children(ros_env, tmp_path)
    yield kids
    kids.stop_all()


def spin_until(
    executor: Any, predicate: Callable[[], bool], timeout: float, step: float = 0.05
) -> bool:
    """Spin ``executor`` until ``predicate()`` holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        executor.spin_once(timeout_sec=step)
        if predicate():
            return True
    return predicate()


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
