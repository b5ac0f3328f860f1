"""Ablations: switch one part of the agent off to measure what it contributes.

- ``no_reflection``: Sys3 reflects on the first day only; from then on its goals and reward
  weights stay frozen (day 1's goals every day);
- ``no_memory``: Sys3's retrieval is off (it sees no past episodes when it makes goals and
  reflects); episodes are still recorded, so the run can be inspected afterwards;
- ``shuffled_weights``: the personality's reward weights (with their bounds) are permuted
  among the features, seeded, while everything else of the personality stays.
"""

from __future__ import annotations

import random
from enum import StrEnum

from pepa.agent.sys3.memory_port import EpisodeStore
from pepa.messages import Experience
from pepa.personalities.model import Personality, RewardSpec
from pepa.reward_features import FEATURES


class Ablation(StrEnum):
    NONE = "none"
    NO_REFLECTION = "no_reflection"
    NO_MEMORY = "no_memory"
    SHUFFLED_WEIGHTS = "shuffled_weights"


FROZEN_AFTER_DAY = 0
"""With ``no_reflection`` the last day Sys3 reflects on (day indices start at 0)."""


def goal_day(ablation: Ablation, day: int) -> int:
    """The day whose goals Sys3 gives on ``day`` (frozen ones without reflection)."""
    if ablation == Ablation.NO_REFLECTION:
        return min(day, FROZEN_AFTER_DAY + 1)
    return day


def reflects(ablation: Ablation, day: int) -> bool:
    return ablation != Ablation.NO_REFLECTION or day <= FROZEN_AFTER_DAY


def shuffled_personality(personality: Personality, seed: int) -> Personality:
    """The personality with its reward weights permuted among the features (never the
    identity permutation when the weights differ at all)."""
    rng = random.Random(f"{seed}/shuffled-weights/{personality.name}")
    specs = [personality.reward.spec(f) for f in FEATURES]
    order = list(range(len(FEATURES)))
    for _ in range(32):
        rng.shuffle(order)
        if any(specs[i].weight != specs[j].weight for j, i in enumerate(order)):
            break
    reward = RewardSpec.model_validate(
        {f: specs[order[k]].model_dump() for k, f in enumerate(FEATURES)}
    )
    return personality.model_copy(update={"reward": reward})


class RecallOff:
    """An episode store whose retrieval is switched off: writes go through, reads find
    nothing (the ``no_memory`` ablation)."""

    def __init__(self, store: EpisodeStore) -> None:
        self._store = store

    def episodes(self, day: int) -> list[Experience]:
        return []

    def record(self, experience: Experience) -> None:
        self._store.record(experience)
