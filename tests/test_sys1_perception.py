"""Perception (camera vs oracle), the public context buffer and experience recording."""

from __future__ import annotations

import threading

from sys1_support import QUIET, office, rig

from pepa.agent.sys1.config import PerceptionConfig, Sys1Config
from pepa.agent.sys1.executor import HandleState, Sys1
from pepa.agent.sys1.perception import CameraDetector, OracleDetector
from pepa.agent.sys1.public_context import PublicContext
from pepa.agent.sys1.recorder import ListSink
from pepa.clock import at
from pepa.memory.importance import OfflineImportanceScorer
from pepa.messages import SkillCall, SkillStatus
from pepa.robot import RobotPose, Sighting
from pepa.sim.robot_adapter import SimRobot, WorldTruth
from pepa.sim.world import World
from pepa.world_state import WorldState

EXACT = PerceptionConfig(miss_base=0.0, miss_at_range=0.0, noise_base_m=0.0, noise_per_m=0.0)


class _Both:
    """Runs the oracle for Sys1 and the camera alongside, tallying landmark agreement."""

    def __init__(self, oracle: OracleDetector, camera: CameraDetector) -> None:
        self.oracle = oracle
        self.camera = camera
        self.both = self.only_oracle = self.only_camera = 0

    def detect(self, pose: RobotPose, now: float) -> list[Sighting]:
        seen = self.oracle.detect(pose, now)
        o = {s.ident for s in seen if s.kind == "landmark"}
        c = {s.ident for s in self.camera.detect(pose, now) if s.kind == "landmark"}
        self.both += len(o & c)
        self.only_oracle += len(o - c)
        self.only_camera += len(c - o)
        return seen


def test_camera_and_oracle_agree_on_visible_landmarks_over_a_tour() -> None:
    b = office()
    world = World(b, seed=5, start_time=at(0, 6.0), event_config=QUIET)  # nobody in yet
    robot = SimRobot(world)
    both = _Both(
        OracleDetector(WorldTruth(world), EXACT, building=b), CameraDetector(robot, b, EXACT)
    )
    sys1 = Sys1(robot, b, config=Sys1Config(perception=EXACT), detector=both, now=world.now)
    from pepa.sim.robot_adapter import run_world

    for place in ("print_room_g", "ground_kitchen", "reception", "kitchen_1", "lounge"):
        h = sys1.run(SkillCall(skill="navigate", args={"place": place}))
        while not h.done:
            run_world(world, sys1, world.now + 60)
        assert h.state == HandleState.SUCCESS, h.reason
        h = sys1.run(SkillCall(skill="look_around"))
        while not h.done:
            run_world(world, sys1, world.now + 60)
    total = both.both + both.only_oracle + both.only_camera
    assert total >= 30, "the tour saw too few landmarks to judge"
    agreement = both.both / total
    assert agreement >= 0.95, (both.both, both.only_oracle, both.only_camera)


def test_camera_places_markers_near_where_they_are() -> None:
    b = office()
    world = World(b, seed=5, start_time=at(0, 6.0), event_config=QUIET)
    robot = SimRobot(world)
    cam = CameraDetector(robot, b, EXACT)
    lm = b.landmarks_by_id["printer_print_room_g"]
    world.robot.x, world.robot.y, world.robot.theta = lm.x, lm.y - 3.0, 1.5708
    seen = {s.ident: s for s in cam.detect(robot.pose(), world.now)}
    assert "printer_print_room_g" in seen
    s = seen["printer_print_room_g"]
    # the marker is on the front face, about 0.35 m in front of the landmark's centre
    assert abs(s.x - lm.x) < 0.25 and abs(s.y - (lm.y - 0.35)) < 0.3


def test_oracle_noise_and_misses_are_seeded() -> None:
    b = office()
    world = World(b, seed=5, start_time=at(0, 6.0), event_config=QUIET)
    noisy = PerceptionConfig(miss_base=0.3, miss_at_range=0.6, noise_base_m=0.2)
    pose = RobotPose(18.4, 16.5, 1.5708, 0)  # facing the big printer
    runs = []
    for _ in range(2):
        det = OracleDetector(WorldTruth(world), noisy, seed=9, building=b)
        runs.append([det.detect(pose, 0.0) for _ in range(20)])
    assert runs[0] == runs[1]
    assert any(runs[0])
    exact = OracleDetector(WorldTruth(world), EXACT, building=b)
    n_exact = sum(len(exact.detect(pose, 0.0)) for _ in range(20))
    assert sum(len(x) for x in runs[0]) < n_exact  # some were missed


def test_perception_fills_the_public_context() -> None:
    r = rig(hour=10.5)
    v0 = r.sys1.public.version
    assert r.call("approach_person", person="eva").state == HandleState.SUCCESS
    snap = r.sys1.public.snapshot()
    assert snap.version > v0
    st = snap.state
    assert st.people_rooms.get("eva") == "robotics_lab"
    assert "eva" in st.people_in("robotics_lab")
    assert st.room == "robotics_lab" and "robotics_lab" in st.visited_today
    assert st.objects_seen_at


