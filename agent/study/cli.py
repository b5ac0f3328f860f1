"""``pepa study``: every personality × seed for N days, then a report with plots and claims."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.claims import Verdict
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind

log = logging.getLogger(__name__)


def _ablations(text: str) -> list[Ablation]:
    text = text.strip().lower()
    if text in ("", "none"):
        return []
    if text == "all":
        return [a for a in Ablation if a != Ablation.NONE]
    out = []
    for raw in text.split(","):
        try:
            out.append(Ablation(raw.strip()))
        except ValueError:
            known = ", ".join(a.value for a in Ablation if a != Ablation.NONE)
            raise ValueError(
                f"--ablations: unknown ablation {raw.strip()!r}; known: {known}"
            ) from None
    return out


def _hours(text: str) -> dict[str, float]:
    try:
        start, end = (float(x) for x in text.split("-"))
    except ValueError:
        raise ValueError(
            f"--hours: expected START-END in hours, e.g. 8-24; got {text!r}"
        ) from None
    if not 0 <= start < end <= 24:
        raise ValueError(f"--hours: need 0 <= START < END <= 24; got {text!r}")
    return {"day_start_h": start, "day_end_h": end}


def _load(text: str, option: str = "--load") -> float | None:
    from pepa.agent.study.runner import LOADS

    name = text.strip().lower()
    if name in LOADS:
        return LOADS[name]
    try:
        rate = float(name)
    except ValueError:
        raise ValueError(
            f"{option}: expected {', '.join(LOADS)} or requests per person-hour; got {text!r}"
        ) from None
    if not 0 <= rate <= 10:
        raise ValueError(f"{option}: requests per person-hour must be within 0..10; got {text!r}")
    return rate


def _busy_load(text: str) -> float | None:
    """The busy runs' load; ``none`` runs no busy runs (the busy claims are then skipped)."""
    if text.strip().lower() == "none":
        return None
    rate = _load(text, "--busy-load")
    if rate is None:
        raise ValueError("--busy-load: 'default' is not busy; give 'busy', a rate or 'none'")
    return rate


def _worlds(text: str | None) -> int:
    if text is None:
        return 0
    kind, _, count = text.partition(":")
    if kind.strip().lower() != "generated" or not count.strip().isdigit():
        raise ValueError(f"--worlds: expected generated:N (N buildings); got {text!r}")
    return int(count)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "study",
        help="run every personality x seed for N days and report stability and trait claims",
    )
    p.add_argument("--days", type=int, required=True, help="simulated days per run")
    p.add_argument(
        "--seeds", type=int, default=3, help="seeds per personality, 0..K-1 (default: 3)"
    )
    p.add_argument(
        "--personalities", default="all", help="'all' or names, comma-separated (default: all)"
    )
    p.add_argument("--world", default=None, help="building file (default: the office)")
    p.add_argument(
        "--worlds",
        default=None,
        metavar="generated:N",
        help="run the study in N buildings made by the building generator (instead of --world)",
    )
    p.add_argument("--llm", choices=["offline", "openai", "local"], default="offline")
    p.add_argument("--perception", choices=["oracle", "camera"], default="oracle")
    p.add_argument(
        "--ablations",
        default="none",
        help="'none', 'all' or a comma-separated list of no_reflection, no_memory, "
        "shuffled_weights (default: none)",
    )
    p.add_argument(
        "--ablation-seeds", type=int, default=None, help="seeds per ablation (default: --seeds)"
    )
    p.add_argument("--workers", type=int, default=None, help="parallel runs (default: cores)")
    p.add_argument(
        "--hours",
        default="8-24",
        help="the robot's day, START-END in hours of the simulated clock (default: 8-24)",
    )
    p.add_argument(
        "--load",
        default="default",
        help="request load of the runs: 'default' (the simulator's day), 'busy' or requests "
        "per person-hour (default: default)",
    )
    p.add_argument(
        "--busy-load",
        default="busy",
        help="load of the extra runs the request claims are measured on: 'busy' (more "
        "requests than any personality can serve), requests per person-hour, or 'none'",
    )
    p.add_argument("--busy-days", type=int, default=1, help="days of each busy run (default 1)")
    p.add_argument("--qa", type=int, default=4, help="memory QA questions per type and run")
    p.add_argument(
        "--embedder",
        choices=[k.value for k in EmbedderKind],
        default=DEFAULT_EMBEDDER.value,
        help="what embeds the runs' memories: the static one is much faster and recalls less "
        f"(default {DEFAULT_EMBEDDER.value}; see docs/architecture.md)",
    )
    p.add_argument("--out", type=Path, required=True, help="the study's directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="run the runs as Ray tasks: on the cluster at ADDRESS (e.g. HEAD:6379), or on a "
        "new local Ray without one (needs the 'ray' extra)",
    )
    p.set_defaults(func=_study)


def _study(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from pepa.agent.study.runner import StudyConfig, WorkerError, resolve_personalities, run_study

    t0 = time.perf_counter()  # wall time printed for the user
    fields = {
        "days": args.days,
        "seeds": args.seeds,
        "personalities": resolve_personalities(args.personalities),
        "ablations": _ablations(args.ablations),
        "ablation_seeds": args.ablation_seeds,
        "world": args.world,
        "llm": args.llm,
        "perception": args.perception,
        "qa_per_kind": args.qa,
        "embedder": args.embedder,
        "requests_per_person_hour": _load(args.load),
        "busy_requests_per_person_hour": _busy_load(args.busy_load),
        "busy_days": args.busy_days,
        "generated_worlds": _worlds(args.worlds),
        **_hours(args.hours),
    }
    if args.workers is not None:
        fields["workers"] = args.workers
    try:
        config = StudyConfig.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "arguments"
        raise ValueError(f"--{where.replace('_', '-')}: {err['msg']}") from None
    try:
        result = run_study(
            config, args.out, show_progress=not args.no_progress, ray_address=args.ray
        )
    except WorkerError as exc:
        print(f"pepa study: error: {exc}", file=sys.stderr)
        return 1
    for c in result.findings.claims:
        print(f"{c.verdict.value.upper():>12}  {c.statement}: {c.detail}")
    passed = sum(c.verdict == Verdict.PASS for c in result.findings.claims)
    wall = time.perf_counter() - t0
    paths = result.paths
    print(f"report: {paths['md']} and {paths['html']}; claims: {paths['claims']}")
    print(
        json.dumps(
            {
                "wall_s": round(wall, 1),
                "runs_cpu_s": round(result.cpu_s, 1),
                "runs": len(config.specs()),
                "claims_passed": passed,
                "claims": len(result.findings.claims),
            }
        )
    )
    return 0
