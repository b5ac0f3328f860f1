"""The Sys2 node decides on the coordinator's cadence: over real rclpy and DDS, on its own domain.

The Sys2 node runs in this process on the simulated clock; a probe node plays the simulator's
clock and Sys1 (it publishes an idle robot's state and answers every plan with a skill that
fails at once), and Sys3 (one daily goal). Counted over simulated time, the goal is not
decided again before the backoff of the failures so far: no decision burst.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pepa_ros import qos
from pepa_ros.background_spin import spinning
from pepa_ros.codec import JsonCodec
from pepa_ros.managed import bring_up
from pepa_ros.sys2_node import Sys2Node
from pepa_ros.topics import DAILY_GOALS, DECISIONS, STEP_RESULTS, WORLD_STATE
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node
from ros_support import wait_for
from rosgraph_msgs.msg import Clock
from sys2_support import state

from pepa.agent.coordinator.cadence import failure_backoff_s
from pepa.clock import at
from pepa.messages import (
    Condition,
    DailyGoal,
    Decision,
    Idle,
    PlanSource,
    SkillCall,
    SkillResult,
    SkillStatus,
    StepResult,
)

pytestmark = pytest.mark.ros

START = at(0, 9.0)
WINDOW_S = 900.0
STEP_S = 2.0  # simulated seconds per clock message


def _clock(t: float) -> Clock:
    msg = Clock()
    msg.clock.sec, msg.clock.nanosec = int(t), round(t % 1 * 1e9)
    return msg


def test_a_goal_whose_skill_fails_at_once_is_decided_again_only_after_its_backoff(
    ros_context: Any, tmp_path: Path
) -> None:
    sys2 = Sys2Node(
        context=ros_context,
        parameters={
            "data_dir": str(tmp_path),
            "use_sim_time": True,
            "personality": "Curious",
            "decide_rate_hz": 20.0,
        },
    )
    bring_up(sys2)  # a managed node: configured and activated as `pepa run` does
    probe = Node("coordinator_probe", context=ros_context)
    codec = JsonCodec()
    clock = probe.create_publisher(Clock, "/clock", qos.profile("clock"))
    states = codec.publisher(probe, type(state()), WORLD_STATE.name, qos.profile(WORLD_STATE.qos))
    results = codec.publisher(probe, StepResult, STEP_RESULTS.name, qos.profile(STEP_RESULTS.qos))
    goals = codec.publisher(probe, DailyGoal, DAILY_GOALS.name, qos.profile(DAILY_GOALS.qos))
    decided: list[Decision] = []
    now = [START]
    lock = threading.Lock()

    def fail_at_once(d: Decision) -> None:  # Sys1's part: the skill fails as it starts
        with lock:
            decided.append(d)
            t = now[0]
        call = d.plan.steps[d.plan.progress]
        result = SkillResult(
            call=call,
            status=SkillStatus.FAILURE,
            reason="test: fails at once",
            started_at=t,
            ended_at=t,
        )
        results.publish(StepResult(plan_id=d.plan.id, result=result))

    codec.subscribe(probe, Decision, DECISIONS.name, fail_at_once, qos.profile(DECISIONS.qos))
    goal = DailyGoal(
        day=0,
        text="explore floor 1 when idle",
        condition=Condition(all_of=[Idle()]),
        action=SkillCall(skill="explore", args={"floor": 1}),
        priority=1.0,
    )
    executor = MultiThreadedExecutor(context=ros_context)
    executor.add_node(sys2)
    executor.add_node(probe)
    try:
        with spinning(executor):
            assert wait_for(lambda: goals.subscribers() > 0 and states.subscribers() > 0, 20)
            goals.publish(goal)
            assert wait_for(lambda: goal.id in {g.id for g in sys2.sys2.goals}, 10)
            for _ in itertools.count():
                with lock:
                    t = now[0]
                if t >= START + WINDOW_S:
                    break
                clock.publish(_clock(t))
                states.publish(state(hour=9.0).model_copy(update={"time": t, "idle": True}))
                time.sleep(0.02)
                with lock:
                    now[0] = t + STEP_S
    finally:
        executor.shutdown()
        sys2.destroy_node()
        probe.destroy_node()

    with lock:
        fresh = [
            d
            for i, d in enumerate(decided)
            if not (i > 0 and d.source == PlanSource.RULE and d.chosen == decided[i - 1].chosen)
        ]
    assert len(fresh) >= 3, "the goal was decided, failed and decided again"
    assert any(d.chosen.ref == goal.id for d in fresh)
    for n, (a, b) in enumerate(itertools.pairwise(fresh), start=1):
        assert b.time - a.time >= failure_backoff_s(n) - STEP_S, (n, a.time, b.time)
    # without the backoff it would be one decision per clock step: hundreds
    assert len(fresh) <= 8
