"""The whole agent's speed: one 16-hour simulated day per how many wall-clock seconds.

    python bench/agent_day.py [--personality curious] [--seed 1] [--profile]

Runs the in-process runtime (simulated office, Sys1 with oracle perception, Sys2 and Sys3 with
their offline engines, episodic memory on ChromaDB) for one robot day, 08:00-24:00, into a
temporary data directory. The wall time covers the whole day: building the world in the
morning, the day itself, the reflection and the memory consolidation at night. Process CPU time
is printed too (the wall time suffers when other work shares the machine), with the 1-minute
load average before and after. Memory is embedded on a writer thread beside the simulation, so
on an idle machine with two cores the wall time is below the CPU time. The last line is one
JSON object with ``real_time_factor`` (simulated seconds per wall-clock second) and the CPU time
of Sys2's decisions: ``decide_ms_p50`` / ``decide_ms_p95`` over every ``Deliberator.decide``
call of the day that ran a search (``decisions``). That time sits between a request and the
robot's first motion; it is the calling thread's CPU time, so the memory writer and other jobs
on the machine do not count in it.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pepa.agent.experiment import summary_of
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.agent.sys2.deliberator import Deliberator


@contextlib.contextmanager
def timed_searches(cpu_ms: list[float]) -> Iterator[None]:
    """Append the CPU ms of each ``Deliberator.decide`` call that ran a search to ``cpu_ms``.

    A call that only checks whether the running plan must be preempted, and finds nothing,
    runs no search and is not counted.
    """
    decide = Deliberator.decide

    def timed(self: Deliberator, *args: object, **kwargs: object) -> object:
        before = self.last_search
        c0 = time.thread_time()
        out = decide(self, *args, **kwargs)  # type: ignore[arg-type]
        elapsed = time.thread_time() - c0
        if self.last_search is not before:
            cpu_ms.append(elapsed * 1000.0)
        return out

    Deliberator.decide = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        Deliberator.decide = decide  # type: ignore[method-assign]


def measure(personality: str, seed: int, profile: bool) -> dict[str, object]:
    config = RuntimeConfig(personality=personality, seed=seed)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    with tempfile.TemporaryDirectory(prefix="pepa-bench-") as tmp:
        t0 = time.perf_counter()
        runtime = Runtime(config, Path(tmp))
        t1 = time.perf_counter()
        c1 = time.process_time()
        prof = cProfile.Profile() if profile else None
        if prof is not None:
            prof.enable()
        decide_ms: list[float] = []
        with timed_searches(decide_ms):
            runtime.run_days(1)
        if prof is not None:
            prof.disable()
        t2 = time.perf_counter()
        c2 = time.process_time()
        summary = summary_of(runtime)
        episodes = runtime.sink.written
        decisions = len(runtime.decision_log)
        ticks = runtime.ticks
        runtime.close()
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    sim_s = config.day_hours * 3600.0
    return {
        "real_time_factor": round(sim_s / (t2 - t1), 1),
        "cpu_time_factor": round(sim_s / max(1e-9, c2 - c1), 1),
        "sim_hours": config.day_hours,
        "wall_s": round(t2 - t1, 2),
        "cpu_s": round(c2 - c1, 2),
        "setup_s": round(t1 - t0, 2),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "ticks": ticks,
        "decisions_kept": decisions,
        "episodes": episodes,
        "distance_m": summary.distance_m,
        "rooms_visited": summary.rooms_visited,
        "coverage": summary.coverage,
        "decisions": len(decide_ms),
        "decide_ms_p50": round(statistics.median(decide_ms), 2) if decide_ms else None,
        "decide_ms_p95": round(_percentile(decide_ms, 0.95), 2) if decide_ms else None,
        "decide_cpu_s": round(sum(decide_ms) / 1000.0, 2),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personality", default="curious")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the day")
    args = parser.parse_args()
    result = measure(args.personality, args.seed, args.profile)
    for k, v in result.items():
        print(f"{k:>18}: {v}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
