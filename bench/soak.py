"""Soak: one robot living many days in-process; does the 30th day cost what the first did?

    python bench/soak.py --days 30 [--personality curious] [--seed 1] [--data DIR]

Persistent autonomy means the agent's cost must not grow with the life it has lived: memory
fills, the request journal and the reflections pile up, and a day must still take as long as
the first. One personality runs in-process (simulated office, oracle perception, offline
engines) day after day into one data directory (a temporary one unless ``--data``; with
``--data`` an interrupted soak continues). After each day one JSON line gives that day's
wall and CPU time (process, all threads), the resident memory, the memory store's size on
disk, its live and archived episodes, whether the day was reflected and whether the robot had
to be carried to its dock. The last line is one JSON object with
``dayN_vs_day1_time`` (the last day's CPU time over the first's; CPU, because on a shared
machine the wall time follows the load — the wall ratio is given too), ``rss_growth_after_day5``
(the largest resident memory after day 5 over day 5's), the rescues and the days reflected.
Targets: the time ratio <= 1.3, the RSS growth <= 1.5, no rescue, every day reflected.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime

WARM_DAY = 5


def rss_mb() -> float:
    """This process's resident memory now (Linux ``/proc``), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def soak(config: RuntimeConfig, days: int, data: Path) -> dict[str, object]:
    runtime = Runtime(config, data)
    rows: list[dict[str, float | int | bool]] = []
    try:
        for day in tqdm(range(runtime.day, days), desc="soak", unit="day"):
            t0, c0 = time.perf_counter(), time.process_time()
            runtime.run_days(day + 1)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            stats = runtime.memory.stats()
            trace = runtime.traces()[-1]
            row: dict[str, float | int | bool] = {
                "day": day + 1,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "rss_mb": round(rss_mb(), 1),
                "store_mb": round(size_mb(Path(runtime.memory.location)), 1),
                "episodes_live": stats.episodes - stats.archived,
                "episodes_archived": stats.archived,
                "reflected": any(r.day == day for r in runtime.reflections()),
                "rescues": trace.rescues,
                "load_1m": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            tqdm.write(json.dumps(row))
    finally:
        runtime.close()
    first, last = rows[0], rows[-1]
    after = [float(r["rss_mb"]) for r in rows if int(r["day"]) >= WARM_DAY]
    warm = after[0] if len(rows) >= WARM_DAY else None
    return {
        "personality": config.personality,
        "days": len(rows),
        f"day{last['day']}_vs_day{first['day']}_time": round(
            float(last["cpu_s"]) / float(first["cpu_s"]), 3
        ),
        "last_vs_first_day_wall": round(float(last["wall_s"]) / float(first["wall_s"]), 3),
        "rss_growth_after_day5": None if warm is None else round(max(after) / warm, 3),
        "rescues": sum(int(r["rescues"]) for r in rows),
        "days_reflected": sum(bool(r["reflected"]) for r in rows),
        "store_mb": last["store_mb"],
        "cores": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--personality", default="curious")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="data directory (kept; a soak there resumes)")
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be >= 1")
    logging.basicConfig(level=logging.WARNING)
    config = RuntimeConfig(personality=args.personality, seed=args.seed)
    if args.data is not None:
        result = soak(config, args.days, args.data)
    else:
        with tempfile.TemporaryDirectory(prefix="pepa-soak-") as tmp:
            result = soak(config, args.days, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
