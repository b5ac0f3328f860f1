"""The warm-up: the robot's first days lived fast, in this process, before it goes live.

Someone who starts the robot on a fresh data directory would otherwise wait for the first
midnight (hours of wall time) before there is a reflection to review, and the first live day
would start without goals drawn from a yesterday. The warm-up lives days ``0 .. N-1`` on the
discrete-event clock with the in-process :class:`~agent.runtime.runtime.Runtime` in the very
data directory the live nodes use afterwards:

- episodic memory (``memory/``), Sys1's lasting state (``sys1/``), the request queue and the
  presence model (``sys2/``) and the day traces (``runtime/trace/``) are where the nodes and
  the console read them;
- the self Sys3 keeps (ultimate goal, reward weights, daily goals, reflection log) is handed
  over to the place the live agent keeps one self per personality
  (:func:`~pepa.agent.sys3.system.self_dir`), so the live day ``N`` starts from day ``N-1``'s
  reflection and its goals.

A data directory that already holds any of the robot's state is never warmed up: the live run
continues it, from the day after its last reflection (:func:`live_start_day`).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.runtime.config import RuntimeConfig, load_inputs
from pepa.agent.runtime.progress import day_progress
from pepa.agent.runtime.runtime import Runtime
from pepa.agent.sys3.reflection_log import SUBDIR as REFLECTIONS_DIR
from pepa.agent.sys3.reflection_log import ReflectionLog
from pepa.agent.sys3.system import SELF_DIR, self_dir

log = logging.getLogger(__name__)

HANDED_OVER = (Path("sys3"), Path(REFLECTIONS_DIR))
"""What the in-process run keeps at its root and the live agent keeps per personality."""
ROBOT_STATE = (Path("memory"), Path("sys1"), Path("sys2"), SELF_DIR, Path("runtime"))
"""Any of these in a data directory means a robot has lived there: it is not fresh."""


def is_fresh(data_dir: Path) -> bool:
    """True when no robot has lived in ``data_dir`` (users' personality files may be there)."""
    return not any((data_dir / part).exists() for part in (*ROBOT_STATE, *HANDED_OVER))


def live_start_day(data_dir: Path, personality: str) -> int:
    """The day a live run continues with: the one after the last reflected day, else 0."""
    days = ReflectionLog(self_dir(data_dir, personality)).days()
    return days[-1] + 1 if days else 0


class WarmUp(BaseModel):
    """How to live the first days before going live."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    days: int = Field(ge=0, le=30, description="days lived in-process on a fresh directory")
    personality: str = Field(min_length=1)
    seed: int = Field(default=0, ge=0)
    world: str | None = Field(default=None, description="building file; None: the office")
    day_start_h: float = Field(default=8.0, ge=0.0, lt=24.0, description="the robot wakes")
    progress: bool = True


def warm_up(data_dir: Path, plan: WarmUp) -> int:
    """Live ``plan.days`` days in-process if ``data_dir`` is fresh; the live start day.

    Returns the day the live run starts with (``plan.days`` after a warm-up, the day after the
    last reflection on a directory that was already lived in).
    """
    config = RuntimeConfig(
        personality=plan.personality,
        seed=plan.seed,
        world=plan.world,
        day_start_h=plan.day_start_h,
    )
    personality, _building = load_inputs(config, data_dir)  # bad input fails before any work
    name = personality.name
    if plan.days == 0 or not is_fresh(data_dir):
        day = live_start_day(data_dir, name)
        log.info("%s: continuing on day %d (no warm-up)", data_dir, day)
        return day
    config = config.model_copy(update={"personality": name})
    desc = f"warm-up: {name} lives day 0" + (f"-{plan.days - 1}" if plan.days > 1 else "")
    runtime = Runtime(config, data_dir)
    try:
        with day_progress(plan.days, config.day_hours, desc, plan.progress) as progress:
            runtime.run_days(plan.days, progress)
    finally:
        runtime.close()
    _hand_over(data_dir, name)
    day = live_start_day(data_dir, name)
    log.info("%s: warmed up %d day(s) as %s; live from day %d", data_dir, plan.days, name, day)
    return day


def _hand_over(data_dir: Path, personality: str) -> None:
    """Move Sys3's files from the run's root to the live agent's self of ``personality``."""
    target = self_dir(data_dir, personality)
    target.mkdir(parents=True, exist_ok=True)
    for part in HANDED_OVER:
        source = data_dir / part
        if source.exists():
            shutil.move(str(source), str(target / part))
