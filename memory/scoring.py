"""Retrieval score: recency + importance + relevance, each in [0, 1], weighted.

* recency    ``0.5 ** (age_h / half_life_h)`` — exponential decay in hours (1 now, 0.5 one
  half-life ago); episodes stamped after "now" count as fresh (1).
* importance the episode's own importance, already in [0, 1].
* relevance  the cosine similarity of caption and query, clipped at 0 (unrelated texts have
  cosines near or below 0 with this model; negative similarity is not "more relevant").

The total is the weighted mean of the components in play, so it stays in [0, 1] and weights
mean the same with or without a text query (without one, relevance is left out).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pepa.clock import HOUR_S


class ScoreWeights(BaseModel):
    """How much each component counts; a configuration, so it can differ per personality."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    recency: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)
    importance: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)
    relevance: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)
    half_life_h: float = Field(default=24.0, gt=0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _some_weight(self) -> ScoreWeights:
        if self.recency + self.importance == 0.0:
            raise ValueError("score weights: recency and importance cannot both be 0")
        return self


def recency(episode_time: float, now: float, half_life_h: float) -> float:
    age_h = max(0.0, now - episode_time) / HOUR_S
    return math.pow(0.5, age_h / half_life_h)


def relevance(cosine_distance: float) -> float:
    """ChromaDB's cosine distance is ``1 - cos``; relevance is ``max(0, cos)``."""
    return min(1.0, max(0.0, 1.0 - cosine_distance))


def total(
    weights: ScoreWeights, recency_value: float, importance: float, relevance_value: float | None
) -> float:
    num = weights.recency * recency_value + weights.importance * importance
    den = weights.recency + weights.importance
    if relevance_value is not None:
        num += weights.relevance * relevance_value
        den += weights.relevance
    return num / den
