"""People on their schedules, and routes through the building."""

from __future__ import annotations

import itertools

import pytest

from pepa.building.layout import load_building
from pepa.building.occupancy import CSpace
from pepa.building.routing import DriveLeg, ElevatorLeg, NoRouteError, Router, StairsLeg
from pepa.clock import at
from pepa.sim.people import People


@pytest.fixture(scope="module")
def office():
    return load_building()


@pytest.fixture()
def router(office) -> Router:
    return Router(office, CSpace(office))


def test_people_follow_their_weekday_schedule(office, router) -> None:
    people = People(office, router, seed=3)
    alice = office.people_by_id["alice"]
    monday = 0
    stays = people.stays(alice, monday)
    assert stays[0].activity == "desk" and stays[0].room == alice.desk
    assert any(s.activity == "meeting" for s in stays)
    assert any(s.activity == "lunch" for s in stays)
    for a, b in itertools.pairwise(stays):
        assert a.end_h <= b.start_h + 1e-9
    # before arrival and after leaving: not in the building
    assert people.state("alice", at(monday, 5.0)) is None
    assert people.state("alice", at(monday, 23.0)) is None
    # in the middle of a stay: standing in that room
    mid = stays[1]
    st = people.state("alice", at(monday, (mid.start_h + mid.end_h) / 2 + 0.05))
    assert st is not None and st.activity == mid.activity
    assert office.room(mid.room).contains(st.x, st.y) and st.floor == office.room(mid.room).floor
    # Alice does not work on Fridays, nobody works on Sundays
    assert people.stays(alice, 4) == []
    assert people.states(at(6, 11.0)) == []


def test_people_walk_between_rooms_in_free_space(office, router) -> None:
    people = People(office, router, seed=3)
    cs = router.cspace
    walking = 0
    for minute in range(7 * 60, 19 * 60, 3):
        for st in people.states(at(1, minute / 60)):
            grid = cs[st.floor].grid
            r, c = grid.to_cell(st.x, st.y)
            assert not cs[st.floor].static_blocked[r, c] or cs[st.floor].zone[r, c] >= 0
            walking += st.activity in ("walking", "arriving", "leaving")
    assert walking > 0


def test_same_seed_same_schedules(office, router) -> None:
    a = People(office, router, seed=5).states(at(2, 10.25))
    b = People(office, router, seed=5).states(at(2, 10.25))
    c = People(office, router, seed=6).states(at(2, 10.25))
    assert a == b and a != c


def test_people_on_one_floor_are_everyone_there(office, router) -> None:
    """The robot's looks ask for one floor only; the answer is the same people, stairs
    walkers (who change floor half-way) and someone led away and walking back included."""
    people = People(office, router, seed=4)
    people.pin(people.states(at(1, 9.0))[0])  # led by the robot...
    people.release(people.states(at(1, 9.0))[0].id, at(1, 9.1))  # ...and walking back
    walkers = 0
    for second in range(int(at(1, 7.5)), int(at(1, 19.0)), 37):
        everyone = people.states(second)
        for floor in office.floor_levels:
            assert people.states_on(floor, second) == [s for s in everyone if s.floor == floor]
        walkers += sum(s.activity == "walking" for s in everyone)
    assert walkers > 0  # between rooms too, not only standing in them


def test_route_on_one_floor_is_a_single_drive(router) -> None:
    route = router.route((0, 12.0, 16.0), "ground_kitchen")
    assert [leg.kind for leg in route.legs] == ["drive"]
    leg = route.legs[0]
    for p, q in zip(leg.points, leg.points[1:], strict=False):
        assert router.cspace.segment_free(0, p, q)


def test_route_across_floors_takes_the_elevator_by_cost(router) -> None:
    route = router.route((0, 12.0, 16.0), "printer_print_room_2")
    kinds = [leg.kind for leg in route.legs]
    assert kinds == ["drive", "elevator", "drive"]
    ride = route.legs[1]
    assert isinstance(ride, ElevatorLeg) and (ride.from_floor, ride.to_floor) == (0, 2)
    assert route.goal[0] == 2


def test_stairs_when_every_elevator_is_unavailable(router, office) -> None:
    for e in office.elevators:
        router.set_elevator_available(e.id, False)
    route = router.route((0, 12.0, 16.0), "kitchen_1")
    assert any(isinstance(leg, StairsLeg) for leg in route.legs)
    assert not any(isinstance(leg, ElevatorLeg) for leg in route.legs)
    router.set_elevator_available(office.elevators[0].id, True)
    assert any(
        isinstance(leg, ElevatorLeg) for leg in router.route((0, 12.0, 16.0), "kitchen_1").legs
    )


def test_blocked_corridor_reroutes_and_a_full_block_has_no_route(router) -> None:
    before = router.route((0, 12.0, 16.0), "ground_kitchen")
    block = (26.0, 9.4, 27.5, 12.0)  # the north part of the corridor on floor 0
    router.block(0, block)
    after = router.route((0, 12.0, 16.0), "ground_kitchen")
    leg = after.legs[0]
    assert isinstance(leg, DriveLeg)
    for p, q in zip(leg.points, leg.points[1:], strict=False):
        assert router.cspace.segment_free(0, p, q)
    assert after.cost_s >= before.cost_s - 1e-6
    router.block(0, (26.0, 8.0, 27.5, 12.0))  # the whole width
    with pytest.raises(NoRouteError):
        router.route((0, 12.0, 16.0), "ground_kitchen")
    router.block(0, (26.0, 8.0, 27.5, 12.0), blocked=False)
    assert router.route((0, 12.0, 16.0), "ground_kitchen").cost_s == pytest.approx(before.cost_s)


def test_unknown_place_is_a_clear_error(router) -> None:
    with pytest.raises(ValueError, match="unknown place 'moon'"):
        router.route((0, 12.0, 16.0), "moon")
