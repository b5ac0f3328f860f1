"""Sys3's LLM path against a real OpenAI-compatible HTTP server: checked answers or fallback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pepa.agent.llm import LLMClient, LLMSettings
from pepa.agent.sys3.memory_port import EpisodeList
from pepa.agent.sys3.synthetic_days import office_world, synthetic_days
from pepa.agent.sys3.system import Sys3
from pepa.clock import SimClock, at
from pepa.personalities.loader import load

WORLD = office_world()
EPISODES = synthetic_days(WORLD, days=1, seed=0)


def client(url: str) -> LLMClient:
    return LLMClient(LLMSettings(backend="openai", base_url=url, model="test", timeout_s=5.0))


def reply(server: Any, payload: object) -> None:
    from test_llm_client import Reply

    server.state.replies.append(Reply(content=json.dumps(payload)))


def goal(skill: str, args: dict[str, Any], room: str = "kitchen") -> dict[str, Any]:
    return {
        "text": f"{skill} when someone is in {room}",
        "condition": {"all_of": [{"predicate": "person_in_room", "room": room}]},
        "action": {"skill": skill, "args": args},
        "priority": 0.7,
        "rationale": "people gather there",
    }


GOOD_GOALS = [
    goal("greet", {"person": "alice"}),
    goal("express", {"emotion": "wag"}),
    goal("navigate", {"place": "library"}, room="lobby"),
]


def make(tmp_path: Path, llm: LLMClient) -> Sys3:
    return Sys3(
        load("Playful"), WORLD, tmp_path, EpisodeList(EPISODES), SimClock(at(0, 7)), llm=llm
    )


def test_valid_llm_goals_reach_sys2(openai_server: Any, tmp_path: Path) -> None:
    reply(openai_server, {"text": "I live to make the people here smile and play with them."})
    reply(openai_server, {"goals": GOOD_GOALS})
    with client(openai_server.base_url) as llm:
        sys3 = make(tmp_path, llm)
        assert sys3.ultimate_goal().source == "llm"
        goals = sys3.daily_goals(0)
    assert [g.action.label() for g in goals] == [
        "greet(person=alice)",
        "express(emotion=wag)",
        "navigate(place=library)",
    ]
    prompt = openai_server.state.requests[1]["messages"][-1]["content"]
    assert "kitchen (kitchen, floor 0)" in prompt and "dock_and_charge" in prompt


def test_llm_goal_naming_an_unknown_place_falls_back_to_offline(
    openai_server: Any, tmp_path: Path
) -> None:
    bad = [*GOOD_GOALS[:2], goal("navigate", {"place": "moon_base"})]
    reply(openai_server, {"text": "I live to make the people here smile and play with them."})
    reply(openai_server, {"goals": bad})
    reply(openai_server, {"goals": bad})  # the repair round repeats the mistake
    with client(openai_server.base_url) as llm:
        sys3 = make(tmp_path, llm)
        goals = sys3.daily_goals(0)
        assert sys3.goal_engine.last_fallback == "check_failed"
        assert llm.stats.fallbacks == {"check_failed": 1}
    assert all("moon_base" not in g.action.label() for g in goals)
    assert 3 <= len(goals) <= 5 and all(g.id.startswith("dg-d0-") for g in goals)
    assert "llm" not in {g.id.split("-")[2] for g in goals}


def reflection_payload(episode_id: str, **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": "A sociable day with lunch in the kitchen.",
        "went_well": ["met alice and bob at lunch"],
        "went_badly": ["a request failed"],
        "insights": [{"text": "Lunch brings people together.", "episode_ids": [episode_id]}],
        "weight_changes": [{"feature": "social", "new": 0.4, "reason": "lunch was fun"}],
        "tomorrow_goals": GOOD_GOALS,
    }
    out.update(over)
    return out


def test_llm_reflection_is_checked_and_stored(openai_server: Any, tmp_path: Path) -> None:
    ep = EPISODES[5].id
    reply(openai_server, {"text": "I live to make the people here smile and play with them."})
    reply(openai_server, {"goals": GOOD_GOALS})
    reply(openai_server, reflection_payload(ep))
    with client(openai_server.base_url) as llm:
        sys3 = make(tmp_path, llm)
        r = sys3.reflect(0)
    assert r.source == "llm" and r.insights[0].episode_ids == [ep]
    assert r.weights_after["social"] == 0.4
    assert [g.day for g in r.tomorrow_goals] == [1, 1, 1]
    assert (tmp_path / "reflections/day-0000.md").is_file()


def test_llm_reflection_with_unknown_episode_or_out_of_bounds_weight_falls_back(
    openai_server: Any, tmp_path: Path
) -> None:
    bad = reflection_payload(
        "ep-invented",
        weight_changes=[{"feature": "social", "new": 0.95, "reason": "more"}],
    )
    reply(openai_server, {"text": "I live to make the people here smile and play with them."})
    reply(openai_server, {"goals": GOOD_GOALS})
    reply(openai_server, bad)
    reply(openai_server, bad)
    with client(openai_server.base_url) as llm:
        sys3 = make(tmp_path, llm)
        r = sys3.reflect(0)
        assert sys3.reflection_engine.last_fallback == "check_failed"
    assert r.source == "offline"
    assert r.weights_after["social"] <= load("Playful").reward.spec("social").max
    repair = openai_server.state.requests[-1]["messages"][-1]["content"]
    assert "unknown episode 'ep-invented'" in repair and "outside its bounds" in repair


def test_dead_server_falls_back_at_once(tmp_path: Path) -> None:
    with client("http://127.0.0.1:9/v1") as llm:
        sys3 = make(tmp_path, llm)
        assert sys3.ultimate_goal().source == "offline"
        assert len(sys3.daily_goals(0)) >= 3
        assert sys3.reflect(0).source == "offline"
