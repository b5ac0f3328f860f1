"""The warm-up: a fresh data directory gets its first day lived in-process, laid out where the
live nodes read it; a directory already lived in is continued, never warmed up again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pepa.agent.runtime.warm_up import WarmUp, is_fresh, live_start_day, warm_up
from pepa.agent.sys3.reflection_log import ReflectionLog
from pepa.agent.sys3.system import self_dir
from pepa.personalities.loader import PersonalityError

SHORT_DAY = {"day_start_h": 23.0, "progress": False}
"""Day 0 from 23:00 to midnight: a real day of the whole agent, an hour long."""


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    data = tmp_path_factory.mktemp("warm") / "data"
    (data / "personalities").mkdir(parents=True)  # users' own files do not make it lived-in
    assert is_fresh(data)
    return data, warm_up(data, WarmUp(days=1, personality="working", seed=3, **SHORT_DAY))


def test_a_fresh_directory_has_day_0_reflected_where_the_live_agent_reads_it(
    warmed: tuple[Path, int],
) -> None:
    data, start = warmed
    assert start == 1, "the live run starts with day 1"
    me = self_dir(data, "Working")
    reflection = ReflectionLog(me).read(0)
    assert reflection is not None and reflection.personality == "Working"
    assert reflection.tomorrow_goals, "day 1's goals come from day 0's reflection"
    assert (me / "sys3" / "weights.json").is_file()
    assert (me / "sys3" / "ultimate_goal.json").is_file()
    assert not (data / "sys3").exists() and not (data / "reflections").exists()
    for shared in ("memory/store.json", "sys1/state.json", "runtime/trace/day-0000.json"):
        assert (data / shared).is_file(), shared
    assert not is_fresh(data)


def test_a_directory_lived_in_is_continued_not_warmed_up_again(
    warmed: tuple[Path, int],
) -> None:
    data, _ = warmed
    trace = data / "runtime" / "trace" / "day-0000.json"
    before = trace.stat().st_mtime_ns
    assert warm_up(data, WarmUp(days=1, personality="working", **SHORT_DAY)) == 1
    assert trace.stat().st_mtime_ns == before
    assert live_start_day(data, "Working") == 1
    assert live_start_day(data, "Curious") == 0, "another personality has no day of its own yet"


def test_no_warm_up_asked_leaves_a_fresh_directory_alone(tmp_path: Path) -> None:
    assert warm_up(tmp_path, WarmUp(days=0, personality="curious", **SHORT_DAY)) == 0
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_personality_is_refused_by_name_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(PersonalityError, match="nobody"):
        warm_up(tmp_path, WarmUp(days=1, personality="nobody", **SHORT_DAY))
    assert list(tmp_path.iterdir()) == []
