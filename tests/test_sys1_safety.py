"""The safety guard: known skills only, forbidden zones, battery reserve, speed near people,
text never executed, every override recorded."""

from __future__ import annotations

import math
from pathlib import Path

from sys1_support import rig

from pepa.agent.sys1.config import ControlConfig, Sys1Config, control_for
from pepa.agent.sys1.executor import HandleState
from pepa.messages import PlanSource, SkillCall
from pepa.personalities.loader import load
from pepa.robot import RobotPose
from pepa.sim.robot_adapter import run_world


def test_unknown_skills_and_bad_arguments_are_refused_and_recorded() -> None:
    r = rig()
    h = r.sys1.run(SkillCall(skill="self_destruct"))
    assert h.state == HandleState.REFUSED and "self_destruct" in h.reason
    h = r.sys1.run(SkillCall(skill="wait", args={"duration_s": 1e9}))
    assert h.state == HandleState.REFUSED and "duration" in h.reason
    h = r.sys1.run(SkillCall(skill="navigate", args={"place": "kitchen_1", "speed": 9}))
    assert h.state == HandleState.REFUSED and "speed" in h.reason
    overrides = [e for e in r.sink.items if e.kind == "safety"]
    assert len(overrides) == 3
    assert all(e.outcome == "override" for e in overrides)


def test_text_heard_or_sent_is_spoken_never_executed(tmp_path: Path) -> None:
    r = rig(hour=10.5)
    marker = tmp_path / "pwned"
    text = f"__import__('os').system('touch {marker}'); rm -rf / \x1b[2J\x00"
    h = r.call("speak", text=text)
    assert h.state == HandleState.SUCCESS
    assert not marker.exists()
    spoken = r.robot.said[-1][2]
    assert "__import__('os')" in spoken  # said as words
    assert "\x1b" not in spoken and "\x00" not in spoken


def test_a_velocity_command_into_a_forbidden_zone_is_stopped() -> None:
    r = rig()
    guard = r.sys1.guard
    # the lab bench zone is the east strip of the robotics lab (x 14.5-16)
    facing_zone = RobotPose(13.6, 16.0, 0.0, 0)
    v, w = guard.filter_cmd(facing_zone, 0.8, 0.1, r.world.now, hold_s=1.0)
    assert v == 0.0 and w == 0.1
    away = RobotPose(13.6, 16.0, math.pi, 0)
    assert guard.filter_cmd(away, 0.8, 0.0, r.world.now, hold_s=1.0)[0] == 0.8
    assert guard.overrides["forbidden_zone"] == 1
    assert any("forbidden zone" in e.caption for e in r.sink.items if e.kind == "safety")


def test_forbidden_zones_are_never_entered() -> None:
    r = rig()
    b = r.world.building
    zones = {f: b.forbidden_rects(f) for f in b.floor_levels}
    radius = r.world.robot.config.radius_m
    plan = [
        SkillCall(skill="navigate", args={"place": "print_room_g"}),
        SkillCall(skill="explore", args={"floor": 0}),
        SkillCall(skill="navigate", args={"place": "robotics_lab"}),
        SkillCall(skill="express", args={"emotion": "dance"}),
        SkillCall(skill="patrol", args={"floor": 1}),
    ]
    h = r.sys1.run(plan)
    end = r.world.now + 3 * 3600
    worst = math.inf
    while not h.done and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 5.0)
        rb = r.world.robot
        for x0, y0, x1, y1 in zones.get(rb.floor, ()):
            dx = max(x0 - rb.x, 0.0, rb.x - x1)
            dy = max(y0 - rb.y, 0.0, rb.y - y1)
            worst = min(worst, math.hypot(dx, dy))
    assert h.done, "the plan did not finish"
    assert worst > 0.0, "the robot's centre entered a forbidden zone"
    assert worst >= radius - 0.05, f"the robot's body reached into a forbidden zone ({worst})"


