"""Request-queue persistence: the cost of one save with few vs many closed requests.

    python bench/request_queue.py [--closed 10 1000] [--saves 200] [--dir DIR]

For each count, a queue is filled with that many closed requests (each with a plan and a
four-event history, as Sys2 leaves them), then ``--saves`` request events are timed, one save
each, cycling through what Sys2 does to a new request: received, accepted, started, done.
Reported per save: wall time (median, 90th percentile, slowest), CPU time (mean; the machine may be
shared, CPU time is the figure that does not follow its load), and the bytes the process
handed to ``write`` (Linux ``/proc/self/io``, so an occasional rewrite is counted too). The
last line is one JSON object; ``ratio_*`` compare the largest count with the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from pepa.agent.sys2.request_queue import RequestQueue
from pepa.messages import Plan, PlanSource, RequestState, SkillCall, UserRequest

S = RequestState
LIFE = (S.ACCEPTED, S.IN_PROGRESS, S.DONE)


def _request(i: int, t: float) -> UserRequest:
    req = UserRequest(
        id=f"req-bench-{i:06d}",
        text=f"please check the printer in room {i % 40} on floor {i % 3}",
        sender="console",
        created_at=t,
    )
    req.task = Plan(
        steps=[
            SkillCall(skill="navigate", args={"place": f"room_{i % 40}"}),
            SkillCall(skill="inspect", args={"object": f"printer_{i % 40}"}),
            SkillCall(skill="speak", args={"text": "the printer is fine"}),
        ],
        source=PlanSource.RULE,
        request_id=req.id,
        created_at=t,
    )
    return req


def _written_bytes() -> int | None:
    try:
        text = Path("/proc/self/io").read_text(encoding="ascii")
    except OSError:
        return None
    fields = dict(line.split(": ") for line in text.splitlines())
    return int(fields["wchar"])


def measure(closed: int, saves: int, root: Path) -> dict[str, float | int | None]:
    """Per-save figures for a queue holding ``closed`` finished requests."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"queue-{closed}-", dir=root))
    q = RequestQueue.in_dir(data_dir)
    with q.batch():  # one write: the fill is not what is measured
        for i in range(closed):
            req = q.add(_request(i, float(i)), time=float(i))
            for k, state in enumerate(LIFE):
                q.move(req.id, state, float(i) + k + 1, state.value)
    walls, cpus = [], []
    w0 = _written_bytes()
    t = float(closed) + 10.0
    for n in range(saves):
        step = n % (len(LIFE) + 1)
        i = closed + n // (len(LIFE) + 1)
        t += 1.0
        w_start, c_start = time.perf_counter(), time.process_time()
        if step == 0:
            q.add(_request(i, t), time=t)
        else:
            q.move(f"req-bench-{i:06d}", LIFE[step - 1], t, "bench")
        cpus.append(time.process_time() - c_start)
        walls.append(time.perf_counter() - w_start)
    w1 = _written_bytes()
    walls.sort()
    return {
        "closed": closed,
        "wall_ms_median": round(statistics.median(walls) * 1e3, 3),
        "wall_ms_p90": round(walls[int(0.9 * (len(walls) - 1))] * 1e3, 3),
        "wall_ms_max": round(walls[-1] * 1e3, 3),
        "cpu_ms_mean": round(statistics.fmean(cpus) * 1e3, 3),
        "bytes_per_save": None if w0 is None or w1 is None else round((w1 - w0) / saves),
        "files_bytes": sum(p.stat().st_size for p in data_dir.iterdir() if p.is_file()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--closed", type=int, nargs="+", default=[10, 1000])
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=None, help="where the queues are written")
    args = ap.parse_args()
    if any(n < 0 for n in args.closed) or args.saves < 1:
        ap.error("--closed must be >= 0 and --saves >= 1")
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        rows = [measure(n, args.saves, Path(tmp)) for n in args.closed]
    for row in rows:
        print(f"closed={row['closed']:<6} " + json.dumps(row), flush=True)
    lo, hi = rows[0], rows[-1]
    result = {
        "saves": args.saves,
        "rows": rows,
        "ratio_cpu": round(hi["cpu_ms_mean"] / max(lo["cpu_ms_mean"], 1e-6), 2),
        "ratio_bytes": (
            round(hi["bytes_per_save"] / max(lo["bytes_per_save"], 1), 2)
            if hi["bytes_per_save"] is not None and lo["bytes_per_save"] is not None
            else None
        ),
        "cores": os.cpu_count(),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
