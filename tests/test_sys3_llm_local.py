"""Sys3 on the real local backend (llama.cpp + SmolLM2): goals and reflections that pass the
checks, or a clean fallback to the offline engine; the tally is printed for the record."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from test_llm_local import CLEAN_FALLBACKS, local_server  # the one local-server fixture

from pepa.agent.llm import LLMClient, LLMSettings
from pepa.agent.llm.server import LocalLLMServer
from pepa.agent.sys3.memory_port import EpisodeList
from pepa.agent.sys3.synthetic_days import office_world, synthetic_days
from pepa.agent.sys3.system import Sys3
from pepa.clock import SimClock, at
from pepa.conditions import goal_problems
from pepa.personalities.loader import load

pytestmark = pytest.mark.llm

# One prototype keeps the run within minutes on a 2-core CPU (a goals prompt is ~3,000 tokens);
# the offline engine's per-personality behaviour is covered by the fast tests.
PERSONALITIES = ("Curious",)

__all__ = ["local_server"]


@pytest.mark.timeout(900)
def test_local_llm_goals_and_reflections_pass_checks_or_fall_back(
    local_server: LocalLLMServer, tmp_path: Path
) -> None:
    world = office_world()
    episodes = synthetic_days(world, days=1, seed=0)
    settings = LLMSettings(
        backend="local", local_port=local_server.port, timeout_s=120.0, max_tokens=512, seed=7
    )
    tally: Counter[str] = Counter()
    with LLMClient(settings, system="sys3") as llm:
        assert llm.start(wait_s=5.0)
        for name in PERSONALITIES:
            sys3 = Sys3(
                load(name),
                world,
                tmp_path / name,
                EpisodeList(episodes),
                SimClock(at(0, 23)),
                llm=llm,
            )
            goals = sys3.daily_goals(0)
            tally[f"goals:{sys3.goal_engine.last_fallback or 'llm'}"] += 1
            r = sys3.reflect(0)
            tally[f"reflection:{sys3.reflection_engine.last_fallback or 'llm'}"] += 1
            for g in [*goals, *r.tomorrow_goals]:
                assert goal_problems(g, world) == []
            for fallback in (sys3.goal_engine.last_fallback, sys3.reflection_engine.last_fallback):
                assert fallback is None or fallback in CLEAN_FALLBACKS
        stats = llm.stats
    print(
        f"\nsys3 on the local LLM: {json.dumps(dict(sorted(tally.items())))} "
        f"mean latency {stats.mean_latency_s:.1f} s"
    )
