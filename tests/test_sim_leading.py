"""Leading a person: they leave their schedule, walk behind the robot (through doors, into the
elevator car, up the stairs) and, let go, walk back to their schedule without jumping."""

from __future__ import annotations

import itertools
import math
from collections import deque

import pytest

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim import leading
from pepa.sim.events import EventConfig
from pepa.sim.leading import FOLLOW_GAP_M
from pepa.sim.tour import TourController
from pepa.sim.world import World

QUIET = EventConfig(requests_per_hour=0, objects_per_day=0, blockages_per_day=0, outages_per_day=0)


@pytest.fixture(scope="module")
def office():
    return load_building()


def _world(office, seed: int = 1) -> World:
    return World(office, seed=seed, start_time=at(0, 10.5), event_config=QUIET)


def _beside(w: World, person: str) -> None:
    """Put the robot 1.5 m from the person, in sight of them, facing them."""
    st = w.people.state(person, w.now)
    assert st is not None
    for k in range(16):
        a = k * math.pi / 8
        x, y = st.x + 1.5 * math.cos(a), st.y + 1.5 * math.sin(a)
        if w._free(st.floor, x, y) and w.line_of_sight(st.floor, (x, y), (st.x, st.y)):
            r = w.robot
            r.floor, r.x, r.y, r.theta = st.floor, x, y, a + math.pi
            return
    raise AssertionError(f"no free spot beside {person}")


def _drive(w: World, place: str, limit_s: float = 1800.0) -> TourController:
    """Drive the robot to ``place`` with the scripted controller (and stop there)."""
    tour = TourController(w)
    tour.targets = deque([place])
    tour.mode = "plan"
    tour.next_round = w.now + 10 * 86_400.0
    end = w.now + limit_s
    while w.now < end and not (tour.mode == "rest" and not tour.targets):
        tour.run(min(end, w.now + 5.0))
    assert tour.targets_reached == 1, f"the robot did not get to {place}"
    return tour


def _walk_back(w: World, person: str, seconds: float) -> list:
    """Sample the person each second while the world runs on with the robot still."""
    out = []
    for _ in range(int(seconds)):
        w.skip(w.now + 1.0)
        out.append(w.people.state(person, w.now))
    return out


def _no_jumps(states: list, speed: float) -> None:
    for a, b in itertools.pairwise(states):
        if a is not None and b is not None and a.floor == b.floor:
            assert math.hypot(b.x - a.x, b.y - a.y) <= speed * 1.0 + 1e-6, (a, b)


def test_led_person_follows_the_robot_to_another_room_then_walks_back(office) -> None:
    w = _world(office)
    _beside(w, "eva")
    assert w.lead_person("eva", True)
    assert w.people.state("eva", w.now).activity == "following"
    _drive(w, "meeting_room_cosmos")
    w.skip(w.now + 5.0)  # they catch up with the stopped robot
    eva = w.people.state("eva", w.now)
    r = w.robot
    assert eva.floor == r.floor == 0
    assert office.room_at(0, eva.x, eva.y).id == "meeting_room_cosmos"
    assert math.hypot(eva.x - r.x, eva.y - r.y) <= FOLLOW_GAP_M + 0.2
    # she faces the robot, badge towards it
    seen = [s for s in w.visible(fov_rad=2 * math.pi, range_m=5.0) if s.id == "eva"]
    assert seen and seen[0].facing

    assert w.lead_person("eva", False)
    released_at = w.now
    speed = office.people_by_id["eva"].walk_speed_mps
    path = _walk_back(w, "eva", 600)
    assert path[0] is not None and path[0].activity == "walking"
    assert math.hypot(path[0].x - eva.x, path[0].y - eva.y) <= speed + 1e-6  # no teleport
    _no_jumps(path, speed)
    # back at her desk, in step with the schedule a fresh world computes for this time
    fresh = _world(office).people.state("eva", w.now)
    back = path[-1]
    assert back.activity == fresh.activity == "desk"
    assert (back.floor, back.x, back.y) == pytest.approx((fresh.floor, fresh.x, fresh.y))
    assert w.now - released_at == pytest.approx(600.0)


