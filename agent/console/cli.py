"""``pepa console``: the agent living in the simulated office in this process, with its web
console — for people without ROS. (``pepa run`` serves the same console over ROS.)"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

from pepa.agent.console.inprocess import InProcessBackend
from pepa.agent.console.live_agent import LiveAgent, LiveAgentConfig
from pepa.agent.console.server import serve
from pepa.agent.console.settings import resolve_settings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "console",
        help="run the agent in-process with its web console (no ROS needed)",
        description=(
            "Run the whole agent in the simulated office in this process and serve the web "
            "console. Off localhost a token is required (PEPA_CONSOLE_TOKEN, or one is "
            "generated and printed)."
        ),
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    p.add_argument("--personality", default="working", help="personality (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--data-dir", default="pepa-data", help="where each personality's run lives")
    p.add_argument("--world", metavar="FILE", help="building file (default: the office)")
    p.add_argument("--speed", type=float, default=10.0, help="simulated seconds per second")
    p.add_argument(
        "--llm",
        choices=("offline", "openai", "local"),
        default="offline",
        help="LLM backend for Sys2 and Sys3 (default: %(default)s)",
    )
    p.add_argument("--day-start", type=float, default=8.0, help="hour the robot's day begins")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.speed) and args.speed > 0):
        raise ValueError(f"--speed must be a positive number, got {args.speed}")
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be 0..65535, got {args.port}")
    settings, generated = resolve_settings(args.host, args.port)
    agent = LiveAgent(
        LiveAgentConfig(
            data_dir=Path(args.data_dir),
            personality=args.personality,
            seed=args.seed,
            world=args.world,
            llm=args.llm,
            day_start_h=args.day_start,
            speed=args.speed,
        )
    )
    backend = InProcessBackend(agent)
    agent.start()
    try:
        serve(backend, settings=settings, generated=generated)
    finally:
        agent.stop()
    return 0
