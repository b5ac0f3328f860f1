"""The agent's ROS stack in a child process, and a probe node in the test process to watch it.

The stack is started the way a user starts it (``python -m pepa_ros.cli run ...``), on its
own DDS domain; the probe subscribes to the agent's topics with their real QoS and can call
Sys2 and Sys3 through their call/reply topics.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pepa_ros import qos, typed_codec
from pepa_ros.codec import JsonCodec
from pepa_ros.health import NodeHealth
from pepa_ros.rpc import RpcClient
from pepa_ros.supervisor import child_environment
from pepa_ros.topics import (
    DAILY_GOALS,
    GOAL,
    HEALTH,
    PLAN,
    REQUEST_UPDATES,
    REQUESTS,
    STATUS,
    SYS2_RPC,
    SYS3_RPC,
)
from ros_support import next_domain_id

from pepa.messages import AgentStatus, DailyGoal, Goal, Plan, UserRequest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(domain: int) -> dict[str, str]:
    env = child_environment(ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    env.pop("ROS_LOCALHOST_ONLY", None)
    return env


class Stack:
    """``pepa run`` in a child process; its output goes to a log file."""

    def __init__(
        self, domain: int, data: Path, log: Path, *args: str, record: Path | None = None
    ) -> None:
        self.domain = domain
        self.recording = record
        self.data = data
        self.log_path = log
        self.port = free_port()
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pepa_ros.cli",
                "run",
                "--data",
                str(data),
                "--port",
                str(self.port),
                *(("--record", str(record)) if record is not None else ()),
                *args,
            ],
            env=stack_env(domain),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code


class Probe:
    """A node in the test process that records what the agent publishes."""

    def __init__(self, domain: int) -> None:
        import rclpy
        from geometry_msgs.msg import Twist
        from rclpy.context import Context
        from rclpy.executors import MultiThreadedExecutor

        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node = rclpy.create_node("pepa_test_probe", context=self.context)
        self.codec = JsonCodec()
        self.lock = threading.Lock()
        self.seen: dict[str, list[Any]] = defaultdict(list)
        self.cmd_vel: list[tuple[float, float, float]] = []
        self.node.create_subscription(Twist, "/cmd_vel", self._on_twist, qos.sensor(depth=20))
        for model, spec in (
            (AgentStatus, STATUS),
            (UserRequest, REQUEST_UPDATES),
            (Plan, PLAN),
            (NodeHealth, HEALTH),
        ):
            self.watch(model, spec.name, qos.profile(spec.qos, spec.depth))
        self.requests = typed_codec.publisher(
            self.node, UserRequest, REQUESTS.name, qos.profile(REQUESTS.qos)
        )
        self.sys2 = RpcClient(self.node, self.codec, SYS2_RPC)
        self.sys3 = RpcClient(self.node, self.codec, SYS3_RPC)
        self.executor = MultiThreadedExecutor(num_threads=2, context=self.context)
        self.executor.add_node(self.node)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        try:
            while self.context.ok() and not self._stop.is_set():
                self.executor.spin_once(timeout_sec=0.05)
        except (ExternalShutdownException, KeyboardInterrupt):
            pass

    def watch(self, model: type, topic: str, profile: Any) -> None:
        def keep(msg: Any) -> None:
            with self.lock:
                self.seen[topic].append(msg)

        self.codec.subscribe(self.node, model, topic, keep, profile)

    def _on_twist(self, msg: Any) -> None:
        with self.lock:
            self.cmd_vel.append((time.monotonic(), msg.linear.x, msg.angular.z))

    def messages(self, topic: str) -> list[Any]:
        with self.lock:
            return list(self.seen[topic])

    def requests_seen(self, request_id: str) -> list[UserRequest]:
        return [r for r in self.messages(REQUEST_UPDATES.name) if r.id == request_id]

    def moving_since(self, t: float) -> bool:
        with self.lock:
            return any(when >= t and abs(v) > 0.05 for when, v, _ in self.cmd_vel)

    def submit(self, request: UserRequest, timeout: float = 60.0) -> bool:
        """Publish ``request`` until Sys2 announces it (a message before discovery is lost)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.requests.publish(request)
            if wait_for(lambda: bool(self.requests_seen(request.id)), 1.0):
                return True
        return False

    def close(self) -> None:
        import rclpy

        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5.0)
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def late_goals(domain: int, timeout: float = 10.0) -> tuple[list[Goal], list[DailyGoal]]:
    """Join late: a fresh node subscribes to the latched goal topics and reads what arrives."""
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor

    context = Context()
    rclpy.init(context=context, domain_id=domain)
    node = rclpy.create_node("pepa_late_subscriber", context=context)
    codec = JsonCodec()
    goals: list[Goal] = []
    daily: list[DailyGoal] = []
    codec.subscribe(node, Goal, GOAL.name, goals.append, qos.profile(GOAL.qos))
    codec.subscribe(
        node, DailyGoal, DAILY_GOALS.name, daily.append, qos.profile(DAILY_GOALS.qos, 5)
    )
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (goals and daily):
            executor.spin_once(timeout_sec=0.1)
    finally:
        executor.shutdown(timeout_sec=1.0)
        node.destroy_node()
        rclpy.try_shutdown(context=context)
    return goals, daily


def new_domain() -> int:
    return next_domain_id()


def child_pids(parent: int) -> dict[str, int]:
    """Children of ``parent`` running ``pepa_ros.runner NAME``, by node name."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"pepa_ros.runner" in cmd:
            found[cmd[cmd.index(b"pepa_ros.runner") + 1].decode()] = int(entry.name)
    return found


def stacks(tmp: Path, domain: int, *args: str) -> Iterator[Stack]:
    stack = Stack(domain, tmp / "data", tmp / "stack.log", *args)
    try:
        yield stack
    finally:
        stack.stop()


__all__ = ["Probe", "Stack", "child_pids", "late_goals", "new_domain", "stacks", "wait_for"]
