"""``pepa run`` (the nodes on real ROS 2 topics) and ``pepa replay`` (read a recording).

Registered in the ``pepa`` command; nothing here imports rclpy until a command runs, so
``pepa --help`` works without ROS.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Any

from pepa.personalities import loader as personality_loader

log = logging.getLogger(__name__)

DEFAULT_NODES: tuple[str, ...] = ("sim", "sys1", "sys2", "sys3", "console")
"""The nodes ``pepa run`` starts: the simulated office, the three systems and the console."""
AGENT_NODES = frozenset({"sys1", "sys2", "sys3", "console"})


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _days(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 30:
        raise argparse.ArgumentTypeError(f"must be 0 to 30 days, got {text}")
    return value


def _mcap_path(text: str) -> Path:
    if not text.endswith(".mcap"):
        raise argparse.ArgumentTypeError(f"{text!r}: a recording file must end in .mcap")
    return Path(text)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser(
        "run",
        help="run the robot's nodes on ROS 2 (simulated office by default)",
        description="Start the PEPA nodes as real ROS 2 nodes: composed in one process (each "
        "node on its own executor thread), or with --processes one supervised process per node.",
    )
    run.add_argument(
        "--nodes",
        default=",".join(DEFAULT_NODES),
        help="comma-separated registered nodes (default: %(default)s)",
    )
    run.add_argument("--duration", type=_positive, help="stop after S wall-clock seconds")
    run.add_argument("--processes", action="store_true", help="one supervised process per node")
    run.add_argument("--speed", type=_positive, default=1.0, help="simulated s per wall s")
    run.add_argument("--seed", type=int, default=1, help="simulation seed")
    run.add_argument(
        "--personality", default=personality_loader.DEFAULT, help="personality name or YAML file"
    )
    run.add_argument(
        "--world", metavar="FILE", type=Path, help="building file (default: the office)"
    )
    run.add_argument(
        "--data",
        "--data-dir",
        dest="data_dir",
        type=Path,
        default=Path("data"),
        help="data directory: memory, goals, requests, reflections (default: %(default)s)",
    )
    run.add_argument("--host", default="127.0.0.1", help="console address (default: %(default)s)")
    run.add_argument("--port", type=int, default=8080, help="console port (default: %(default)s)")
    run.add_argument(
        "--llm",
        choices=("offline", "openai", "local"),
        help="LLM backend of both Sys2 and Sys3 (the per-system options override it)",
    )
    for system in ("sys2", "sys3"):
        run.add_argument(
            f"--{system}-llm",
            default=None,
            choices=("offline", "openai", "local"),
            help=f"{system.capitalize()}'s LLM backend (default: offline)",
        )
        run.add_argument(f"--{system}-model", default="", help=f"{system.capitalize()}'s model")
        run.add_argument(f"--{system}-url", default="", help=f"{system.capitalize()}'s server")
    run.add_argument(
        "--camera-rate", type=float, default=5.0, help="camera frames per second (0: off)"
    )
    run.add_argument(
        "--record", type=_mcap_path, metavar="FILE.mcap", help="record every topic to FILE"
    )
    run.add_argument(
        "--warm-up-days",
        type=_days,
        default=0,
        metavar="N",
        help="on a fresh data directory, first live days 0..N-1 fast in this process, so "
        "the live run starts on day N with a reflection to review (default: %(default)s)",
    )
    run.set_defaults(func=cmd_run)

    replay = sub.add_parser(
        "replay",
        help="summarise or print an MCAP recording",
        description="Summarise a recording (topics, types, counts, rates) or print its messages.",
    )
    replay.add_argument("file", type=Path, help="the .mcap file")
    replay.add_argument(
        "--summary",
        action="store_true",
        help="topics, counts, rates and the Foxglove layout to open it with (the default)",
    )
    replay.add_argument("--print", action="store_true", help="print the messages")
    replay.add_argument("--topic", action="append", help="only this topic (repeatable)")
    replay.add_argument("--limit", type=int, default=0, help="print at most N messages")
    replay.add_argument("--json", action="store_true", help="the summary as JSON")
    replay.set_defaults(func=cmd_replay)


def run_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The ROS parameters every node is started with (each node declares the ones it uses)."""
    values: dict[str, Any] = {
        "speed": float(args.speed),
        "seed": int(args.seed),
        "camera_rate_hz": float(args.camera_rate),
        "personality": args.personality,
        "data_dir": str(args.data_dir),
        "building": str(args.world) if args.world is not None else "",
    }
    for system in ("sys2", "sys3"):
        values[f"{system}_llm_backend"] = getattr(args, f"{system}_llm") or args.llm or "offline"
        values[f"{system}_llm_model"] = getattr(args, f"{system}_model")
        values[f"{system}_llm_base_url"] = getattr(args, f"{system}_url")
    if args.record is not None:
        values["output"] = str(args.record)
    values["console_host"] = args.host
    values["console_port"] = int(args.port)
    return values


