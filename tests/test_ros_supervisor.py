"""The supervisor: a node killed with SIGKILL comes back; SIGTERM stops everything cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pepa_ros.replay import summarise
from pepa_ros.robot_adapters import SimOfficeAdapter
from pepa_ros.supervisor import (
    BOOTSTRAP_FLAG,
    Backoff,
    ChildSpec,
    Supervisor,
    child_environment,
    node_children,
    write_params_file,
)
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from ros_support import spin_until, wait_for

pytestmark = pytest.mark.ros


def test_child_environment_drops_the_wheels_bootstrap_flag() -> None:
    env = child_environment({BOOTSTRAP_FLAG: "1", "KEEP": "x"}, ROS_DOMAIN_ID="5")
    assert BOOTSTRAP_FLAG not in env
    assert env["KEEP"] == "x" and env["ROS_DOMAIN_ID"] == "5"


def niceness_of_child(tmp_path: Path, name: str, nice: int) -> int:
    """Start a supervised child with ``nice`` and return the niceness it runs at."""
    out = tmp_path / f"{name}.txt"
    probe = "import os, sys; open(sys.argv[1], 'w').write(str(os.nice(0)))"
    sup = Supervisor(
        [ChildSpec(name=name, argv=(sys.executable, "-c", probe, str(out)), nice=nice)]
    )
    sup.start()
    try:
        assert wait_for(out.exists, 20) and wait_for(lambda: out.read_text() != "", 5)
    finally:
        sup.stop()
    return int(out.read_text())


def test_background_nodes_run_at_a_lower_cpu_priority(tmp_path: Path) -> None:
    children = {c.name: c for c in node_children(["sim", "sys1", "sys3"], tmp_path / "p.yaml")}
    assert children["sys3"].nice > 0, "Sys3 yields the cores to the control loop"
    assert niceness_of_child(tmp_path, "background", 7) == min(19, os.nice(0) + 7)


def test_the_robot_side_runs_at_a_higher_priority_where_allowed(tmp_path: Path) -> None:
    children = {c.name: c for c in node_children(["sim", "sys1", "sys2"], tmp_path / "p.yaml")}
    assert children["sys1"].nice < 0 and children["sim"].nice < 0, "control before cognition"
    assert children["sys2"].nice == 0
    got = niceness_of_child(tmp_path, "robot", -5)
    # root (or CAP_SYS_NICE) gets the rise; anyone else still starts, at the usual priority
    assert got == max(-20, os.nice(0) - 5) or (got == os.nice(0) and os.geteuid() != 0)


def test_sigkilled_node_is_restarted_and_serves_again(
    ros_env: dict[str, str], ros_context, tmp_path: Path
) -> None:
    params_file = write_params_file(
        tmp_path / "params.yaml", {"speed": 2.0, "camera_rate_hz": 0.0}
    )
    sup = Supervisor(
        node_children(["sim"], params_file),
        env=ros_env,
        backoff=Backoff(initial_s=0.2, max_s=1.0, stable_s=30.0, stop_timeout_s=15.0),
    )
    runner = threading.Thread(target=sup.run, kwargs={"poll_s": 0.05}, daemon=True)
    runner.start()
    node = Node("supervisor_probe", context=ros_context)
    robot = SimOfficeAdapter(node)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    try:
        assert spin_until(executor, lambda: robot.odometry() is not None, 30)
        first_pid = sup.pids()["sim"]
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        assert wait_for(lambda: sup.pids()["sim"] not in (None, first_pid), 20)
        assert sup.restarts()["sim"] == 1
        before = robot.odometry()
        assert before is not None
        assert spin_until(
            executor, lambda: robot.odometry() is not None and robot.odometry() != before, 30
        )
    finally:
        sup.request_stop()
        runner.join(30)
        executor.shutdown()
        node.destroy_node()
    assert not runner.is_alive()
    assert all(pid is None for pid in sup.pids().values())


@pytest.mark.parametrize(
    ("sig", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm-to-pepa-run", "ctrl-c-to-the-process-group"],
)
def test_a_stop_signal_stops_every_node_cleanly_and_closes_the_recording(
    ros_env: dict[str, str], tmp_path: Path, sig: signal.Signals, to_group: bool
) -> None:
    """Ctrl-C reaches every process of the group and the supervisor then sends SIGTERM too:
    the second signal must not cut a node's shutdown short (each exits 0, the file is whole)."""
    out = tmp_path / "run.mcap"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pepa_ros.cli",
            "run",
            "--processes",
            "--nodes",
            "sim,sys1" if to_group else "sim",  # Sys1 saves its state as it stops
            "--speed",
            "5",
            "--camera-rate",
            "0",
            "--record",
            str(out),
            "--data-dir",
            str(tmp_path),
        ],
        env=ros_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        assert wait_for(lambda: out.exists() and out.stat().st_size > 0, 40)
        time.sleep(3.0)  # let it record a few seconds
        if to_group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        output = proc.communicate(timeout=40)[0].decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    summary = summarise(out)
    odom = summary.topic("/odom")
    assert odom is not None and odom.count > 0, output
