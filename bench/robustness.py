"""Any building: the five personalities living in generated buildings they have never seen.

    python bench/robustness.py [--buildings 8] [--days 2] [--out DIR] [--workers N]
                               [--embedder static|minilm]

K generated buildings (shapes l, t, u, bar in turn; 3-6 floors; every fourth with a basement)
x the five personalities x D days, offline engines, oracle perception, one worker process per
core (the study's runner), plus the same personalities in the default office for the
skill-failure baseline. Targets over the generated robot-days: no rescue (carried to the dock),
no battery-empty event, no livelock left undetected (an oscillation in the trace with no
livelock stop, :mod:`pepa.agent.oscillation`), skill failures per robot-day at most 1.5 x the
office's, and all of it within ten minutes on two cores. Memories are embedded with the static
embedder by default: nothing here asks memory by meaning (no memory QA, and the agent's own
decisions read memory by day, not by similarity; a test checks they are the same under either
embedder), and MiniLM would be half of the CPU. Prints per-building lines and, last,
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from pepa.agent.oscillation import oscillations, undetected
from pepa.agent.study.record import RunRecord, read_traces
from pepa.agent.study.runner import RUNS_DIR, StudyConfig, resolve_personalities, run_all
from pepa.memory.embedders import EmbedderKind
from pepa.sim.generator import Shape, generate_building, write_building

SHAPES = (Shape.L, Shape.T, Shape.U, Shape.BAR)
FAILURE_RATIO_TARGET = 1.5
TARGET_S = 600.0
BATTERY_EMPTY = "battery empty"


def write_buildings(config: StudyConfig, out: Path, first_seed: int) -> list[dict]:
    """Building k: seed ``first_seed + k``, shape k mod 4, 3 + k mod 4 floors, a basement
    for every fourth; what each is, for the report."""
    about = []
    for k, label in enumerate(config.world_labels()):
        opts = {
            "seed": first_seed + k,
            "floors": 3 + k % 4,
            "basements": 1 if k % 4 == 3 else 0,
            "shape": SHAPES[k % len(SHAPES)].value,
        }
        path = config.world_file(label, out)
        if not path.is_file():
            write_building(generate_building(**opts), path)  # type: ignore[arg-type]
        about.append({"building": label, **opts})
    return about


def run_figures(rec: RunRecord, run_dir: Path) -> dict:
    """What one run contributes: from its summary and its day traces."""
    traces = read_traces(run_dir)
    s = rec.summary
    return {
        "robot_days": len(traces),
        "rescues": s.rescues,
        "battery_empty": sum(
            1 for tr in traces for _, line in tr.world_log if line.startswith(BATTERY_EMPTY)
        ),
        "livelocks_stopped": s.livelocks_stopped,
        "oscillations": sum(len(oscillations(tr)) for tr in traces),
        "livelocks_undetected": sum(len(undetected(tr)) for tr in traces),
        "skill_failures": s.skill_failures,
        "requests_completed": s.requests.completed,
        "requests_failed": s.requests.failed,
        "coverage_per_day": [d.coverage for d in s.per_day],
        "cpu_s": rec.cpu_s,
    }


def totals(rows: list[dict]) -> dict:
    keys = (
        "robot_days",
        "rescues",
        "battery_empty",
        "livelocks_stopped",
        "oscillations",
        "livelocks_undetected",
        "skill_failures",
        "requests_completed",
        "requests_failed",
    )
    out = {k: sum(r[k] for r in rows) for k in keys}
    out["skill_failures_per_day"] = round(out["skill_failures"] / max(1, out["robot_days"]), 2)
    return out


def run_world_set(config: StudyConfig, out: Path) -> list[tuple[RunRecord, Path]]:
    records = run_all(config, out, show_progress=True)
    return [(rec, out / RUNS_DIR / rec.spec.name) for rec in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=8)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=100, help="building k: this + k")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary directory")
    parser.add_argument(
        "--embedder", choices=[k.value for k in EmbedderKind], default=EmbedderKind.STATIC.value
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = args.out or Path(tempfile.mkdtemp(prefix="pepa-robustness-"))
    t0 = time.perf_counter()  # the benchmark's wall time
    common = {
        "days": args.days,
        "seeds": 1,
        "personalities": resolve_personalities("all"),
        "workers": args.workers,
        "qa_per_kind": 0,
        "embedder": args.embedder,
        "requests_per_person_hour": None,  # the simulator's own day
        "busy_requests_per_person_hour": None,  # and none of the study's extra busy runs
    }
    generated = StudyConfig(**common, generated_worlds=args.buildings)
    about = write_buildings(generated, out / "generated", args.first_seed)
    gen_runs = run_world_set(generated, out / "generated")
    office_runs = run_world_set(StudyConfig(**common), out / "office")
    wall = time.perf_counter() - t0

    per_building = []
    for info in about:
        rows = [run_figures(rec, d) for rec, d in gen_runs if rec.spec.world == info["building"]]
        line = {**info, **totals(rows), "runs": rows}
        per_building.append(line)
        print(
            f"{info['building']} ({info['shape']}, {info['floors']} floors"
            f"{', basement' if info['basements'] else ''}): "
            + ", ".join(f"{k} {v}" for k, v in totals(rows).items())
        )
    gen = totals([r for b in per_building for r in b["runs"]])
    office = totals([run_figures(rec, d) for rec, d in office_runs])
    ratio = gen["skill_failures_per_day"] / max(1e-9, office["skill_failures_per_day"])
    targets = {
        "rescues": gen["rescues"] == 0,
        "battery_empty": gen["battery_empty"] == 0,
        "livelocks_undetected": gen["livelocks_undetected"] == 0,
        "skill_failures_ratio": ratio <= FAILURE_RATIO_TARGET,
        "wall_s": wall <= TARGET_S,
    }
    print(f"office: {office}")
    print(f"{gen['robot_days']} generated robot-days in {wall:.0f} s; targets: {targets}")
    print(
        json.dumps(
            {
                **gen,
                "office": office,
                "skill_failures_ratio": round(ratio, 2),
                "wall_s": round(wall, 1),
                "target_s": TARGET_S,
                "cores": os.cpu_count(),
                "workers": args.workers,
                "targets_met": targets,
                "per_building": [
                    {k: v for k, v in b.items() if k != "runs"}
                    | {
                        "coverage_per_day": [r["coverage_per_day"] for r in b["runs"]],
                        "requests_completed": b["requests_completed"],
                        "requests_failed": b["requests_failed"],
                    }
                    for b in per_building
                ],
                "out": str(out),
            }
        )
    )


if __name__ == "__main__":
    main()
