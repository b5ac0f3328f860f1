"""How much an episode matters, for retrieval and for forgetting.

The offline scorer combines salient features with a noisy-OR, ``1 - prod(1 - w_i * f_i)``:
any one strong reason (a new person, a failure, a user's request) makes an episode
important, several reasons add up, and the result stays in [0, 1]. Novelty is graded,
``1 / (1 + times seen before)``, over places, people and objects. An LLM scorer plugs in as a
callable; whatever it returns is checked, and the offline score stands in when it fails.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Annotated, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from pepa.messages import Experience, ExperienceSource

log = logging.getLogger(__name__)

FAILURE_OUTCOMES = frozenset(
    {"failure", "failed", "error", "timeout", "blocked", "collision", "aborted", "slow"}
)
USER_KINDS = frozenset({"request", "feedback", "conversation"})

Weight = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class ImportanceWeights(BaseModel):
    """Weight of each feature in the noisy-OR; each in [0, 1]."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: Weight = 0.05
    new_place: Weight = 0.3
    new_person: Weight = 0.5
    new_object: Weight = 0.25
    failure: Weight = 0.5
    success: Weight = 0.15
    social: Weight = 0.3
    user: Weight = 0.6


@runtime_checkable
class ImportanceScorer(Protocol):
    """Scores an episode before it is stored and learns from every stored one."""

    def score(self, exp: Experience) -> float: ...

    def observe(self, exp: Experience) -> None: ...


def _novelty(counts: Counter[str], keys: Iterable[str]) -> float:
    return max((1.0 / (1.0 + counts[k]) for k in keys), default=0.0)


class OfflineImportanceScorer:
    """Feature-based importance; remembers what it has seen to judge novelty."""

    def __init__(self, weights: ImportanceWeights | None = None) -> None:
        self.weights = weights if weights is not None else ImportanceWeights()
        self.places: Counter[str] = Counter()
        self.people: Counter[str] = Counter()
        self.objects: Counter[str] = Counter()

    @staticmethod
    def _place(exp: Experience) -> str:
        return f"{exp.floor}/{exp.room}"

    def features(self, exp: Experience) -> dict[str, float]:
        outcome = (exp.outcome or "").strip().lower()
        return {
            "base": 1.0,
            "new_place": _novelty(self.places, [self._place(exp)]),
            "new_person": _novelty(self.people, exp.people),
            "new_object": _novelty(self.objects, exp.objects),
            "failure": 1.0 if outcome in FAILURE_OUTCOMES else 0.0,
            "success": 1.0 if outcome == "success" else 0.0,
            "social": 1.0 if exp.people else 0.0,
            "user": 1.0 if exp.source == ExperienceSource.USER or exp.kind in USER_KINDS else 0.0,
        }

    def score(self, exp: Experience) -> float:
        w: dict[str, float] = self.weights.model_dump()  # every field is a weight
        keep = math.prod(1.0 - w[name] * value for name, value in self.features(exp).items())
        return min(1.0, max(0.0, 1.0 - keep))

    def observe(self, exp: Experience) -> None:
        self.places[self._place(exp)] += 1
        self.people.update(exp.people)
        self.objects.update(exp.objects)


class LLMImportanceScorer:
    """Asks ``rate`` (e.g. an LLM prompt) for a score in [0, 1]; falls back when it fails.

    ``rate`` may return a number or a numeric string; anything else, an exception, NaN or a
    value outside [0, 1] is logged and replaced by the fallback's score, so a dead or
    confused LLM never blocks recording.
    """

    def __init__(
        self,
        rate: Callable[[Experience], float | str],
        fallback: ImportanceScorer | None = None,
    ) -> None:
        self.rate = rate
        self.fallback = fallback if fallback is not None else OfflineImportanceScorer()
        self.failures = 0

    def score(self, exp: Experience) -> float:
        try:
            value = float(self.rate(exp))
            if not 0.0 <= value <= 1.0:  # also rejects NaN
                raise ValueError(f"importance {value} outside [0, 1]")
            return value
        except Exception as exc:  # the hook is foreign code; any failure means fallback
            self.failures += 1
            log.warning("LLM importance for %s failed (%s); using the offline score", exp.id, exc)
            return self.fallback.score(exp)

    def observe(self, exp: Experience) -> None:
        self.fallback.observe(exp)
