"""ROS 2 latency of the simulated office: cmd_vel -> odom round trip, sim loop deadlines.

The simulated office runs in its own process (as under ``pepa run --processes``); this
process commands it at ``--rate`` Hz over real DDS, each command a distinct yaw rate, and
times how long until ``/odom`` reports that rate back: command transport, the sim loop's
wait for its next tick, one step and the odometry's transport. The sim process reports its
loop statistics (a tick is a deadline miss when it starts a full period late or runs longer
than one).

The agent part (``--agent``, on by default) starts ``pepa run --processes`` with the
simulated office, Sys1, Sys2 and Sys3 on their offline engines, waits until the robot stands
still, publishes an urgent request on ``/pepa/requests`` and times it until the first moving
command on ``/cmd_vel`` (Sys2's parsing and decision, Sys1's plan start and its next control
tick, three DDS hops); the request is then cancelled and the next one waits for the robot to
stand still again. Sys1 reports its 20 Hz control loop's deadline misses on ``/pepa/health``.

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from typing import Any

WARMUP_S = 5.0


def run_sim(domain_id: int, seconds: float, speed: float, step_hz: float, out: Any) -> None:
    """Child process: the sim node alone, for ``seconds``; sends back its loop statistics."""
    os.environ["ROS_DOMAIN_ID"] = str(domain_id)
    import rclpy
    from pepa_ros import params
    from pepa_ros.runner import spin_until
    from pepa_ros.sim_node import LoopStats, SimNode
    from rclpy.context import Context
    from rclpy.executors import MultiThreadedExecutor

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    node = SimNode(
        context=context,
        parameter_overrides=params.overrides(
            {"speed": speed, "step_hz": step_hz, "camera_rate_hz": 0.0, "odom_rate_hz": step_hz}
        ),
    )
    executor = MultiThreadedExecutor(context=context)
    executor.add_node(node)
    spin_until(executor, context, WARMUP_S)
    node.loop_stats = LoopStats(node.loop_stats.period_s)  # count the measured window only
    spin_until(executor, context, seconds)
    s = node.loop_stats
    out.put(
        {
            "ticks": s.ticks,
            "misses": s.misses,
            "miss_ratio": s.miss_ratio,
            "max_late_ms": s.max_late_s * 1e3,
            "max_step_ms": s.max_step_s * 1e3,
            "commands": node.commands,
        }
    )
    executor.shutdown()
    node.destroy_node()
    rclpy.try_shutdown(context=context)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[k]


def measure(domain_id: int, seconds: float, rate_hz: float) -> list[float]:
    """Round trips (ms) of commands whose yaw rate came back on /odom before the next one."""
    import rclpy
    from geometry_msgs.msg import Twist
    from nav_msgs.msg import Odometry
    from pepa_ros import qos
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    node = Node("latency_probe", context=context)
    pub = node.create_publisher(Twist, "/cmd_vel", qos.command(depth=10))
    pending: dict[str, float] = {}
    latencies: list[float] = []
    seen_odom = [False]

    def on_odom(msg: Odometry) -> None:
        seen_odom[0] = True
        if "w" in pending and abs(msg.twist.twist.angular.z - pending["w"]) < 1e-9:
            latencies.append((time.perf_counter() - pending["t"]) * 1e3)
            pending.clear()

    node.create_subscription(Odometry, "/odom", on_odom, qos.sensor())
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    deadline = time.monotonic() + 60
    while not seen_odom[0] and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    if not seen_odom[0]:
        raise RuntimeError("no /odom from the simulated office within 60 s")
    time.sleep(WARMUP_S)  # the sim's warm-up, which its statistics leave out
    rates = [round(-1.4 + 0.1 * i, 1) for i in range(29) if i != 14]
    period = 1.0 / rate_hz
    end = time.monotonic() + seconds
    k = 0
    next_send = time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            w = rates[k % len(rates)]
            k += 1
            msg = Twist()
            msg.angular.z = w
            pending.clear()
            pending.update({"w": w, "t": time.perf_counter()})
            pub.publish(msg)
            next_send += period
        executor.spin_once(timeout_sec=max(0.0, min(0.005, next_send - time.monotonic())))
    pub.publish(Twist())
    executor.shutdown()
    node.destroy_node()
    rclpy.try_shutdown(context=context)
    return latencies


def timed(total_ms: float, sys2_ms: float | None) -> str:
    """One request's latency with Sys2's share of it ('?' when its decision was not seen)."""
    share = "?" if sys2_ms is None else f"{sys2_ms:.0f}"
    return f"{total_ms:.0f} ms (Sys2 {share} ms)"


AGENT_PLACES = ("ground_kitchen", "reception", "mail_room", "meeting_room_atlas")


def measure_agent(
    domain_id: int, requests: int, speed: float, data: str, log_path: str | None = None
) -> dict[str, Any]:
    """Request -> first moving /cmd_vel (ms) over ``requests`` requests, and Sys1's loop."""
    import signal
    import subprocess

    import rclpy
    from geometry_msgs.msg import Twist
    from pepa_interfaces.srv import CancelRequest
    from pepa_ros import qos, typed_codec
    from pepa_ros.background_spin import spinning
    from pepa_ros.codec import JsonCodec
    from pepa_ros.health import NodeHealth
    from pepa_ros.supervisor import child_environment
    from pepa_ros.topics import (
        CANCEL_REQUEST,
        DECISIONS,
        HEALTH,
        REQUEST_UPDATES,
        REQUESTS,
        STATUS,
    )
    from rclpy.context import Context
    from rclpy.executors import MultiThreadedExecutor

    from pepa.messages import AgentStatus, Decision, RequestPriority, UserRequest

    env = child_environment(ROS_DOMAIN_ID=str(domain_id))
    cmd = [sys.executable, "-m", "pepa_ros.cli", "run", "--processes", "--nodes"]
    cmd += ["sim,sys1,sys2,sys3", "--personality", "Lazy", "--speed", str(speed)]
    log_file = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    stack = subprocess.Popen([*cmd, "--data", data], env=env, stdout=log_file, stderr=log_file)
    context = Context()
    rclpy.init(context=context, domain_id=domain_id)
    node = rclpy.create_node("agent_latency_probe", context=context)
    codec = JsonCodec()
    cmds: list[tuple[float, float]] = []
    health: dict[str, NodeHealth] = {}
    updates: dict[str, str] = {}
    decided: dict[str, float] = {}  # request id -> arrival of the decision that serves it
    node.create_subscription(
        Twist,
        "/cmd_vel",
        lambda m: cmds.append((time.perf_counter(), abs(m.linear.x) + abs(m.angular.z))),
        qos.sensor(depth=50),
    )
    codec.subscribe(
        node,
        NodeHealth,
        HEALTH.name,
        lambda h: health.update({h.node: h}),
        qos.profile(HEALTH.qos, HEALTH.depth),
    )
    codec.subscribe(
        node,
        UserRequest,
        REQUEST_UPDATES.name,
        lambda r: updates.update({r.id: r.state.value}),
        qos.event(),
    )
    codec.subscribe(
        node,
        Decision,
        DECISIONS.name,
        lambda d: (
            decided.setdefault(d.plan.request_id, time.perf_counter())
            if d.plan.request_id
            else None
        ),
        qos.profile(DECISIONS.qos),
    )
    living: list[bool] = []  # Sys2 reports a decision of its own (its status is latched)
    codec.subscribe(
        node,
        AgentStatus,
        STATUS.name,
        lambda st: living.append(True) if st.decision else None,
        qos.profile(STATUS.qos),
    )
    pub = typed_codec.publisher(node, UserRequest, REQUESTS.name, qos.event())
    cancel = node.create_client(CancelRequest, CANCEL_REQUEST.name)
    executor = MultiThreadedExecutor(num_threads=2, context=context)
    executor.add_node(node)

    def wait(pred: Any, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.02)
        return pred()

    def still(window: float = 0.5) -> bool:
        now = time.perf_counter()
        recent = [m for t, m in cmds[-40:] if now - t <= window]
        return len(recent) >= 3 and max(recent) < 1e-6

    latencies: list[float] = []
    to_decision: list[float] = []  # request -> decision (Sys2's share)
    slowest: list[tuple[float, float | None]] = []  # (request -> cmd_vel, its Sys2 share)
    try:
        with spinning(executor):
            if not wait(lambda: "pepa_sys1" in health and "pepa_sys2" in health, 120.0):
                raise RuntimeError("the agent's nodes did not come up within 120 s")
            wait(lambda: pub.subscribers() > 0, 30.0)
            # living: Sys2 has had Sys1's state and decided something of its own, so the first
            # request does not also time the agent's start-up
            if not wait(lambda: bool(living), 120.0):
                raise RuntimeError("the agent made no decision of its own within 120 s")
            start_health = health["pepa_sys1"]
            for i in range(requests):
                if not wait(still, 90.0):
                    continue
                place = AGENT_PLACES[i % len(AGENT_PLACES)].replace("_", " ")
                req = UserRequest(
                    text=f"please go to the {place}",
                    sender="bench",
                    priority=RequestPriority.URGENT,
                )
                sent, sent_wall = time.perf_counter(), time.time()
                pub.publish(req)
                moved = wait(
                    lambda sent=sent: any(t >= sent and m > 1e-6 for t, m in cmds[-40:]), 10.0
                )
                if moved:
                    first = next(t for t, m in cmds if t >= sent and m > 1e-6)
                    latencies.append((first - sent) * 1e3)
                    share = (decided[req.id] - sent) * 1e3 if req.id in decided else None
                    if share is not None:
                        to_decision.append(share)
                    slowest = sorted([*slowest, (latencies[-1], share)], reverse=True)[:3]
                    if log_path:
                        when = f"{req.id} sent at {sent_wall:.3f}"
                        print(f"{when}: {timed(latencies[-1], share)}", file=sys.stderr)
                wait(lambda rid=req.id: rid in updates, 5.0)
                answer = cancel.call_async(
                    CancelRequest.Request(request_id=req.id, reason="benchmark")
                )
                if not wait(answer.done, 10.0) or answer.result().code != 0:
                    # a request already done cannot be cancelled
                    print(f"cancel {req.id}: not cancelled", file=sys.stderr)
            end_health = health["pepa_sys1"]
    finally:
        node.destroy_node()
        rclpy.try_shutdown(context=context)
        stack.send_signal(signal.SIGTERM)
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()
        if log_path:
            log_file.close()
    ticks = end_health.loop_ticks - start_health.loop_ticks
    misses = end_health.loop_misses - start_health.loop_misses
    long_steps = end_health.loop_long_steps - start_health.loop_long_steps
    return {
        "latencies": latencies,
        "to_decision": to_decision,
        "slowest": slowest,
        "ticks": ticks,
        "misses": misses,
        "max_late_ms": end_health.loop_max_late_ms,
        "long_steps": long_steps,
        "max_step_ms": end_health.loop_max_step_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time")
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--speed", type=float, default=1.0, help="sim speed factor")
    parser.add_argument("--step-hz", type=float, default=50.0, help="sim loop rate")
    parser.add_argument("--domain", type=int, default=os.getpid() % 100 + 101)
    parser.add_argument("--requests", type=int, default=30, help="agent requests to time")
    parser.add_argument("--agent-speed", type=float, default=4.0, help="sim speed, agent part")
    parser.add_argument("--stack-log", help="keep the agent stack's output in this file")
    parser.add_argument("--no-agent", dest="agent", action="store_false", help="sim only")
    args = parser.parse_args(argv)
    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    warmup = WARMUP_S + 30.0  # plus the sim's start-up
    sim = ctx.Process(
        target=run_sim, args=(args.domain, args.seconds, args.speed, args.step_hz, out)
    )
    sim.start()
    try:
        latencies = measure(args.domain, args.seconds, args.rate)
        loop = out.get(timeout=args.seconds + warmup + 60)
    finally:
        sim.join(timeout=30)
        if sim.is_alive():
            sim.terminate()
    if not latencies:
        print("no command came back on /odom", file=sys.stderr)
        return 1
    result = {
        "cmd_vel_to_odom_p50_ms": round(statistics.median(latencies), 2),
        "cmd_vel_to_odom_p95_ms": round(percentile(latencies, 95), 2),
        "cmd_vel_to_odom_max_ms": round(max(latencies), 2),
        "round_trips": len(latencies),
        "sim_loop_hz": args.step_hz,
        "sim_loop_ticks": loop["ticks"],
        "sim_loop_deadline_miss_ratio": round(loop["miss_ratio"], 4),
        "sim_loop_max_step_ms": round(loop["max_step_ms"], 2),
        "sim_loop_max_late_ms": round(loop["max_late_ms"], 2),
    }
    print(
        f"cmd_vel -> odom over DDS, {len(latencies)} round trips at {args.rate:g} Hz: "
        f"p50 {result['cmd_vel_to_odom_p50_ms']} ms, p95 {result['cmd_vel_to_odom_p95_ms']} ms,"
        f" max {result['cmd_vel_to_odom_max_ms']} ms"
    )
    print(
        f"sim loop at {args.step_hz:g} Hz: {loop['ticks']} ticks, {loop['misses']} deadline "
        f"misses ({100 * loop['miss_ratio']:.2f} %), longest step {loop['max_step_ms']:.1f} ms"
    )
    if args.agent:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="pepa-bench-") as data:
            agent = measure_agent(
                args.domain + 1, args.requests, args.agent_speed, data, args.stack_log
            )
        lat = agent["latencies"]
        dec = agent["to_decision"]
        ratio = agent["misses"] / agent["ticks"] if agent["ticks"] else 0.0
        result.update(
            {
                "request_to_cmd_vel_p50_ms": round(statistics.median(lat), 1) if lat else None,
                "request_to_cmd_vel_p95_ms": round(percentile(lat, 95), 1) if lat else None,
                "request_to_cmd_vel_max_ms": round(max(lat), 1) if lat else None,
                "requests_timed": len(lat),
                "request_to_decision_p50_ms": round(statistics.median(dec), 1) if dec else None,
                "request_to_decision_p95_ms": round(percentile(dec, 95), 1) if dec else None,
                "control_loop_ticks": agent["ticks"],
                "control_deadline_miss_ratio": round(ratio, 4),
                "control_max_late_ms": round(agent["max_late_ms"], 1),
                "control_long_steps": agent["long_steps"],
                "control_max_step_ms": round(agent["max_step_ms"], 1),
            }
        )
        print(
            f"request -> cmd_vel over {len(lat)} requests: p50 "
            f"{result['request_to_cmd_vel_p50_ms']} ms, p95 {result['request_to_cmd_vel_p95_ms']}"
            f" ms (target <= 100 ms); of which request -> Sys2's decision p50 "
            f"{result['request_to_decision_p50_ms']} ms"
        )
        print(
            "slowest requests: "
            + ", ".join(timed(total, share) for total, share in agent["slowest"])
        )
        print(
            f"Sys1 control loop at 20 Hz: {agent['ticks']} ticks, {agent['misses']} deadline "
            f"misses ({100 * ratio:.2f} %, target <= 1 %), {agent['long_steps']} of them long "
            f"steps (longest {agent['max_step_ms']:.1f} ms), the rest late starts (latest "
            f"{agent['max_late_ms']:.1f} ms)"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
