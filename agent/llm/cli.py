"""``pepa llm``: serve the local LLM, find its model, and ask any backend a checked question."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

from pepa.agent.llm.client import LLMClient
from pepa.agent.llm.probe import probe_world, rule_problems, run_probe
from pepa.agent.llm.server import LocalLLMServer, bundled_model_path, server_available
from pepa.agent.llm.settings import DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORT, LLMSettings

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("llm", help="the LLM backend: serve the local model, ask a question")
    llm_sub = parser.add_subparsers(dest="llm_command", required=True, metavar="LLM_COMMAND")

    serve = llm_sub.add_parser(
        "serve", help="run the local OpenAI-compatible server (llama.cpp + SmolLM2)"
    )
    serve.add_argument("--host", default=DEFAULT_LOCAL_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_LOCAL_PORT)
    serve.add_argument("--model", type=Path, help="GGUF file (default: the bundled SmolLM2)")
    serve.add_argument("--n-ctx", type=int, default=8192, help="context length in tokens")
    serve.set_defaults(func=_serve)

    where = llm_sub.add_parser("model-path", help="print the bundled GGUF model's path")
    where.set_defaults(func=_model_path)

    ask = llm_sub.add_parser(
        "ask", help="send the probe request (rules over known places) and print the outcome"
    )
    ask.add_argument("--backend", choices=("local", "openai", "offline"), default="local")
    ask.add_argument("--base-url", help="OpenAI-compatible endpoint (…/v1)")
    ask.add_argument("--model", help="model name (needed for --backend openai)")
    ask.add_argument("--timeout", type=float, default=60.0, help="budget in seconds")
    ask.add_argument("--port", type=int, default=DEFAULT_LOCAL_PORT, help="local server port")
    ask.add_argument(
        "--places", default="kitchen,lobby,meeting_room,dock", help="comma-separated places"
    )
    ask.add_argument("--wish", default="keep people company and never run out of battery")
    ask.add_argument("--count", type=int, default=2, help="how many rules to ask for")
    ask.set_defaults(func=_ask)


def _serve(args: argparse.Namespace) -> int:
    if not server_available():
        raise FileNotFoundError(
            "llama-cpp-python's server is not installed (make test installs it; or "
            "pip install '.[llm]' with the portable CMAKE_ARGS of the Makefile)"
        )
    server = LocalLLMServer(
        model_path=args.model, host=args.host, port=args.port, n_ctx=args.n_ctx
    )
    if server.is_ready():
        print(f"an LLM server already answers at {server.base_url}", file=sys.stderr)
        return 1
    # The server is stopped however this ends: Ctrl-C (during start-up too) or SIGTERM. A
    # shell that starts a command in the background makes it ignore SIGINT, and Python then
    # installs no Ctrl-C handler: install it, or SIGINT would leave the server running.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        if not server.start(wait_s=120.0):
            print("the local LLM server did not come up within 120 s", file=sys.stderr)
            return 1
        print(f"local LLM serving at {server.base_url} (Ctrl-C stops it)", flush=True)
        return server.wait()
    finally:
        server.stop()


def _model_path(args: argparse.Namespace) -> int:
    print(bundled_model_path())
    return 0


def _ask(args: argparse.Namespace) -> int:
    settings = LLMSettings(
        backend=args.backend,
        base_url=args.base_url,
        model=args.model,
        timeout_s=args.timeout,
        local_port=args.port,
    )
    world = probe_world(args.places.split(","))
    with LLMClient(settings, system="cli") as client:
        if settings.backend == "local" and not client.start(wait_s=120.0):
            print("the local LLM server did not come up within 120 s", file=sys.stderr)
            return 1
        outcome = run_probe(client, world, args.wish, args.count)
        stats = client.stats
    report = outcome.model_dump(mode="json")
    report["problems"] = rule_problems(world, outcome.value) if outcome.value else None
    report["stats"] = stats.model_dump(mode="json")
    print(json.dumps(report, indent=2))
    return 0 if outcome.ok else 1