SUSTAINABLE_WALL_HZ = 100.0
"""Above this many control ticks per wall second, a loaded computer falls behind."""


def simulated_rates(speed: float) -> dict[str, float]:
    """Sys1 and the simulator step at the in-process period of simulated time at any speed.

    Sys1's skills steer for one control period; a fixed wall-clock rate would stretch that
    period with the speed (at 30x and 20 Hz, 1.5 s: the robot overshoots turns and doorways,
    notes blocked areas that cut rooms off, and its explorations fail).
    """
    from pepa.agent.sys1.config import ControlConfig

    hz = ControlConfig().control_hz
    wall = hz * speed
    if wall > SUSTAINABLE_WALL_HZ:
        log.warning(
            "--speed %g: Sys1 must tick %.0f times a wall-clock second to keep its control "
            "period of %.2f simulated s; if it falls behind (loop misses on /pepa/health) the "
            "robot steers coarser than in-process: lower --speed",
            speed,
            wall,
            1.0 / hz,
        )
    return {"control_rate_hz": hz, "step_hz": min(1000.0, max(50.0, wall))}


def start_day(args: argparse.Namespace) -> int:
    """The simulated day the live run starts on: after the warm-up on a fresh data directory,
    else the day after the data directory's last reflection."""
    from pepa.agent.runtime.warm_up import WarmUp, warm_up

    if args.warm_up_days:
        print(f"pepa run: warm-up of {args.warm_up_days} day(s) if {args.data_dir} is fresh")
    day = warm_up(
        args.data_dir,
        WarmUp(
            days=args.warm_up_days,
            personality=args.personality,
            seed=args.seed,
            world=str(args.world) if args.world is not None else None,
        ),
    )
    print(f"pepa run: the live run starts on day {day}", flush=True)
    return day


def cmd_run(args: argparse.Namespace) -> int:
    from pepa_ros import registry

    names = [n.strip() for n in args.nodes.split(",") if n.strip()]
    if not names:
        raise ValueError("--nodes: no node named")
    for name in names:
        registry.lookup(name)
    if args.world is not None:
        from pepa.building.layout import load_building

        load_building(args.world)  # a missing or bad file: an error now, not in every node
    if args.record is not None and "recorder" not in names:
        names.append("recorder")
    parameters = run_parameters(args)
    if "sim" in names:
        parameters["use_sim_time"] = True  # the agent lives on the simulated office's clock
        parameters.update(simulated_rates(args.speed))
        parameters["start_day"] = start_day(args)
    elif args.warm_up_days:
        raise ValueError("--warm-up-days: the warm-up lives in the simulated office (node sim)")
    mode = "one supervised process per node" if args.processes else "composed in one process"
    print(f"pepa run: {', '.join(names)} ({mode}), data in {args.data_dir}", flush=True)
    if "console" in names:
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"PEPA console: http://{host}:{args.port}/", flush=True)
    if not args.processes:
        from pepa_ros.runner import run_composed

        return run_composed(names, parameters, duration=args.duration)

    from pepa_ros.supervisor import Supervisor, node_children, write_params_file

    with tempfile.TemporaryDirectory(prefix="pepa-run-") as tmp:
        params_file = write_params_file(Path(tmp) / "params.yaml", parameters)
        supervisor = Supervisor(node_children(names, params_file))
        codes = supervisor.run(duration=args.duration)
    restarts = supervisor.restarts()
    log.info("stopped; exit codes %s, restarts %s", codes, restarts)
    return 0 if all(c in (0, None) for c in codes.values()) else 1


def cmd_replay(args: argparse.Namespace) -> int:
    from pepa_ros.replay import format_message, format_summary, iter_messages, summarise

    if args.summary and args.print:
        raise ValueError("--summary and --print: choose one")
    if not args.print:
        summary = summarise(args.file)
        if args.topic:
            summary.topics = [t for t in summary.topics if t.topic in args.topic]
        print(summary.model_dump_json(indent=2) if args.json else format_summary(summary))
        return 0
    for n, (topic, type_name, stamp, decoded) in enumerate(iter_messages(args.file, args.topic)):
        if args.limit and n >= args.limit:
            break
        print(format_message(topic, type_name, stamp, decoded))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m pepa_ros.cli run|replay ...``: the same commands without the rest of pepa."""
    import sys

    parser = argparse.ArgumentParser(prog="python -m pepa_ros.cli")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"pepa {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
