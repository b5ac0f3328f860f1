"""``pepa run --processes``: one supervised process per node. Sys1 killed with SIGKILL in the
middle of a request is restarted by the supervisor, and the agent finishes the request."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from pepa_ros.topics import HEALTH, PLAN, STATUS
from ros_agent_support import Probe, Stack, child_pids, new_domain, wait_for

from pepa.messages import Plan, RequestPriority, RequestState, UserRequest

pytestmark = pytest.mark.ros


def test_sigkilled_sys1_is_restarted_and_the_agent_resumes_its_task(tmp_path: Path) -> None:
    stack = Stack(
        new_domain(),
        tmp_path / "data",
        tmp_path / "stack.log",
        "--processes",
        "--nodes",
        "sim,sys1,sys2,sys3",
        "--personality",
        "Working",
        "--speed",
        "4",
    )
    probe = Probe(stack.domain)
    try:
        assert wait_for(lambda: bool(probe.messages(STATUS.name)), 120.0), stack.output()[-3000:]
        request = UserRequest(
            text="please go to the ground kitchen", sender="test", priority=RequestPriority.URGENT
        )
        sent = time.monotonic()
        assert probe.submit(request)

        def states() -> list[RequestState]:
            return [r.state for r in probe.requests_seen(request.id)]

        assert wait_for(lambda: RequestState.IN_PROGRESS in states(), 60.0), states()
        assert wait_for(lambda: probe.moving_since(sent), 30.0), "no motion before the kill"

        def request_plans() -> list[Plan]:
            return [p for p in probe.messages(PLAN.name) if p.request_id == request.id]

        # Motion can start before the plan message reaches the probe (or come from the plan
        # the request preempted): wait for the request's own plan.
        assert wait_for(lambda: bool(request_plans()), 30.0), "no plan for the request"
        plan = request_plans()[0]

        def sys1_boots() -> set[str]:
            return {h.boot for h in probe.messages(HEALTH.name) if h.node == "pepa_sys1"}

        boots = sys1_boots()
        plans_before = len(probe.messages(PLAN.name))
        pid = child_pids(stack.proc.pid)["sys1"]
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()

        assert wait_for(lambda: len(sys1_boots() - boots) > 0, 60.0), stack.output()[-3000:]
        assert child_pids(stack.proc.pid)["sys1"] != pid

        def handed_back() -> bool:
            return any(p.id == plan.id for p in probe.messages(PLAN.name)[plans_before:])

        assert wait_for(handed_back, 30.0), "Sys2 did not hand the plan to the new Sys1"
        assert wait_for(lambda: probe.moving_since(killed + 1.0), 30.0), "no motion after restart"
        assert wait_for(lambda: RequestState.DONE in states(), 120.0), states()
        assert RequestState.FAILED not in states()
    finally:
        probe.close()
        code = stack.stop()
    assert code == 0, stack.output()[-3000:]
    assert "sys1 exited with signal SIGKILL" in stack.output()
