"""The world as a whole: determinism, the scripted tour, events, ground-truth visibility, CLI."""

from __future__ import annotations

import json
import math

import pytest

from pepa.agent.cli import main as pepa
from pepa.building.layout import load_building
from pepa.clock import SimClock, at
from pepa.sim.events import CorridorBlocked, EventGenerator, PersonRequest
from pepa.sim.tour import TourController
from pepa.sim.world import World


@pytest.fixture(scope="module")
def office():
    return load_building()


def _tour(office, seed: int, hours: float) -> World:
    w = World(office, seed=seed, start_time=at(0, 7.95))
    TourController(w).run(w.now + hours * 3600.0)
    return w


def test_same_seed_same_trajectory_hash(office) -> None:
    a = _tour(office, 4, 0.5)
    b = _tour(office, 4, 0.5)
    c = _tour(office, 5, 0.5)
    assert a.trajectory_hash() == b.trajectory_hash()
    assert a.summary() == b.summary()
    assert a.trajectory_hash() != c.trajectory_hash()


def test_tour_visits_every_floor_by_elevator_and_returns_to_charge(office) -> None:
    w = _tour(office, 1, 1.0)
    s = w.summary()
    assert s["floors_visited"] == office.floor_levels
    assert s["elevator_rides"] >= len(office.floor_levels)
    assert s["collisions"] == 0
    assert s["distance_m"] > 100
    assert w.charging  # back on the dock after the round


def test_tour_takes_the_stairs_when_the_elevators_are_out_of_service(office) -> None:
    w = World(office, seed=2, start_time=at(0, 7.95))
    for e in w.elevators:
        w.set_elevator_out_of_service(e, True)
    TourController(w).run(w.now + 0.5 * 3600.0)
    s = w.summary()
    assert s["elevator_rides"] == 0
    assert s["stairs_climbs"] >= 2 and s["stairs_distance_m"] > 10
    assert s["floors_visited"] == office.floor_levels


def test_world_drives_a_shared_sim_clock(office) -> None:
    clock = SimClock(at(0, 9.0))
    fired = []
    clock.schedule(at(0, 9.5), lambda: fired.append(clock.now()))
    w = World(office, seed=0, clock=clock)
    w.skip(at(0, 10.0))
    assert clock.now() == pytest.approx(at(0, 10.0))
    assert fired == [at(0, 9.5)]


def test_events_are_seeded_and_arrive_through_the_world(office) -> None:
    gen_a = EventGenerator(office, seed=7).day(1)
    gen_b = EventGenerator(office, seed=7).day(1)
    assert gen_a == gen_b and gen_a
    assert any(isinstance(e, PersonRequest) for e in EventGenerator(office, 7).day(2))
    req = next(
        e
        for d in range(5)
        for e in EventGenerator(office, 7).day(d)
        if isinstance(e, PersonRequest)
    )
    assert req.text and req.person_id in office.people_by_id
    w = World(office, seed=7, start_time=at(1, 6.0))
    w.skip(at(1, 20.0))
    got = w.poll_events()
    assert [e.id for e in got] == [e.id for e in gen_a]
    assert w.poll_events() == []
    PersonRequest.model_validate_json(req.model_dump_json())


def test_blocked_corridor_event_blocks_the_robot_path(office) -> None:
    w = World(office, seed=0, start_time=at(5, 7.0), passengers_per_hour=0)
    ev = CorridorBlocked(
        id="blk-test",
        t=w.now,
        floor=0,
        room="corridor_0",
        rect=(26.0, 8.0, 27.5, 12.0),
        until=w.now + 60,
        reason="test",
    )
    w._apply_event(ev)
    r = w.robot
    r.floor, r.x, r.y, r.theta = 0, 24.0, 10.0, 0.0
    for _ in range(60):
        w.set_cmd_vel(0.8, 0.0)
        w.step(0.1)
    assert r.x < 26.0 - r.config.radius_m + 0.05
    assert r.collisions > 0


def test_visible_sees_landmarks_in_view_and_not_through_walls(office) -> None:
    w = World(office, seed=0, start_time=at(5, 7.0), passengers_per_hour=0)
    lm = office.landmarks_by_id["printer_print_room_g"]  # against the north wall
    r = w.robot
    r.floor, r.x, r.y, r.theta = lm.floor, lm.x, lm.y - 3.0, math.pi / 2
    seen = {s.id: s for s in w.visible(fov_rad=math.radians(70), range_m=6.0)}
    assert lm.id in seen
    s = seen[lm.id]
    assert s.marker_id == lm.marker_id and s.facing and abs(s.bearing) < 0.1
    assert s.distance == pytest.approx(3.0 - lm.size_m[1] / 2, abs=0.1)
    # looking away: not in view
    r.theta = -math.pi / 2
    assert lm.id not in {s.id for s in w.visible(fov_rad=math.radians(70))}
    # from the corridor behind the wall: no line of sight
    r.x, r.y, r.theta = lm.x, 10.0, math.pi / 2
    assert lm.id not in {s.id for s in w.visible(fov_rad=math.radians(70), range_m=12.0)}


def test_visible_sees_badges_of_people_and_call_panels(office) -> None:
    w = World(office, seed=3, start_time=at(0, 10.7))
    states = w.people_states()
    assert len(states) >= 10
    checked = found = 0
    for p in states:
        for k in range(8):
            a = k * math.pi / 4
            x, y = p.x + 1.5 * math.cos(a), p.y + 1.5 * math.sin(a)
            if not w._free(p.floor, x, y) or not w.line_of_sight(p.floor, (x, y), (p.x, p.y)):
                continue
            pose = type("P", (), {"floor": p.floor, "x": x, "y": y, "theta": a + math.pi})
            checked += 1
            found += p.id in {s.id for s in w.visible(pose=pose, fov_rad=1.0, range_m=5.0)}
            break
    assert checked >= 5 and found == checked
    e = office.elevators[0]
    d = e.door(0)
    pose = type("P", (), {"floor": 0, "x": d.panel[0] + 2.5, "y": d.panel[1], "theta": math.pi})
    panels = [s for s in w.visible(pose=pose) if s.kind == "elevator_panel"]
    assert any(s.marker_id == d.panel_marker_id and s.facing for s in panels)


def test_cli_describe_prints_counts(capsys) -> None:
    assert pepa(["sim", "--describe", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["floors"] >= 3 and counts["rooms"] >= 24
    assert counts["elevators"] == 2 and counts["landmarks"] >= 20 and counts["people"] >= 15


def test_cli_runs_the_world_and_reports(capsys) -> None:
    assert pepa(["sim", "--hours", "0.6", "--seed", "2", "--start-hour", "7.95", "--json"]) == 0
    s = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert s["floors_visited"] == [0, 1, 2] and s["elevator_rides"] >= 3
    assert s["distance_m"] > 50 and 0 < s["battery_soc"] <= 1


def test_cli_rejects_a_bad_world_file(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    assert pepa(["sim", "--describe", "--world", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "aruco_dictionary" in err


def test_cli_render_saves_frames_and_floor_maps(tmp_path) -> None:
    out = tmp_path / "frames"
    args = ["sim", "--hours", "0.05", "--start-hour", "7.98", "--render", str(out)]
    assert pepa([*args, "--render-every", "60"]) == 0
    frames = sorted(out.glob("frame_*.png"))
    assert len(frames) == 3
    assert {p.name for p in out.glob("floor_*.png")} == {
        "floor_0.png",
        "floor_1.png",
        "floor_2.png",
    }
    import cv2

    image = cv2.imread(str(frames[0]))
    assert image is not None and image.shape[2] == 3 and image.std() > 0