def test_led_person_rides_the_elevator_with_the_robot(office) -> None:
    w = _world(office)
    _beside(w, "eva")
    assert w.lead_person("eva", True)
    _drive(w, "kitchen_1")
    assert w.stats.elevator_rides >= 1
    w.skip(w.now + 5.0)
    eva = w.people.state("eva", w.now)
    r = w.robot
    assert eva.floor == r.floor == 1
    assert office.room_at(1, eva.x, eva.y).id == "kitchen_1"
    assert math.hypot(eva.x - r.x, eva.y - r.y) <= FOLLOW_GAP_M + 0.2
    assert all("eva" not in car.riders for car in w.elevators.values())
    w.lead_person("eva", False)
    path = _walk_back(w, "eva", 900)
    assert any(p is None for p in path)  # riding the elevator back down
    assert path[-1] is not None and path[-1].floor == 0 and path[-1].activity == "desk"


def test_led_person_climbs_the_stairs_with_the_robot(office) -> None:
    w = _world(office)
    for e in office.elevators:
        w.set_elevator_out_of_service(e.id, True)
    _beside(w, "eva")
    assert w.lead_person("eva", True)
    _drive(w, "engineering_office_b", limit_s=3600.0)
    assert w.stats.stairs_climbs >= 1
    w.skip(w.now + 10.0)
    eva = w.people.state("eva", w.now)
    assert eva.floor == w.robot.floor == 1
    assert office.room_at(1, eva.x, eva.y).id == "engineering_office_b"


def test_person_left_behind_by_a_full_car_waits_by_the_lift(office) -> None:
    w = _world(office)
    for car in w.elevators.values():
        car.riders["crowd"] = car.spec.capacity - 2  # room for the robot only
    _beside(w, "eva")
    assert w.lead_person("eva", True)
    _drive(w, "kitchen_1")
    w.skip(w.now + 30.0)
    eva = w.people.state("eva", w.now)
    assert w.robot.floor == 1 and eva.floor == 0
    assert office.room_at(0, eva.x, eva.y).id == "elevator_lobby_0"
    assert eva.activity == "following"
    assert w.lead_person("eva", False)
    path = _walk_back(w, "eva", 300)
    assert path[-1].activity == "desk"


def test_lead_is_refused_out_of_reach_and_unknown_people_are_named(office) -> None:
    w = _world(office)
    assert not w.lead_person("alice", True)  # across the building
    assert "alice" not in w.leading.followers
    assert w.lead_person("alice", False)  # letting go of someone not led: nothing to do
    with pytest.raises(ValueError, match="unknown person 'zorro'"):
        w.lead_person("zorro", True)
    night = World(office, seed=1, start_time=at(0, 23.0), event_config=QUIET)
    assert not night.lead_person("eva", True)  # not in the building


def test_leading_is_deterministic_per_seed(office) -> None:
    def run() -> tuple:
        w = _world(office, seed=5)
        _beside(w, "eva")
        w.lead_person("eva", True)
        _drive(w, "kitchen_1")
        w.lead_person("eva", False)
        w.skip(w.now + 120.0)
        return w.trajectory_hash(), w.people.state("eva", w.now)

    assert run() == run()


def test_a_follower_who_falls_far_behind_loses_the_robot(office, monkeypatch) -> None:
    monkeypatch.setattr(leading, "MAX_TRAIL", 20)
    w = _world(office)
    _beside(w, "eva")
    assert w.lead_person("eva", True)
    f = w.leading.followers["eva"]
    f.speed_mps = 1e-9  # she barely moves while the robot drives off
    _drive(w, "meeting_room_cosmos")
    assert f.missed_ride and len(f.trail) == 21  # no longer records where the robot goes
    f.speed_mps = 1.2
    w.skip(w.now + 120.0)
    eva = w.people.state("eva", w.now)
    assert office.room_at(0, eva.x, eva.y).id != "meeting_room_cosmos"
