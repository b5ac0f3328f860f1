"""``pepa personalities``: list, show and compare the personalities.

Part of the agent's command, not of the personalities layer: ``compare`` runs Sys3.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import yaml

from pepa.agent.sys3.comparison import PersonalityRun, compare
from pepa.agent.sys3.episode_file import read_episodes, world_from_episodes, write_episodes
from pepa.agent.sys3.synthetic_days import office_world, synthetic_days
from pepa.conditions import describe_condition
from pepa.personalities.loader import available, load, load_all
from pepa.reward_features import FEATURES

DATA_DIR_ENV = "PEPA_DATA_DIR"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("personalities", help="list, show and compare personalities")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get(DATA_DIR_ENV, "data")),
        help=f"data directory holding users' personalities/ (default ${DATA_DIR_ENV} or ./data)",
    )
    psub = p.add_subparsers(dest="personalities_command", required=True, metavar="ACTION")

    ls = psub.add_parser("list", help="every personality with its Big Five vector")
    ls.add_argument("--json", action="store_true", help="one JSON array")
    ls.set_defaults(func=_list)

    show = psub.add_parser("show", help="one personality in full (by name or YAML path)")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    cmp_ = psub.add_parser(
        "compare", help="reflections and next-day goals of each personality on the same days"
    )
    cmp_.add_argument("--episodes", type=Path, help="JSON-lines episode file (default: synthetic)")
    cmp_.add_argument("--days", type=int, default=2, help="synthetic days (default 2)")
    cmp_.add_argument("--seed", type=int, default=0)
    cmp_.add_argument("--names", nargs="+", help="personalities to compare (default: all)")
    cmp_.add_argument("--out", type=Path, help="keep each personality's data directory here")
    cmp_.add_argument("--save-episodes", type=Path, help="write the episode stream used")
    cmp_.add_argument("--json", action="store_true")
    cmp_.set_defaults(func=_compare)

    doc = psub.add_parser("doc", help="write docs/personalities.md from the built-in files")
    doc.add_argument("--output", type=Path, help="write here instead of printing")
    doc.add_argument("--check", action="store_true", help="exit 1 if --output is stale")
    doc.set_defaults(func=_doc)


def _list(args: argparse.Namespace) -> int:
    people = load_all(args.data_dir)
    paths = available(args.data_dir)
    if args.json:
        rows = [
            {
                "name": p.name,
                "big_five": p.big_five.model_dump(),
                "path": str(paths[p.name.lower()]),
            }
            for p in people
        ]
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':<12} {'O':>5} {'C':>5} {'E':>5} {'A':>5} {'N':>5}  file")
    for p in people:
        b = p.big_five.model_dump()
        vals = " ".join(f"{b[t]:5.2f}" for t in b)
        print(f"{p.name:<12} {vals}  {paths[p.name.lower()]}")
    return 0


def _show(args: argparse.Namespace) -> int:
    p = load(args.name, args.data_dir)
    data = p.model_dump(mode="json")
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")
    return 0


def _doc(args: argparse.Namespace) -> int:
    from pepa.personalities.doc import main as doc_main

    argv = [*(["--output", str(args.output)] if args.output else []), *(["--check"] * args.check)]
    return doc_main(argv)


def _print_runs(runs: list[PersonalityRun]) -> None:
    days = [r.day for r in runs[0].reflections] if runs else []
    for run in runs:
        print(f"{run.personality:>9} | ultimate goal: {run.ultimate_goal}")
    for i, day in enumerate(days):
        print(f"\n===== day {day} =====")
        for run in runs:
            r = run.reflections[i]
            print(f"\n--- {run.personality} ---")
            print(r.summary)
            for c in r.weight_changes:
                print(f"  weight {c.feature}: {c.old:.3f} -> {c.new:.3f} ({c.reason})")
            print(f"  goals for day {day + 1}:")
            for g in r.tomorrow_goals:
                print(
                    f"    [{g.priority:.2f}] {g.action.label()} if "
                    f"{describe_condition(g.condition)}"
                )
    print("\n===== weights after the last day =====")
    print(f"{'':>9} " + " ".join(f"{f:>8}" for f in FEATURES))
    for run in runs:
        w = run.reflections[-1].weights_after if run.reflections else {}
        print(f"{run.personality:>9} " + " ".join(f"{w.get(f, 0):8.3f}" for f in FEATURES))


def _compare(args: argparse.Namespace) -> int:
    if args.episodes:
        episodes = read_episodes(args.episodes)
        world = world_from_episodes(episodes)
    else:
        world = office_world()
        episodes = synthetic_days(world, args.days, args.seed)
    if args.save_episodes:
        write_episodes(args.save_episodes, episodes)
    people = (
        [load(n, args.data_dir) for n in args.names] if args.names else load_all(args.data_dir)
    )
    with tempfile.TemporaryDirectory(prefix="pepa-compare-") as tmp:
        out = args.out or Path(tmp)
        runs = compare(people, world, episodes, out, seed=args.seed)
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
    else:
        _print_runs(runs)
    return 0
