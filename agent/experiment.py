"""An experiment: one personality living N days in the simulated office, then its summary.

Everything goes under one output directory (memory, Sys2's queue, Sys3's goals, weights and
reflections, the runtime's checkpoint and trace, ``summary.json``). Running the same command
again with the same directory continues an interrupted run, and only writes the summary
again when nothing is left to run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pepa.agent.metrics import Summary, summarize
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Runtime
from pepa.durable import write_json

log = logging.getLogger(__name__)

SUMMARY_FILE = "summary.json"


def run_experiment(
    config: RuntimeConfig,
    days: int,
    out: Path,
    progress: Callable[[int, float], None] | None = None,
) -> Summary:
    """Run (or finish) ``days`` days and write ``out/summary.json``; returns the summary."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    runtime = Runtime(config, out)
    try:
        runtime.run_days(days, progress)
        summary = summary_of(runtime)
    finally:
        runtime.close()
    write_json(out / SUMMARY_FILE, summary.model_dump(mode="json"))
    return summary


def summary_of(runtime: Runtime) -> Summary:
    cfg = runtime.config
    return summarize(
        runtime.traces(),
        runtime.requests(),
        runtime.building,
        personality=runtime.personality.name,
        seed=cfg.seed,
        perception=cfg.perception,
        llm=cfg.llm,
    )
