"""A personality as the console shows it: traits, current reward weights, request policy."""

from __future__ import annotations

from collections.abc import Mapping

from pepa.agent.console.backend import PersonalityView
from pepa.personalities.model import Personality


def personality_view(
    p: Personality,
    *,
    weights: Mapping[str, float] | None = None,
    ultimate_goal: str | None = None,
    active: bool = False,
) -> PersonalityView:
    """``weights`` are the reward weights now (reflection moves them); default: the file's."""
    return PersonalityView(
        name=p.name,
        description=p.description.strip(),
        big_five=p.big_five.model_dump(),
        weights=dict(weights) if weights is not None else p.weights(),
        preferred_skills=list(p.preferred_skills),
        request_policy=p.requests.policy.value,
        battery_reserve=p.battery_reserve,
        ultimate_goal=ultimate_goal,
        active=active,
    )
