"""The facts Sys3 gives the LLM, rendered as the variables of its prompt templates.

Only what the model needs and may name: the personality, the known places, people, objects and
skills (so that an answer can be checked against them), and the day's statistics.
"""

from __future__ import annotations

from typing import Any

from pepa.agent.sys3.day_stats import DayStats, counter_top
from pepa.agent.sys3.reward import IntrinsicReward
from pepa.agent.sys3.self_model import SelfModel
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import Experience, Goal
from pepa.personalities.model import Personality
from pepa.reward_features import FEATURES

MAX_EPISODES_IN_PROMPT = 15


def personality_text(p: Personality) -> str:
    traits = ", ".join(f"{t} {v:.2f}" for t, v in p.big_five.model_dump().items())
    return f"{p.name}: {p.description.strip()} (Big Five: {traits})"


def weights_text(reward: IntrinsicReward) -> str:
    bounds = reward.personality.bounds()
    return ", ".join(
        f"{f} {reward.weights[f]:.2f} (may move within {bounds[f][0]:.2f}-{bounds[f][1]:.2f})"
        for f in FEATURES
    )


def places_text(world: WorldKnowledge) -> str:
    rows = sorted(world.places.values(), key=lambda p: (p.floor, p.name))
    return ", ".join(f"{p.name} ({p.kind}, floor {p.floor})" for p in rows)


def skills_text(self_model: SelfModel) -> str:
    lines = []
    for name in self_model.skills:
        spec = SKILLS[name]
        args = ", ".join(
            f"{a}: {t}{'?' if a in spec.optional else ''}" for a, t in spec.args.items()
        )
        lines.append(f"- {name}({args}): {spec.summary}")
    return "\n".join(lines)


def stats_text(s: DayStats) -> str:
    if not s.episodes:
        return f"Day {s.day}: no episodes recorded."
    share = ", ".join(f"{c} {v:.0%}" for c, v in sorted(s.time_share().items()))
    busiest = "; ".join(f"{r} at {h}:00 ({n})" for r, h, n in s.busiest()[:3]) or "nobody seen"
    failures = ", ".join(f"{k} x{v}" for k, v in sorted(s.skill_failures.items())) or "none"
    requests = ", ".join(f"{k} {v}" for k, v in sorted(s.requests.items())) or "none"
    battery = "unknown" if s.battery_min is None else f"{s.battery_min:.0%}"
    return "\n".join(
        [
            f"Day {s.day}: {s.episodes} episodes, {s.active_hours:.1f} active hours.",
            f"Places visited: {', '.join(counter_top(s.place_visits, 8))}; "
            f"new: {', '.join(s.new_places) or 'none'}; floors {s.floors}.",
            f"Where people were seen most: {busiest}.",
            f"Time share: {share or 'unknown'}.",
            f"Social interactions {s.social_interactions}; greetings followed by a request "
            f"{s.greetings_then_requests}; expressions {s.expressions} "
            f"({s.expressions_with_people} with people).",
            f"Requests: {requests}. Skill failures: {failures}.",
            f"Battery minimum {battery}; below reserve {s.battery_lows} times; charged "
            f"{s.charges} times; safety overrides {s.safety_events}.",
        ]
    )


def episodes_text(episodes: list[Experience]) -> str:
    """The most important episodes, in time order, each with its id for provenance."""
    top = sorted(episodes, key=lambda e: (-e.importance, e.time))[:MAX_EPISODES_IN_PROMPT]
    return "\n".join(
        f"- [{e.id}] {e.room}: {e.caption}" for e in sorted(top, key=lambda e: e.time)
    )


def ultimate_goal_variables(p: Personality) -> dict[str, Any]:
    return {"personality": personality_text(p), "name": p.name}


def goal_variables(
    p: Personality,
    world: WorldKnowledge,
    reward: IntrinsicReward,
    self_model: SelfModel,
    stats: DayStats,
    ultimate_goal: Goal,
    day: int,
) -> dict[str, Any]:
    return {
        "personality": personality_text(p),
        "ultimate_goal": ultimate_goal.text,
        "weights": weights_text(reward),
        "self_model": self_model.describe(),
        "places": places_text(world),
        "people": ", ".join(world.people) or "none known",
        "objects": ", ".join(world.objects) or "none known",
        "floors": ", ".join(str(f) for f in world.floors),
        "skills": skills_text(self_model),
        "yesterday": stats_text(stats),
        "day": day,
    }


def reflection_variables(
    p: Personality,
    world: WorldKnowledge,
    reward: IntrinsicReward,
    self_model: SelfModel,
    stats: DayStats,
    episodes: list[Experience],
    feedback: list[str],
    ultimate_goal: Goal,
    day: int,
) -> dict[str, Any]:
    out = goal_variables(p, world, reward, self_model, stats, ultimate_goal, day + 1)
    out.update(
        {
            "today": stats_text(stats),
            "episodes": episodes_text(episodes) or "(none)",
            "feedback": "\n".join(f"- {f}" for f in feedback) or "(none)",
            "day": day,
            "tomorrow": day + 1,
        }
    )
    del out["yesterday"]
    return out
