"""ROS 2 latency of the simulated office: cmd_vel -> odom round trip, sim loop deadlines.

The simulated office runs in its own process (as under ``pepa run --processes``); this
process commands it at ``--rate`` Hz over real DDS, each command a distinct yaw rate, and
times how long until ``/odom`` reports that rate back: command transport, the sim loop's
wait for its next tick, one step and the odometry's transport. The sim process reports its
loop statistics (a tick is a deadline miss when it starts a full period late or runs longer
than one). The request -> cmd_vel latency of the agent joins when the agent's nodes exist.

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time")
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--speed", type=float, default=1.0, help="sim speed factor")
    parser.add_argument("--step-hz", type=float, default=50.0, help="sim loop rate")
    parser.add_argument("--domain", type=int, default=os.getpid() % 100 + 101)
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
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
