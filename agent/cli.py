"""The ``pepa`` command. Each area registers its own sub-commands from its own module."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Modules that provide ``register(subparsers)``; each sub-command sets ``func`` on its parser.
COMMAND_MODULES: tuple[str, ...] = (
    "pepa.sim.cli",
    "pepa.agent.llm.cli",
    "pepa.agent.personalities_cli",
    "pepa.memory.cli",
    "pepa_ros.cli",
    "pepa.agent.experiment_cli",
    "pepa.agent.study.cli",
    "pepa.agent.console.cli",
    "pepa.agent.policy.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pepa", description="Persistent, personality-driven autonomy for mobile robots."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError) as exc:
        print(f"pepa {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
