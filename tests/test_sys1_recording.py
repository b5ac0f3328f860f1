"""What Sys1 records beyond skill starts and ends: rides inside other skills, time on the
charger whatever put the robot there, and people who stay in view."""

from __future__ import annotations

import itertools
import re

from sys1_support import rig

from pepa.agent.sys1.executor import HandleState
from pepa.agent.sys1.recorder import CHARGING, ELEVATOR_RIDE

_BOARDED = re.compile(r"^robot boarded (\S+) at floor (\d+)$")


def test_an_elevator_ride_inside_navigate_is_an_episode_of_its_own() -> None:
    r = rig()
    h = r.call("navigate", place="kitchen_2")
    assert h.state == HandleState.SUCCESS, h.reason
    boarded = [m.groups() for _, line in r.world.log if (m := _BOARDED.match(line))]
    assert boarded, "the way to floor 2 should take an elevator"
    rides = [e for e in r.sink.items if e.kind == ELEVATOR_RIDE]
    assert [e.caption.split(": ", 1)[1] for e in rides] == [
        f"boarded {car} on floor {floor} to ride to floor 2" for car, floor in boarded
    ]
    # a step of navigate, not a skill of its own: Sys3 counts navigate's outcome only
    assert all(e.skill is None and e.outcome is None for e in rides)
    assert [e.skill for e in r.sink.items if e.kind == "skill_end"] == ["navigate"]


def test_resting_on_the_dock_is_recorded_as_time_on_the_charger() -> None:
    r = rig()  # the robot starts the day on its dock
    assert r.world.charging
    assert r.call("rest", duration_s=1200).state == HandleState.SUCCESS
    assert r.call("navigate", place="corridor_0").state == HandleState.SUCCESS
    eps = [e for e in r.sink.items if e.kind == CHARGING]
    assert [e.outcome for e in eps] == ["started", "stopped"]
    on_charger = eps[1].time - eps[0].time
    # the simulator's own count, to within one control period of the robot driving off
    assert abs(on_charger - r.world.stats.charging_s) <= r.sys1.ctx.control_dt + 1e-6
    assert on_charger >= 1200


def test_a_person_who_stays_in_view_is_recorded_again_now_and_then() -> None:
    r = rig(hour=10.5)  # eva works at her desk in the robotics lab, where the robot starts
    assert r.call("approach_person", person="eva").state == HandleState.SUCCESS
    assert r.call("wait", duration_s=1500).state == HandleState.SUCCESS
    every = r.sys1.config.perception.person_note_s
    times = [e.time for e in r.sink.items if e.kind == "percept" and "eva" in e.people]
    assert len(times) >= 3  # met, then still in view twice during the 25 minutes
    assert all(b - a >= every for a, b in itertools.pairwise(times))
    last_seen = r.sys1.perception.belief.people["eva"].time
    assert last_seen - times[-1] < every  # memory's "last seen" lags less than that
