"""The robot base: commands, collisions, odometry, stairs, and the battery."""

from __future__ import annotations

import math

import pytest

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.battery import Battery, BatteryConfig
from pepa.sim.robot import CommandError, RobotConfig
from pepa.sim.world import World


@pytest.fixture(scope="module")
def office():
    return load_building()


def _world(office, **kw) -> World:
    return World(
        office, seed=kw.pop("seed", 0), start_time=at(5, 7.0), passengers_per_hour=0, **kw
    )  # a Saturday: no events, no people in the way


def _place(world: World, floor: int, x: float, y: float, theta: float) -> None:
    r = world.robot
    r.floor, r.x, r.y, r.theta = floor, x, y, theta
    r.odom_x, r.odom_y, r.odom_theta = x, y, theta


def test_nan_command_is_rejected_with_a_clear_error(office) -> None:
    w = _world(office)
    with pytest.raises(CommandError, match="must be finite"):
        w.set_cmd_vel(float("nan"), 0.0)
    with pytest.raises(CommandError):
        w.set_cmd_vel(0.1, float("inf"))
    assert w.robot.rejected_commands == 2
    assert w.robot.v == 0.0


def test_commands_above_the_limits_are_clamped_and_counted(office) -> None:
    w = _world(office)
    w.set_cmd_vel(5.0, -9.0)
    assert w.robot.v == w.robot.config.max_v
    assert w.robot.w == -w.robot.config.max_w
    w.set_cmd_vel(0.5, 0.2)
    assert w.robot.clamped_commands == 1


def test_robot_never_passes_through_a_wall(office) -> None:
    w = _world(office)
    room = office.room("front_office")  # rect x 16..24, y 0..8; corridor wall at y = 8
    _place(w, 0, 18.0, 6.0, math.pi / 2)  # facing the corridor wall, away from the door
    w.set_cmd_vel(1.0, 0.0)
    for _ in range(100):
        w.step(0.1)
        w.set_cmd_vel(1.0, 0.0)
    r = w.robot
    assert r.y <= room.rect[3] - r.config.radius_m - 0.05
    assert r.y > 7.0  # it did drive up to the wall
    assert r.collisions > 0 and r.collided


def test_robot_drives_through_a_door_gap(office) -> None:
    w = _world(office)
    door = next(d for d in office.doors if d.id == "door_front_office")
    _place(w, 0, door.center[0], 6.5, math.pi / 2)
    for _ in range(40):
        w.set_cmd_vel(0.8, 0.0)
        w.step(0.1)
    assert w.robot.y > 9.0
    assert w.robot.collisions == 0


