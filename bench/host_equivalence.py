"""Is the robot on ROS the agent the study measures? One personality and seed on every host.

    python bench/host_equivalence.py [--personality curious|all] [--seed 1] [--hours 4]
        [--speed 5] [--hosts inprocess,composed,processes]

Runs the same personality and seed for ``--hours`` simulated hours from 08:00 in-process (the
discrete-event runtime the experiments, the study and the other benchmarks use), through
``pepa run`` (the nodes composed in one process) and through ``pepa run --processes`` (one
process per node, on real DDS with a domain of their own). The ROS hosts run on the simulated
office's clock at ``--speed``; Sys1 keeps the in-process control period of simulated time, so
its wall-clock rate is 5 Hz x speed: pick a speed the machine sustains (the achieved speed is
printed, and the load average). The in-process runtime uses oracle perception (as the study
does); the ROS Sys1 node uses the camera.

Per host it measures, over the simulated window: Sys2's decisions per simulated hour (repairs
of a running plan not counted), goals given up per simulated hour (the deliberator's "gave up
on" after its re-plans), the most times any one goal (a daily goal, a request or a need) was
decided within 10 simulated minutes (and, apart, any one idle impulse: a short exploration that
succeeds is rightly chosen again), metres driven per hour, the share of time per activity
category (the skill category Sys1 was running, sampled from the agent's status; "idle" when
none), and requests done and failed; and for each ROS host its ratio of decisions per hour to
in-process and its largest time-share difference. The last line is one JSON object with those
figures and the worst case over personalities and hosts: ``decision_ratio_min``,
``decision_ratio_max``, ``give_ups_per_hour_max``, ``repeats_in_10min_max``,
``time_share_diff_max``.
Targets: ROS/in-process ratios within [0.67, 1.5], at most 2 give-ups per
hour, no goal decided more than 3 times in 10 minutes, time shares within +-0.10.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from tqdm import tqdm

from pepa.agent.coordinator.coordinator import Coordinator
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.clock import at
from pepa.knowledge import SKILLS
from pepa.messages import (
    AgentStatus,
    CandidateKind,
    Decision,
    PlanSource,
    RequestState,
    UserRequest,
)
from pepa.personalities.loader import PROTOTYPES

log = logging.getLogger("host_equivalence")

HOSTS = ("inprocess", "composed", "processes")
START_H = 8.0
WINDOW_S = 600.0
SAMPLE_S = 5.0
GAVE_UP = "gave up on "


class Observed(BaseModel):
    """What one host did in the window, as raw observations."""

    decisions: list[tuple[float, str, str, bool]] = Field(default_factory=list)
    """(time, chosen kind, chosen label, is a repair of the running plan)"""
    status: list[tuple[float, str | None]] = Field(default_factory=list)
    """(time, the skill Sys1 runs)"""
    give_ups: int = 0
    distance_m: float = 0.0
    requests: dict[str, str] = Field(default_factory=dict)
    wall_s: float = 0.0
    sim_s: float = 0.0


class Figures(BaseModel):
    decisions_per_hour: float
    give_ups_per_hour: float
    repeats_in_10min: int
    idle_repeats_in_10min: int
    distance_per_hour_m: float
    time_share: dict[str, float]
    requests_done: int
    requests_failed: int
    achieved_speed: float
    first_kinds: list[str]
    decision_ratio: float | None = None
    time_share_diff: float | None = None


def _is_repair(d: Decision, previous: Decision | None) -> bool:
    """A re-plan of the running option (same choice, rule-made), not a new decision."""
    return (
        previous is not None
        and d.source == PlanSource.RULE
        and (d.chosen.kind, d.chosen.ref, d.chosen.label)
        == (previous.chosen.kind, previous.chosen.ref, previous.chosen.label)
    )


def _category(skill: str | None) -> str:
    if skill is None:
        return "idle"
    spec = SKILLS.get(skill)
    return spec.category if spec is not None else "move"


def _most_in_window(chosen: list[tuple[float, str, str]]) -> int:
    """The most times one option (kind, label) was decided within :data:`WINDOW_S`."""
    worst = 0
    by_option: dict[tuple[str, str], list[float]] = defaultdict(list)
    for t, kind, label in chosen:
        times = by_option[(kind, label)]
        times.append(t)
        worst = max(worst, sum(1 for u in times if t - u < WINDOW_S))
    return worst


def figures(obs: Observed, hours: float) -> Figures:
    chosen = [(t, kind, label) for t, kind, label, repair in obs.decisions if not repair]
    idle = CandidateKind.IDLE.value
    share: Counter[str] = Counter()
    samples = sorted(obs.status)
    end = at(0, START_H) + hours * 3600.0
    for (t, skill), nxt in zip(samples, [*samples[1:], (end, None)], strict=True):
        share[_category(skill)] += max(0.0, min(nxt[0], end) - t)
    total = sum(share.values()) or 1.0
    states = Counter(obs.requests.values())
    return Figures(
        decisions_per_hour=round(len(chosen) / hours, 2),
        give_ups_per_hour=round(obs.give_ups / hours, 2),
        repeats_in_10min=_most_in_window([c for c in chosen if c[1] != idle]),
        idle_repeats_in_10min=_most_in_window([c for c in chosen if c[1] == idle]),
        distance_per_hour_m=round(obs.distance_m / hours, 1),
        time_share={k: round(v / total, 3) for k, v in sorted(share.items())},
        requests_done=states.get(RequestState.DONE.value, 0),
        requests_failed=states.get(RequestState.FAILED.value, 0),
        achieved_speed=round(obs.sim_s / obs.wall_s, 2) if obs.wall_s > 0 else math.inf,
        first_kinds=[kind for _, kind, _ in chosen[:10]],
    )


# --- in-process ----------------------------------------------------------------------------


class _GiveUps(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(GAVE_UP):
            self.count += 1


@contextmanager
def _decisions_started(out: list[Decision]) -> Iterator[None]:
    started = Coordinator.started

    def keep(self: Coordinator, decision: Decision, now: float) -> None:
        out.append(decision)
        started(self, decision, now)

    Coordinator.started = keep  # type: ignore[method-assign]
    try:
        yield
    finally:
        Coordinator.started = started  # type: ignore[method-assign]


def run_inprocess(personality: str, seed: int, hours: float, data: Path) -> Observed:
    handler = _GiveUps()
    deliberator_log = logging.getLogger("pepa.agent.sys2.deliberator")
    deliberator_log.addHandler(handler)
    deliberator_log.setLevel(logging.INFO)
    decided: list[Decision] = []
    obs = Observed()
    start, end = at(0, START_H), at(0, START_H) + hours * 3600.0
    t0 = time.monotonic()
    rt = Runtime(RuntimeConfig(personality=personality, seed=seed), data)
    try:
        with _decisions_started(decided):
            t = start
            while t < end:
                t = min(end, t + SAMPLE_S)
                rt.advance_to(t)
                obs.status.append((t - SAMPLE_S, rt.status().current_skill))
        obs.distance_m = rt.world.robot.distance_m if rt.world is not None else 0.0
        obs.requests = {r.id: r.state.value for r in rt.requests()}
    finally:
        rt.close()
        deliberator_log.removeHandler(handler)
    obs.wall_s, obs.sim_s = time.monotonic() - t0, end - start
    obs.give_ups = handler.count
    prev: Decision | None = None
    for d in decided:
        obs.decisions.append((d.time, d.chosen.kind.value, d.chosen.label, _is_repair(d, prev)))
        prev = d
    return obs


# --- on ROS --------------------------------------------------------------------------------


class _Probe:
    """A node in this process that watches what the agent on ROS does."""

    def __init__(self, domain: int) -> None:
        import rclpy
        from geometry_msgs.msg import PoseWithCovarianceStamped
        from pepa_ros import qos
        from pepa_ros.codec import JsonCodec
        from pepa_ros.topics import DECISIONS, LOCALIZATION, REQUEST_UPDATES, STATUS
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor

        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node = rclpy.create_node("pepa_host_equivalence", context=self.context)
        self.lock = threading.Lock()
        self.decisions: list[Decision] = []
        self.status: list[AgentStatus] = []
        self.requests: dict[str, str] = {}
        self.distance_m = 0.0
        self._last: tuple[float, float, float] | None = None
        codec = JsonCodec(log)
        for model, spec, keep in (
            (Decision, DECISIONS, self.decisions.append),
            (AgentStatus, STATUS, self.status.append),
            (UserRequest, REQUEST_UPDATES, self._on_request),
        ):
            codec.subscribe(
                self.node, model, spec.name, self._locked(keep), qos.profile(spec.qos, spec.depth)
            )
        self.node.create_subscription(
            PoseWithCovarianceStamped,
            LOCALIZATION.name,
            self._on_pose,
            qos.profile(LOCALIZATION.qos),
        )
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _locked(self, keep: Any) -> Any:
        def call(msg: Any) -> None:
            with self.lock:
                keep(msg)

        return call

    def _on_request(self, req: UserRequest) -> None:
        self.requests[req.id] = req.state.value

    def _on_pose(self, msg: Any) -> None:
        p = msg.pose.pose.position
        here = (p.x, p.y, round(p.z, 1))
        with self.lock:
            if self._last is not None and self._last[2] == here[2]:
                self.distance_m += math.hypot(here[0] - self._last[0], here[1] - self._last[1])
            self._last = here

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        try:
            while self.context.ok() and not self._stop.is_set():
                self.executor.spin_once(timeout_sec=0.05)
        except ExternalShutdownException:
            pass

    def sim_time(self) -> float | None:
        with self.lock:
            return self.status[-1].time if self.status else None

    def close(self) -> None:
        import rclpy

        self._stop.set()
        self._thread.join(timeout=5.0)
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def run_ros(
    personality: str, seed: int, hours: float, speed: float, data: Path, *, processes: bool
) -> Observed:
    from pepa_ros.supervisor import child_environment

    domain = 120 + os.getpid() % 100 + (1 if processes else 0)
    env = child_environment(ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    env.pop("ROS_LOCALHOST_ONLY", None)
    start, end = at(0, START_H), at(0, START_H) + hours * 3600.0
    budget = 3.0 * (end - start) / speed + 300.0  # wall seconds before giving up on the run
    args = [
        *(sys.executable, "-m", "pepa_ros.cli", "run"),
        *("--nodes", "sim,sys1,sys2,sys3", "--speed", str(speed), "--seed", str(seed)),
        *("--personality", personality, "--data", str(data / "ros")),
        *(("--processes",) if processes else ()),
    ]
    stack_log = data / "stack.log"
    probe = _Probe(domain)
    with stack_log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        first: tuple[float, float] | None = None
        try:
            with tqdm(
                total=round(end - start), unit="sim s", desc=data.name, mininterval=10
            ) as bar:
                while time.monotonic() - t0 < budget:
                    if proc.poll() is not None:
                        tail = stack_log.read_text(errors="replace").splitlines()[-15:]
                        raise RuntimeError("the stack stopped early:\n" + "\n".join(tail))
                    now = probe.sim_time()
                    if now is not None:
                        first = first or (now, time.monotonic())
                        bar.n = round(min(end, now) - start)
                        bar.refresh()
                        if now >= end:
                            break
                    time.sleep(0.5)
                else:
                    raise RuntimeError(f"no {hours} simulated hours in {budget:.0f} s")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            probe.close()
    obs = Observed(give_ups=stack_log.read_text(errors="replace").count("deliberator: " + GAVE_UP))
    prev: Decision | None = None
    for d in probe.decisions:
        if start <= d.time < end:
            obs.decisions.append(
                (d.time, d.chosen.kind.value, d.chosen.label, _is_repair(d, prev))
            )
        prev = d
    obs.status = [(s.time, s.current_skill) for s in probe.status if start <= s.time < end]
    obs.distance_m = probe.distance_m
    obs.requests = dict(probe.requests)
    if first is not None:
        obs.sim_s, obs.wall_s = end - first[0], time.monotonic() - first[1]
    return obs


# --- the benchmark -------------------------------------------------------------------------


def compare(per_host: dict[str, Figures]) -> None:
    """Each ROS host's ratio of decisions per hour and largest time-share difference."""
    ref = per_host.get("inprocess")
    if ref is None:
        return
    for host, f in per_host.items():
        if host == "inprocess":
            continue
        f.decision_ratio = (
            round(f.decisions_per_hour / ref.decisions_per_hour, 3)
            if ref.decisions_per_hour > 0
            else None
        )
        cats = set(f.time_share) | set(ref.time_share)
        f.time_share_diff = round(
            max(abs(f.time_share.get(c, 0.0) - ref.time_share.get(c, 0.0)) for c in cats), 3
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--personality", default="all", help="a personality, or all five")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=4.0, help="simulated hours from 08:00")
    ap.add_argument("--speed", type=float, default=5.0, help="the ROS hosts' speed factor")
    ap.add_argument("--hosts", default=",".join(HOSTS), help="comma-separated: " + ",".join(HOSTS))
    ap.add_argument(
        "--out", type=Path, help="keep each run's data and stack log here (default: none kept)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    unknown = sorted(set(hosts) - set(HOSTS))
    if unknown:
        ap.error(f"--hosts: unknown {unknown}; choose from {HOSTS}")
    if not 0 < args.hours <= 16 - START_H + 8:
        ap.error("--hours: between 0 and 16")
    names = list(PROTOTYPES) if args.personality == "all" else [args.personality]
    load_before = os.getloadavg()[0]
    result: dict[str, dict[str, Figures]] = {}
    kept = contextlib.nullcontext(args.out) if args.out is not None else None
    with kept or tempfile.TemporaryDirectory(prefix="host-equivalence-") as tmp:
        for name in names:
            per_host: dict[str, Figures] = {}
            for host in hosts:
                data = Path(tmp) / f"{name}-{host}"
                data.mkdir(parents=True)
                if host == "inprocess":
                    obs = run_inprocess(name, args.seed, args.hours, data)
                else:
                    obs = run_ros(
                        name,
                        args.seed,
                        args.hours,
                        args.speed,
                        data,
                        processes=host == "processes",
                    )
                per_host[host] = f = figures(obs, args.hours)
                print(f"{name} {host}: {f.model_dump_json()}", flush=True)
            compare(per_host)
            result[name] = per_host
    ros = [f for per in result.values() for h, f in per.items() if h != "inprocess"]
    ratios = [f.decision_ratio for f in ros if f.decision_ratio is not None]
    every = [f for per in result.values() for f in per.values()]
    summary: dict[str, Any] = {
        "hours": args.hours,
        "seed": args.seed,
        "speed": args.speed,
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "personalities": {
            n: {h: f.model_dump(exclude={"first_kinds"}) for h, f in per.items()}
            for n, per in result.items()
        },
        "decision_ratio_min": min(ratios) if ratios else None,
        "decision_ratio_max": max(ratios) if ratios else None,
        "give_ups_per_hour_max": max(f.give_ups_per_hour for f in every),
        "repeats_in_10min_max": max(f.repeats_in_10min for f in every),
        "time_share_diff_max": max(
            (f.time_share_diff for f in ros if f.time_share_diff is not None), default=None
        ),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
