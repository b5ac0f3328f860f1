"""The staleness rule: a decision built on context older than a bound is re-checked against the
newest context before Sys1 acts on it.

If the newest percept says the same thing (same digest of state, markers and intentions), the
decision stands. Otherwise it is generated again from the newest context (``recheck``) or
thrown away (``drop``), so Sys1 never acts on a situation that is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StaleAction(StrEnum):
    RECHECK = "recheck"
    DROP = "drop"


class Verdict(StrEnum):
    FRESH = "fresh"  # young enough: act on it
    STILL_VALID = "still_valid"  # old, but the newest context agrees
    REGENERATE = "regenerate"  # old and the world moved on: decide again on the newest
    DROP = "drop"  # old and the world moved on: do not act on it


@dataclass(frozen=True)
class StalenessRule:
    bound_s: float = 0.25
    action: StaleAction = StaleAction.RECHECK

    def __post_init__(self) -> None:
        if not self.bound_s > 0:
            raise ValueError(f"staleness bound must be > 0 s, got {self.bound_s}")

    def judge(self, age_s: float, used_key: str, newest_key: str) -> Verdict:
        if age_s <= self.bound_s:
            return Verdict.FRESH
        if used_key == newest_key:
            return Verdict.STILL_VALID
        return Verdict.REGENERATE if self.action == StaleAction.RECHECK else Verdict.DROP