def test_odometry_drifts_with_noise_and_is_seeded(office) -> None:
    def drive(seed: int, noise: bool) -> tuple[float, float, float, float]:
        cfg = (
            RobotConfig() if noise else RobotConfig(odom_noise_v=0, odom_noise_w=0, odom_drift_w=0)
        )
        w = _world(office, seed=seed, robot_config=cfg)
        _place(w, 0, 10.0, 10.0, 0.0)
        for i in range(300):
            w.set_cmd_vel(0.8, 0.3 if (i // 50) % 2 else -0.3)
            w.step(0.1)
        r = w.robot
        return r.x, r.y, r.odom_x, r.odom_y

    x, y, ox, oy = drive(1, noise=False)
    assert ox == pytest.approx(x, abs=1e-6) and oy == pytest.approx(y, abs=1e-6)
    a = drive(1, noise=True)
    b = drive(1, noise=True)
    c = drive(2, noise=True)
    assert a == b
    assert a[2:] != c[2:]
    assert 0.001 < math.hypot(a[2] - a[0], a[3] - a[1]) < 2.0


def _climb(world: World, target_floor: int) -> float:
    """Follow the stairs path with a simple controller; returns the seconds taken."""
    s = world.building.stairs[0]
    pts = world.router._stairs_points(s.id, up=target_floor > world.robot.floor)
    t0 = world.now
    for px, py in pts[1:]:
        for _ in range(2000):
            r = world.robot
            d = math.hypot(px - r.x, py - r.y)
            if d < 0.15:
                break
            err = (math.atan2(py - r.y, px - r.x) - r.theta + math.pi) % (2 * math.pi) - math.pi
            world.set_cmd_vel(0.0 if abs(err) > 0.5 else 0.8, 2.0 * err)
            world.step(0.1)
    world.set_cmd_vel(0.0, 0.0)
    return world.now - t0


def test_stairs_lift_the_robot_slowly_at_a_higher_energy_cost(office) -> None:
    w = _world(office)
    s = office.stairs[0]
    start = w.router._stairs_points(s.id, up=True)[0]
    _place(w, 0, start[0], start[1], -math.pi / 2)
    e0 = w.battery.drawn_wh
    seconds = _climb(w, 1)
    r = w.robot
    assert r.floor == 1 and r.z == 1.0 and not r.on_stairs
    assert r.collisions == 0
    assert r.stairs_distance_m > 5.0
    stair_energy = w.battery.drawn_wh - e0
    # the same distance on the flat, at the same speed, costs less than the stairs did
    flat = Battery(BatteryConfig())
    v = s.speed_limit_mps
    flat.drain(flat.load_w(v, 0.0), r.stairs_distance_m / v)
    assert stair_energy > flat.drawn_wh * 1.5
    assert seconds > r.stairs_distance_m / 0.31  # speed capped on the flights
    # and back down
    _climb(w, 0)
    assert w.robot.floor == 0


def test_no_stairs_below_the_ground_floor(office) -> None:
    w = _world(office)
    s = office.stairs[0]
    pts = w.router._stairs_points(s.id, up=False)
    _place(w, 0, pts[0][0], pts[0][1], 0)
    _climb(w, -1)
    assert w.robot.floor == 0 and w.robot.z == 0.0


def test_battery_drains_by_motion_idle_and_sensing() -> None:
    b = Battery(BatteryConfig(capacity_wh=100.0))
    assert b.load_w(1.0, 0.0) > b.load_w(0.0, 0.0) > 0
    idle = b.load_w(0.0, 0.0)
    b.sensing = False
    assert b.load_w(0.0, 0.0) == idle - b.config.sensing_w
    b.drain(100.0, 1800.0)
    assert b.soc == pytest.approx(0.5)
    lasted = b.drain(100.0, 3600.0)
    assert lasted == pytest.approx(1800.0) and b.empty and b.soc == 0.0


def test_battery_charges_at_a_realistic_rate_with_a_taper() -> None:
    b = Battery(BatteryConfig(capacity_wh=430.0, initial_soc=0.2, charge_w=180.0))
    b.charge(3600.0, load_w=35.0)
    assert 0.45 < b.soc < 0.6  # about 145 Wh in an hour
    b.charge(4 * 3600.0, load_w=35.0)
    assert b.soc == pytest.approx(1.0, abs=0.02)
    assert b.charge_power_w() < b.config.charge_w


def test_empty_battery_stops_the_robot_and_is_recorded(office) -> None:
    w = _world(office, battery_config=BatteryConfig(capacity_wh=0.05))
    _place(w, 0, 20.0, 10.0, 0.0)
    for _ in range(50):
        w.set_cmd_vel(0.8, 0.0)
        w.step(0.1)
    assert w.robot.stopped and w.battery.empty
    assert w.stats.battery_empty_at
    assert any("battery empty" in msg for _, msg in w.log)
    x = w.robot.x
    w.set_cmd_vel(0.8, 0.0)
    w.step(1.0)
    assert w.robot.x == x
    assert w.summary()["battery_empty_events"] == 1


def test_robot_charges_on_the_dock(office) -> None:
    w = _world(office, battery_config=BatteryConfig(initial_soc=0.3))
    assert w.charging  # it starts on the dock
    w.skip(w.now + 3600.0)
    assert w.battery.soc > 0.6
    assert w.robot_state().charging