def test_public_context_versions_and_consistent_snapshots_across_threads() -> None:
    pose = RobotPose(1.0, 2.0, 0.0, 0).to_pose()
    ctx = PublicContext(WorldState(time=0.0, battery=1.0, pose=pose))
    assert ctx.version == 0
    got: list[int] = []
    seen_pairs: list[tuple[float, float]] = []
    stop = threading.Event()

    def reader() -> None:
        last = 0
        while not stop.is_set():
            snap = ctx.wait_newer(last, timeout=1.0)
            if snap is None:
                continue
            last = snap.version
            got.append(snap.version)
            # time and battery are written together: a torn read would mix them
            seen_pairs.append((snap.state.time, snap.state.battery))

    t = threading.Thread(target=reader)
    t.start()
    for i in range(1, 301):
        assert ctx.publish(WorldState(time=float(i), battery=1.0 - i / 1000.0, pose=pose)) == i
    stop.set()
    t.join(timeout=5)
    assert got == sorted(got) and got[-1] <= 300
    assert all(abs(b - (1.0 - tm / 1000.0)) < 1e-12 for tm, b in seen_pairs)
    assert ctx.update(battery=0.5) == 301
    assert ctx.read().battery == 0.5 and ctx.read().time == 300.0
    heard: list[int] = []
    unsubscribe = ctx.subscribe(lambda s: heard.append(s.version))
    ctx.update(charging=True)
    unsubscribe()
    ctx.update(charging=False)
    assert heard == [302]


def test_skills_percepts_and_interactions_are_recorded_with_importance() -> None:
    b = office()
    world = World(b, seed=1, start_time=at(0, 10.5), event_config=QUIET)
    sink = ListSink()
    sys1 = Sys1(
        SimRobot(world),
        b,
        sink=sink,
        truth=WorldTruth(world),
        scorer=OfflineImportanceScorer(),
        now=world.now,
    )
    from pepa.sim.robot_adapter import run_world

    h = sys1.run(SkillCall(skill="greet", args={"person": "eva"}), goal_id="dg-1")
    while not h.done:
        run_world(world, sys1, world.now + 30)
    h = sys1.run(
        [
            SkillCall(skill="approach_person", args={"person": "eva"}),
            SkillCall(skill="greet", args={"person": "eva"}),
        ],
        request_id="req-7",
    )
    while not h.done:
        run_world(world, sys1, world.now + 30)
    assert h.state == HandleState.SUCCESS, h.reason
    kinds = [e.kind for e in sink.items]
    assert kinds.count("skill_start") == 3 and kinds.count("skill_end") == 3
    ends = [e for e in sink.items if e.kind == "skill_end"]
    assert ends[0].outcome == SkillStatus.FAILURE.value and ends[0].goal_id == "dg-1"
    assert all(e.request_id == "req-7" for e in ends[1:])
    met = [e for e in sink.items if e.kind == "percept" and "eva" in e.people]
    assert met and "for the first time" in met[0].caption
    talk = [e for e in sink.items if e.kind == "interaction"]
    assert talk and talk[0].people == ["eva"] and "Hello" in talk[0].caption
    for e in sink.items:
        assert 0.0 <= e.importance <= 1.0
        assert e.room and e.caption.startswith("day 0 Mon")
    assert met[0].importance > min(e.importance for e in sink.items)


def test_the_world_state_counts_room_entries_and_expressions_until_a_rest() -> None:
    r = rig(hour=10.5)
    here = r.sys1.public.snapshot().state
    assert here.room is not None
    start = here.room
    other = next(
        room.id
        for room in r.world.building.rooms_on(here.floor)
        if room.id != start and room.id not in r.world.building.off_limits_rooms()
    )
    for place in (other, start, other):
        assert r.call("navigate", place=place).state == HandleState.SUCCESS
    for _ in range(2):
        assert r.call("express", emotion="wag").state == HandleState.SUCCESS
    st = r.sys1.public.snapshot().state
    assert st.visited_today[other] == 2
    assert st.visited_today[start] == 2
    assert st.expressions_since_rest == 2
    assert r.call("rest", duration_s=60).state == HandleState.SUCCESS
    assert r.sys1.public.snapshot().state.expressions_since_rest == 0


def test_the_world_state_counts_todays_exchanges_with_each_person() -> None:
    r = rig(hour=10.5)
    assert r.call("approach_person", person="eva").state == HandleState.SUCCESS
    assert r.call("greet", person="eva").state == HandleState.SUCCESS
    assert r.call("report", person="eva", text="The printer has paper.").state == (
        HandleState.SUCCESS
    )
    assert r.call("speak", text="Nice day.", person="eva").state == HandleState.SUCCESS
    assert r.sys1.public.snapshot().state.met_today == {"eva": 2}  # speaking is no exchange
    r.sys1.perception.exchanged_with("eva", at(1, 8.0))
    assert r.sys1.perception.belief.met_today == {"eva": 1}  # a new day starts afresh
