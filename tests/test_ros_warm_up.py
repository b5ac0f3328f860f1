"""``pepa run --warm-up-days 1`` on a fresh data directory: day 0 is lived in-process first, and
the live run on ROS starts on day 1 with day 0's reflection to review and its goals."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from pepa_ros import qos
from pepa_ros.topics import DAILY_GOALS, STATUS
from ros_agent_support import Probe, Stack, new_domain, wait_for

from pepa.agent.sys3.reflection_log import ReflectionLog
from pepa.agent.sys3.system import self_dir
from pepa.clock import at
from pepa.messages import AgentStatus, DailyGoal

pytestmark = [pytest.mark.ros, pytest.mark.slow]

WARM_UP_AND_START_S = 900.0
"""A whole day of the agent in-process (about half a minute on an idle machine), then start-up."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("warm-up")
    s = Stack(
        new_domain(),
        tmp / "data",
        tmp / "stack.log",
        "--nodes",
        "sim,sys1,sys2,sys3,console",
        "--personality",
        "Working",
        "--speed",
        "4",
        "--warm-up-days",
        "1",
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def probe(stack: Stack) -> Iterator[Probe]:
    p = Probe(stack.domain)
    p.watch(DailyGoal, DAILY_GOALS.name, qos.profile(DAILY_GOALS.qos, DAILY_GOALS.depth))
    up = wait_for(lambda: bool(p.messages(STATUS.name)), WARM_UP_AND_START_S, step=1.0)
    assert up, f"the agent published no status:\n{stack.output()[-4000:]}"
    yield p
    p.close()


def test_day_0_is_reflected_before_the_live_day_1_starts(stack: Stack, probe: Probe) -> None:
    output = stack.output()
    assert "the live run starts on day 1" in output, output[-3000:]
    reflection = ReflectionLog(self_dir(stack.data, "Working")).read(0)
    assert reflection is not None, "no reflection of day 0 in the live agent's self"
    first: AgentStatus = probe.messages(STATUS.name)[0]
    assert first.time >= at(1, 0.0), f"the live run began at {first.time}, not on day 1"


def test_day_1_goals_come_from_day_0s_reflection(stack: Stack, probe: Probe) -> None:
    reflection = ReflectionLog(self_dir(stack.data, "Working")).read(0)
    assert reflection is not None and reflection.tomorrow_goals
    wanted = {g.text for g in reflection.tomorrow_goals}
    assert wait_for(lambda: wanted <= {g.text for g in probe.messages(DAILY_GOALS.name)}, 60.0), (
        f"published: {[g.text for g in probe.messages(DAILY_GOALS.name)]}"
    )


def test_the_console_has_day_0_to_review_with_its_day_at_a_glance(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.port}/api/v1"
    with urllib.request.urlopen(f"{base}/reflections", timeout=30) as resp:
        days = json.load(resp)
    assert [d["day"] for d in days] == [0]
    with urllib.request.urlopen(f"{base}/days/0/glance", timeout=30) as resp:
        glance = json.load(resp)
    assert glance["day"] == 0 and glance["activities"] and glance["places"]
