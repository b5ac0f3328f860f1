"""Shared set-up for the console tests: a real agent that has lived through a midnight.

The agent is the in-process runtime (simulated office, Sys1, Sys2, Sys3, ChromaDB memory) with
a short first day (23:00 to midnight): at night Sys3 writes a real reflection of day 0 whose
insights cite real episodes, and the robot wakes at 23:00 on day 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pepa.agent.console.inprocess import InProcessBackend
from pepa.agent.console.live_agent import LiveAgent, LiveAgentConfig
from pepa.clock import at

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "console"


def lived_agent(data_dir: Path, personality: str = "working") -> LiveAgent:
    agent = LiveAgent(
        LiveAgentConfig(
            data_dir=data_dir,
            personality=personality,
            seed=3,
            day_start_h=23.0,
            bedtime_h=23.95,
            day_end_h=24.0,
            speed=20.0,
        )
    )
    agent.advance_to(at(1, 23.0) + 30.0)
    assert agent.runtime.sys3.log.read(0) is not None, "the agent did not reflect on day 0"
    return agent


@pytest.fixture(scope="session")
def console_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAgent]:
    agent = lived_agent(tmp_path_factory.mktemp("console-agent"))
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def console_backend(console_agent: LiveAgent) -> InProcessBackend:
    return InProcessBackend(console_agent)
