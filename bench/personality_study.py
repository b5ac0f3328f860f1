"""The personality study's speed: five personalities x three days x two seeds.

    python bench/personality_study.py [--days 3] [--seeds 2] [--out DIR]

Offline engines and oracle perception, one worker process per core; the target is at most
ten minutes on a two-core machine. Prints the wall time, the claims table and, last, one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from pepa.agent.study.runner import StudyConfig, resolve_personalities, run_study

TARGET_S = 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary directory")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="pepa-study-"))
    cfg = StudyConfig(days=args.days, seeds=args.seeds, personalities=resolve_personalities("all"))
    result = run_study(cfg, out, show_progress=False)
    for c in result.findings.claims:
        print(f"{c.verdict.value:>12}  {c.statement}: {c.detail}")
    runs = len(cfg.specs())
    print(f"{runs} runs x {cfg.days} days on {cfg.workers} workers: {result.wall_s:.0f} s")
    print(
        json.dumps(
            {
                "wall_s": round(result.wall_s, 1),
                "target_s": TARGET_S,
                "runs_cpu_s": round(result.cpu_s, 1),
                "runs": runs,
                "days": cfg.days,
                "cores": os.cpu_count(),
                "claims_passed": sum(c.passed for c in result.findings.claims),
                "claims": len(result.findings.claims),
                "report": str(result.paths["md"]),
            }
        )
    )


if __name__ == "__main__":
    main()
