"""The robot on ROS and in-process is one agent: same personality and seed, same first choices.

``pepa run`` (real DDS, its own domain) and the in-process runtime live the same simulated
morning. Their first decisions choose the same kinds of option, the very first the same
option. Later ones may differ: on ROS the decision waits for messages (Sys1's first state
after its map is built, step results, the clock's granularity at the speed-up) and Sys1 sees
through the camera instead of the oracle, so the world state a later decision reads is not the
in-process one to the second.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pepa_ros import qos
from pepa_ros.topics import DECISIONS, STATUS
from ros_agent_support import Probe, Stack, new_domain, wait_for

from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.clock import at
from pepa.messages import Decision

pytestmark = [pytest.mark.ros, pytest.mark.slow]

PERSONALITY = "Lazy"
SEED = 1
SPEED = 5.0  # Sys1 at 25 Hz of wall clock: its in-process 5 Hz of simulated time
FIRST = 2
"""How many first decisions must choose the same kinds of option on both hosts."""
WINDOW_S = 1800.0
STARTUP_S = 180.0


def _inprocess_decisions(data: Path) -> list[Decision]:
    rt = Runtime(RuntimeConfig(personality=PERSONALITY, seed=SEED), data)
    try:
        rt.advance_to(at(0, 8.0) + WINDOW_S)
        return rt.decisions(limit=200)
    finally:
        rt.close()


@pytest.fixture(scope="module")
def ros_decisions() -> Iterator[list[Decision]]:
    with tempfile.TemporaryDirectory(prefix="pepa-equivalence-") as tmp:
        stack = Stack(
            new_domain(),
            Path(tmp) / "data",
            Path(tmp) / "stack.log",
            *("--nodes", "sim,sys1,sys2,sys3", "--personality", PERSONALITY),
            *("--seed", str(SEED), "--speed", str(SPEED)),
        )
        probe = Probe(stack.domain)
        probe.watch(Decision, DECISIONS.name, qos.profile(DECISIONS.qos))
        try:
            assert wait_for(lambda: bool(probe.messages(STATUS.name)), STARTUP_S), stack.output()[
                -3000:
            ]
            end = at(0, 8.0) + WINDOW_S
            wall = WINDOW_S / SPEED * 3 + 60

            def enough() -> bool:
                statuses = probe.messages(STATUS.name)
                late = bool(statuses) and statuses[-1].time >= end
                return late or len(probe.messages(DECISIONS.name)) >= FIRST

            assert wait_for(enough, wall), stack.output()[-3000:]
            yield probe.messages(DECISIONS.name)
        finally:
            probe.close()
            stack.stop()


def test_ros_and_inprocess_choose_the_same_first_options(
    ros_decisions: list[Decision], tmp_path: Path
) -> None:
    here = _inprocess_decisions(tmp_path)
    assert len(here) >= FIRST and len(ros_decisions) >= FIRST
    assert [d.chosen.kind for d in ros_decisions[:FIRST]] == [d.chosen.kind for d in here[:FIRST]]
    assert ros_decisions[0].chosen.label == here[0].chosen.label
