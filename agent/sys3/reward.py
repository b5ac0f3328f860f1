"""The intrinsic reward: what the robot's personality wants, as features times weights.

Sys2 describes a state or a candidate plan as :class:`RewardFeatures` (each feature 0..1, "how
much of this good the candidate yields") and asks :meth:`IntrinsicReward.evaluate`. Sys3 owns
the weights: they start from the personality and self-reflection moves them within the
personality's bounds, so the robot adapts without ceasing to be itself.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from pepa.messages import Unit, WeightChange
from pepa.personalities.model import Personality
from pepa.reward_features import FEATURES, Feature

log = logging.getLogger(__name__)


class RewardFeatures(RootModel[dict[Feature, Unit]]):
    """Expected goods of a state or candidate plan: per feature (:class:`Feature`) 0..1, "how
    much of this good the candidate yields"; a feature not given yields nothing."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    def as_dict(self) -> dict[str, float]:
        return {f: self.root.get(f, 0.0) for f in FEATURES}


class RewardBreakdown(BaseModel):
    """The total and each feature's weighted contribution, for explanations."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    total: float
    contributions: dict[str, float] = Field(default_factory=dict)

    def top(self) -> str:
        return max(self.contributions, key=lambda f: self.contributions[f])


class IntrinsicReward:
    """Weights over the features, kept within the personality's bounds."""

    def __init__(self, personality: Personality, weights: dict[str, float] | None = None) -> None:
        self.personality = personality
        self._weights = personality.weights()
        if weights:
            for feature, value in weights.items():
                self.set(feature, value)

    @property
    def weights(self) -> dict[str, float]:
        return dict(self._weights)

    def set(self, feature: str, value: float) -> float:
        """Set a weight, clamped to the personality's bounds; returns the value kept."""
        spec = self.personality.reward.spec(feature)
        kept = spec.clamp(float(value))
        if kept != value:
            log.debug("weight %s=%.3f clamped to %.3f", feature, value, kept)
        self._weights[feature] = kept
        return kept

    def apply(self, changes: list[WeightChange]) -> list[WeightChange]:
        """Apply changes, returning them as actually kept (old and clamped new values)."""
        kept: list[WeightChange] = []
        for ch in changes:
            old = self._weights.get(ch.feature)
            if old is None:
                raise KeyError(f"unknown reward feature {ch.feature!r}")
            new = self.set(ch.feature, ch.new)
            if abs(new - old) > 1e-9:
                kept.append(WeightChange(feature=ch.feature, old=old, new=new, reason=ch.reason))
        return kept

    def evaluate(self, features: RewardFeatures) -> float:
        """The weighted sum; in 0..sum(weights)."""
        return self.breakdown(features).total

    def breakdown(self, features: RewardFeatures) -> RewardBreakdown:
        parts = {f: self._weights[f] * v for f, v in features.as_dict().items()}
        return RewardBreakdown(total=sum(parts.values()), contributions=parts)

    # --- persistence: the current weights survive restarts ---------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        payload = {"personality": self.personality.name, "weights": self._weights}
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, personality: Personality, path: Path) -> IntrinsicReward:
        """The saved weights, or the personality's defaults when nothing was saved yet."""
        if not path.is_file():
            return cls(personality)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if data.get("personality") != personality.name:
            raise ValueError(
                f"{path}: personality: weights belong to {data.get('personality')!r}, "
                f"not {personality.name!r}"
            )
        weights = data.get("weights")
        if not isinstance(weights, dict) or set(weights) != set(FEATURES):
            raise ValueError(f"{path}: weights: expected exactly {', '.join(FEATURES)}")
        return cls(personality, {k: float(v) for k, v in weights.items()})