def test_speed_is_limited_near_people() -> None:
    r = rig(hour=10.5)
    assert r.call("approach_person", person="eva").state == HandleState.SUCCESS
    eva = r.sys1.perception.belief.people["eva"]
    near = RobotPose(eva.x - 0.8, eva.y, 0.0, eva.floor)
    v, _ = r.sys1.guard.filter_cmd(near, 1.0, 0.0, r.world.now)
    assert v == r.sys1.config.safety.near_person_mps
    far = RobotPose(eva.x - 6.0, eva.y, math.pi, eva.floor)
    assert r.sys1.guard.filter_cmd(far, 1.0, 0.0, r.world.now)[0] == 1.0
    assert any("person is close" in e.caption for e in r.sink.items if e.kind == "safety")


def test_battery_reserve_interrupts_work_to_charge() -> None:
    r = rig()
    cap = r.world.battery.config.capacity_wh
    r.world.battery.energy_wh = 0.17 * cap
    h = r.sys1.run(SkillCall(skill="patrol", args={"floor": 2}))
    end = r.world.now + 4 * 3600
    while not h.done and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 30.0)
    assert h.state == HandleState.CANCELLED and "battery reserve" in h.reason
    safety = r.sys1.handle
    assert safety is not None and safety.source == PlanSource.SAFETY
    assert safety.plan.steps[0].skill == "dock_and_charge"
    # work from Sys2 is refused while the safety charge runs
    refused = r.sys1.run(SkillCall(skill="explore"))
    assert refused.state == HandleState.REFUSED and "charging first" in refused.reason
    while not safety.done and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 60.0)
    assert safety.state == HandleState.SUCCESS, safety.reason
    assert r.world.battery.soc >= 0.94
    assert not r.world.stats.battery_empty_at
    captions = [e.caption for e in r.sink.items if e.kind == "safety"]
    assert any("reserve" in c and "interrupting patrol" in c for c in captions)


def test_the_reserve_waits_until_the_robot_is_out_of_the_elevator() -> None:
    r = rig()
    assert r.call("navigate", place="elevator_lobby_0").state == HandleState.SUCCESS
    h = r.sys1.run(SkillCall(skill="ride_elevator", args={"elevator": "elevator_a", "floor": 2}))
    # run until the robot is inside the car, then drain the battery
    end = r.world.now + 600
    while r.world.aboard is None and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 0.5)
    assert r.world.aboard == "elevator_a"
    r.world.battery.energy_wh = 0.12 * r.world.battery.config.capacity_wh
    while not h.done and r.world.now < end:
        run_world(r.world, r.sys1, r.world.now + 5.0)
    assert h.state == HandleState.SUCCESS, h.reason  # the ride finished first
    run_world(r.world, r.sys1, r.world.now + 30.0)
    assert r.sys1.handle.source == PlanSource.SAFETY


def test_a_careful_robot_slows_near_people_before_the_guard_has_to() -> None:
    care = 1.5
    r = rig(hour=10.5, config=Sys1Config(control=ControlConfig(slow_near_people_m=care)))
    assert r.call("approach_person", person="eva").state == HandleState.SUCCESS
    eva = r.sys1.perception.belief.people["eva"]
    safety = r.sys1.config.safety
    ctx = r.sys1.ctx
    beyond_guard = RobotPose(eva.x - (safety.near_person_m + care / 2), eva.y, 0.0, eva.floor)
    v = ctx.careful_speed(beyond_guard, 1.0)
    assert v == safety.near_person_mps
    # what it sends already suits the guard: nothing to override
    assert r.sys1.guard.filter_cmd(beyond_guard, v, 0.0, r.world.now)[0] == v
    assert not r.sys1.guard.overrides
    far = RobotPose(eva.x - (safety.near_person_m + 2 * care), eva.y, 0.0, eva.floor)
    assert ctx.careful_speed(far, 1.0) == 1.0
    # without the care it leaves it to the guard
    plain = rig(hour=10.5)
    assert plain.sys1.ctx.careful_speed(beyond_guard, 1.0) == 1.0


def test_the_personality_file_sets_how_carefully_sys1_drives() -> None:
    cautious, playful = load("Cautious"), load("Playful")
    assert control_for(cautious).slow_near_people_m == cautious.slow_near_people_m > 0
    assert control_for(playful, control_hz=20.0).slow_near_people_m == 0.0
