"""The decision cadence both hosts share, checked once on the simulated clock."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sys2_support import deliberator, office, state

from pepa.agent.coordinator.cadence import (
    BEDTIME_RETRY_S,
    FAILURE_BACKOFF_S,
    IDLE_DECIDE_S,
    MAX_FAILURE_BACKOFF_S,
    PREEMPT_CHECK_S,
    Cadence,
    failure_backoff_s,
)
from pepa.agent.coordinator.coordinator import (
    BEDTIME_ROUTINE,
    Coordinator,
    Owner,
    Whereabouts,
    at_rest,
)
from pepa.agent.sys1.recorder import ExperienceRecorder, ListSink
from pepa.clock import SimClock, at
from pepa.messages import SkillStatus
from pepa.robot import RobotPose

NINE = at(0, 9.0)


def coordinator(tmp_path: Path) -> tuple[Coordinator, ListSink]:
    building, knowledge = office()
    sink = ListSink()
    where = Whereabouts(RobotPose(*building.room("robotics_lab").center, 0.0, 0), 0.9)
    coord = Coordinator(
        deliberator("curious", data_dir=tmp_path),
        Cadence(),
        ExperienceRecorder(sink, building),
        knowledge,
        lambda: where,
    )
    coord.cadence.begin_day(NINE)
    return coord, sink


def test_idle_robot_decides_at_once_then_waits_the_idle_period_when_nothing_is_chosen() -> None:
    cad = Cadence()
    cad.begin_day(NINE)
    assert cad.idle_decide_due(NINE)
    cad.nothing_chosen(NINE)
    assert not cad.idle_decide_due(NINE + IDLE_DECIDE_S - 1.0)
    assert cad.idle_decide_due(NINE + IDLE_DECIDE_S)


def test_a_poke_brings_the_next_decision_forward_once() -> None:
    cad = Cadence()
    cad.begin_day(NINE)
    cad.nothing_chosen(NINE)
    cad.poke()
    assert cad.idle_decide_due(NINE + 1.0)
    assert not cad.idle_decide_due(NINE + 2.0)  # the poke was used up


def test_preemption_is_checked_every_period_or_on_a_poke() -> None:
    cad = Cadence()
    cad.begin_day(NINE)
    cad.plan_started(NINE)
    assert not cad.preempt_check_due(NINE + PREEMPT_CHECK_S - 1.0)
    assert cad.preempt_check_due(NINE + PREEMPT_CHECK_S)
    assert not cad.preempt_check_due(NINE + PREEMPT_CHECK_S + 1.0)
    cad.poke()
    assert cad.preempt_check_due(NINE + PREEMPT_CHECK_S + 2.0)


def test_backoff_doubles_per_failure_in_a_row_up_to_its_limit_and_a_success_resets_it() -> None:
    assert [failure_backoff_s(n) for n in range(1, 5)] == [
        FAILURE_BACKOFF_S * f for f in (1, 2, 4, 8)
    ]
    assert failure_backoff_s(30) == MAX_FAILURE_BACKOFF_S
    cad = Cadence()
    cad.begin_day(NINE)
    cad.plan_ended(NINE, SkillStatus.FAILURE)
    cad.plan_ended(NINE, SkillStatus.FAILURE)
    assert cad.next_decide == NINE + 2 * FAILURE_BACKOFF_S
    cad.plan_ended(NINE, SkillStatus.SUCCESS)
    assert (cad.failures, cad.next_decide) == (0, NINE)
    cad.plan_ended(NINE, SkillStatus.CANCELLED)  # neither counts nor resets
    assert cad.next_decide == NINE


def test_plans_that_fail_at_once_are_decided_again_only_after_each_backoff(
    tmp_path: Path,
) -> None:
    """An hour of simulated time in which every plan Sys2 starts fails at once."""
    coord, sink = coordinator(tmp_path)
    clock = SimClock(NINE)
    decided: list[float] = []
    while clock.now() < NINE + 3600.0:
        now = clock.now()
        seen = state(hour=9.0 + (now - NINE) / 3600)
        decision = coord.decide(now, lambda seen=seen: seen, sys1_busy=False)
        if decision is not None:
            decided.append(now)
            coord.started(decision, now)
            coord.sys2.interrupt(now, "the skill failed at once")
            coord.ended(now, SkillStatus.FAILURE)
        clock.advance_to(now + 1.0)
    gaps = [b - a for a, b in itertools.pairwise(decided)]
    assert len(decided) >= 3
    # each wait is at least the backoff of the failures so far (an idle period may add to it)
    for n, gap in enumerate(gaps, start=1):
        assert gap >= failure_backoff_s(n)
    assert len(decided) <= 12  # without backoff it would be one a second: 3,600
    assert sink.kinds().count("decision") == len(decided)


def test_a_new_request_still_pokes_sys2_during_a_backoff(tmp_path: Path) -> None:
    coord, _ = coordinator(tmp_path)
    for _ in range(4):
        coord.cadence.plan_ended(NINE, SkillStatus.FAILURE)
    assert coord.decide(NINE + 1.0, lambda: state(), sys1_busy=False) is None
    coord.poke()
    assert coord.decide(NINE + 2.0, lambda: state(), sys1_busy=False) is not None


def test_nothing_is_decided_while_sys1_runs_its_own_safety_plan(tmp_path: Path) -> None:
    coord, _ = coordinator(tmp_path)
    coord.poke()
    assert coord.decide(NINE, lambda: state(), sys1_busy=True) is None


def test_routine_and_dropped_work_is_never_preempted(tmp_path: Path) -> None:
    coord, _ = coordinator(tmp_path)
    coord.took_over(Owner.ROUTINE, "plan-x")
    coord.poke()
    assert coord.decide(NINE + PREEMPT_CHECK_S * 2, lambda: state(), sys1_busy=True) is None
    with pytest.raises(ValueError, match="started"):
        coord.took_over(Owner.SYS2, "plan-y")


def test_bedtime_drops_sys2s_plan_once_then_docks_and_retries_only_after_a_while(
    tmp_path: Path,
) -> None:
    coord, sink = coordinator(tmp_path)
    bed = at(0, 23.0)
    decision = coord.decide(bed - 60.0, lambda: state(hour=22.9), sys1_busy=False)
    assert decision is not None
    coord.started(decision, bed - 60.0)
    dropped: list[str] = []

    def drop(reason: str) -> None:
        dropped.append(reason)
        coord.ended(bed, SkillStatus.CANCELLED)

    assert coord.begin_bedtime(bed, drop)
    assert not coord.begin_bedtime(bed + 1.0, drop)
    assert len(dropped) == 1 and "bedtime" in dropped[0]
    assert "routine" in sink.kinds()
    assert not coord.dock_due(bed, sys1_busy=True, charging=False)
    assert coord.dock_due(bed, sys1_busy=False, charging=False)
    routine = coord.routine_decision(BEDTIME_ROUTINE, "bedtime: dock and charge", bed)
    coord.took_over(Owner.ROUTINE, routine.plan.id)
    coord.ended(bed + 30.0, SkillStatus.FAILURE)  # did not reach the dock
    assert not coord.dock_due(bed + 31.0, sys1_busy=False, charging=False)
    assert coord.dock_due(bed + BEDTIME_RETRY_S, sys1_busy=False, charging=False)
    assert not coord.dock_due(bed + 2 * BEDTIME_RETRY_S, sys1_busy=False, charging=True)


def test_the_robot_rests_from_bedtime_until_the_morning() -> None:
    assert at_rest(at(2, 23.5), 8.0, 23.0)
    assert at_rest(at(3, 3.0), 8.0, 23.0)
    assert not at_rest(at(3, 8.0), 8.0, 23.0)
    assert not at_rest(at(3, 22.99), 8.0, 23.0)
