"""``pepa experiment``: run a personality for some days in the simulated office."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pepa.agent.experiment import SUMMARY_FILE, run_experiment
from pepa.agent.runtime.config import RuntimeConfig, load_inputs
from pepa.agent.runtime.progress import day_progress


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "experiment",
        help="run the whole agent for N days in the simulated office",
        description="Run the agent (Sys1, Sys2, Sys3, memory) in the simulated office on the "
        "discrete-event clock and write memory, daily reflections and summary.json to --out. "
        "Rerunning with the same --out continues an interrupted run.",
    )
    p.add_argument("--personality", required=True, help="a personality name or YAML file")
    p.add_argument("--days", type=int, required=True, help="total number of days to run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="data directory")
    p.add_argument("--perception", choices=("oracle", "camera"), default="oracle")
    p.add_argument("--llm", choices=("offline", "openai", "local"), default="offline")
    p.add_argument("--world", metavar="FILE", help="building file (default: the office)")
    p.add_argument(
        "--day-start", type=float, default=8.0, metavar="H", help="the robot wakes (hour)"
    )
    p.add_argument(
        "--day-end", type=float, default=24.0, metavar="H", help="the robot's day ends (hour)"
    )
    p.add_argument(
        "--fast-path",
        choices=("off", "policy"),
        default="off",
        help="policy: Sys1 follows the onboard policy between Sys2's deliberations",
    )
    p.add_argument("--policy-model", metavar="DIR", help="from pepa train-policy --out DIR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise ValueError(f"--days must be at least 1, got {args.days}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    config = RuntimeConfig(
        personality=args.personality,
        seed=args.seed,
        perception=args.perception,
        llm=args.llm,
        world=args.world,
        day_start_h=args.day_start,
        day_end_h=args.day_end,
        fast_path=args.fast_path,
        policy_model=args.policy_model,
    )
    load_inputs(config, args.out)  # unknown personality or bad world: fail before anything
    with day_progress(
        args.days, config.day_hours, f"{config.personality} seed {args.seed}", not args.no_progress
    ) as progress:
        summary = run_experiment(config, args.days, args.out, progress)
    print(json.dumps(summary.model_dump(mode="json", exclude={"per_day"}), indent=1))
    print(f"wrote {args.out / SUMMARY_FILE}", file=sys.stderr)
    return 0
