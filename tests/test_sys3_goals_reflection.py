"""Sys3's offline engine: goals and reflections for each personality on the same days."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pepa.agent.sys3.comparison import compare
from pepa.agent.sys3.memory_port import EpisodeList
from pepa.agent.sys3.synthetic_days import office_world, synthetic_days
from pepa.agent.sys3.system import Sys3
from pepa.clock import SimClock, at
from pepa.conditions import goal_problems
from pepa.messages import ExperienceSource, Reflection
from pepa.personalities.loader import PROTOTYPES, load, load_all

WORLD = office_world()
EPISODES = synthetic_days(WORLD, days=2, seed=3)


def make(name: str, data_dir: Path, seed: int = 0, episodes: list | None = None) -> Sys3:
    memory = EpisodeList(EPISODES if episodes is None else episodes)
    return Sys3(load(name), WORLD, data_dir, memory, SimClock(at(0, 7)), seed=seed)


@pytest.mark.parametrize("name", PROTOTYPES)
def test_each_personality_makes_3_to_5_valid_goals(name: str, tmp_path: Path) -> None:
    sys3 = make(name, tmp_path)
    for day in (0, 1):
        goals = sys3.daily_goals(day)
        assert 3 <= len(goals) <= 5
        for g in goals:
            assert goal_problems(g, WORLD) == []
            assert g.day == day and 0 < g.priority <= 1


def test_goals_are_deterministic_per_seed(tmp_path: Path) -> None:
    a = make("Curious", tmp_path / "a", seed=7).goal_engine
    b = make("Curious", tmp_path / "b", seed=7).goal_engine
    sys3 = make("Curious", tmp_path / "c", seed=7)
    stats, known = sys3.stats(0), sys3.known_places(0)
    assert a.offline(1, stats, known, sys3.self_model) == b.offline(
        1, stats, known, sys3.self_model
    )


def test_different_personalities_make_different_goals_on_the_same_day(tmp_path: Path) -> None:
    actions = {}
    for name in PROTOTYPES:
        sys3 = make(name, tmp_path / name)
        actions[name] = [g.action.label() for g in sys3.reflect(0).tomorrow_goals]
    assert len({tuple(a) for a in actions.values()}) == len(PROTOTYPES)
    skills = {n: {a.split("(")[0] for a in acts} for n, acts in actions.items()}
    assert {"rest", "dock_and_charge"} & skills["Lazy"]
    assert "dock_and_charge" in skills["Cautious"]
    assert {"greet", "express"} & skills["Playful"]
    assert {"explore", "navigate", "inspect", "patrol"} & skills["Curious"]


@pytest.mark.parametrize("name", PROTOTYPES)
def test_reflection_is_written_reloadable_and_remembered(name: str, tmp_path: Path) -> None:
    sys3 = make(name, tmp_path)
    sys3.daily_goals(0)
    r = sys3.reflect(0)
    assert r.personality == name and r.day == 0 and r.source == "offline"
    assert r.summary.startswith(f"Day 0 as {name}")
    assert r.went_well and r.went_badly and r.insights
    ids = {e.id for e in EPISODES}
    assert all(set(i.episode_ids) <= ids for i in r.insights)
    assert any(i.episode_ids for i in r.insights)
    reloaded = Reflection.model_validate_json((tmp_path / "reflections/day-0000.json").read_text())
    assert reloaded == r
    md = (tmp_path / "reflections/day-0000.md").read_text()
    assert f"# {name} — reflection on day 0" in md and "## Goals for day 1" in md
    assert sys3.daily_goals(1) == r.tomorrow_goals
    remembered = [e for e in sys3.memory.episodes(0) if e.source == ExperienceSource.REFLECTION]
    assert len(remembered) == 1 and remembered[0].kind == "reflection"
    assert sys3.reflect(0) == r  # a second call does not move the weights again
    weights = json.loads((tmp_path / "sys3/weights.json").read_text())["weights"]
    assert weights == r.weights_after


def test_weights_stay_within_bounds_over_many_days(tmp_path: Path) -> None:
    episodes = synthetic_days(WORLD, days=8, seed=1)
    for p in load_all():
        sys3 = make(p.name, tmp_path / p.name, episodes=episodes)
        for day in range(8):
            r = sys3.reflect(day)
            for f, w in r.weights_after.items():
                lo, hi = p.bounds()[f]
                assert lo <= w <= hi, (p.name, day, f, w)


def test_greetings_that_led_to_requests_raise_social(tmp_path: Path) -> None:
    r = make("Lazy", tmp_path).reflect(0)
    social = next(c for c in r.weight_changes if c.feature == "social")
    assert social.new > social.old and "greetings led to requests" in social.reason
    assert any("Greeting people led to" in i.text and i.episode_ids for i in r.insights)


def test_exploring_that_caused_failures_lowers_novelty(tmp_path: Path) -> None:
    sys3 = make("Curious", tmp_path)
    sys3.reflect(0)
    r = sys3.reflect(1)  # day 1 of the stream: elevator out, exploring blocked, battery low
    novelty = next(c for c in r.weight_changes if c.feature == "novelty")
    assert novelty.new < novelty.old and "exploring caused" in novelty.reason
    assert any(i.text.startswith("Exploring cost me") for i in r.insights)


def test_reviewer_feedback_is_taken_into_account(tmp_path: Path) -> None:
    plain = make("Working", tmp_path / "plain").reflect(0)
    sys3 = make("Working", tmp_path / "fb")
    sys3.write_feedback(0, "Please greet people more. Explore less, it drains you.")
    r = sys3.reflect(0)
    assert r.feedback_used == ["Please greet people more. Explore less, it drains you."]
    assert r.weights_after["social"] > plain.weights_after["social"]
    assert r.weights_after["novelty"] < plain.weights_after["novelty"]
    assert (
        "Reviewer feedback taken into account"
        in (tmp_path / "fb/reflections/day-0000.md").read_text()
    )
    with pytest.raises(ValueError, match="feedback: text is empty"):
        sys3.write_feedback(1, "  ")


def test_ultimate_goal_is_made_once_and_kept(tmp_path: Path) -> None:
    goal = make("Curious", tmp_path).ultimate_goal()
    assert "know every corner" in goal.text and goal.source == "offline"
    again = make("Curious", tmp_path).ultimate_goal()
    assert again == goal
    assert make("Lazy", tmp_path / "lazy").ultimate_goal().text != goal.text


def test_five_personalities_side_by_side_on_two_days(tmp_path: Path) -> None:
    runs = compare(load_all(), WORLD, EPISODES, tmp_path, seed=0)
    assert [r.personality for r in runs] == list(PROTOTYPES)
    for run in runs:
        assert [r.day for r in run.reflections] == [0, 1]
        assert sorted(run.goals) == [0, 1, 2]
        assert (tmp_path / run.personality.lower() / "reflections/day-0001.md").is_file()
    final = {r.personality: r.reflections[-1].weights_after for r in runs}
    assert max(final, key=lambda n: final[n]["novelty"]) == "Curious"
    assert max(final, key=lambda n: final[n]["task"]) == "Working"
    assert max(final, key=lambda n: final[n]["energy"]) == "Lazy"
    assert max(final, key=lambda n: final[n]["safety"]) == "Cautious"
    assert max(final, key=lambda n: final[n]["play"]) == "Playful"
    summaries = {r.reflections[1].summary.split(": ", 1)[1] for r in runs}
    assert len(summaries) == len(runs)  # each judges the same day by its own measure
