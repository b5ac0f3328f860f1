"""``pepa train-policy``: distil Sys2's decisions in the simulated office into the onboard models.

torch is imported only when the command runs, so ``pepa --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "train-policy",
        help="train the onboard perception encoder and decision policy on Sys2's decisions",
        description="Lives simulated days in the office, records every decision Sys2 makes "
        "with the camera frame and what the robot knew, trains the onboard models, evaluates "
        "them on held-out days and saves weights and a model card.",
    )
    p.add_argument("--out", type=Path, required=True, help="directory for weights and card")
    p.add_argument("--days", type=int, default=3, help="days per personality (last: held out)")
    p.add_argument(
        "--personalities",
        default="lazy,playful,cautious,working,curious",
        help="comma-separated personality names",
    )
    p.add_argument("--samples-per-day", type=int, default=150)
    p.add_argument(
        "--source",
        choices=("sample", "run"),
        default="sample",
        help="sample situations over each day (fast) or keep every decision of a lived day",
    )
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="processes generating data")
    p.add_argument("--world", default=None, help="building file (default: the office)")
    p.add_argument("--input-size", default="160x120", help="frame size the CNN sees, WxH")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pepa.agent.policy.training_run import TrainingRun, parse_size

    width, height = parse_size(args.input_size)
    run = TrainingRun(
        out=args.out,
        personalities=tuple(p.strip() for p in args.personalities.split(",") if p.strip()),
        days=args.days,
        samples_per_day=args.samples_per_day,
        source=args.source,
        epochs=args.epochs,
        seed=args.seed,
        workers=args.workers,
        world=args.world,
        width=width,
        height=height,
    )
    t0 = time.perf_counter()
    card = run.execute(progress=lambda msg: print(msg, flush=True))
    print(json.dumps({"held_out": card.held_out, "size": card.size}, sort_keys=True))
    print(f"saved to {args.out} in {time.perf_counter() - t0:.0f} s")
    return 0
