"""The trait-alignment claims, each checked against the study's figures.

A claim names a personality and a figure: it passes when that personality's mean across seeds
is the best of all personalities in the study (ties with others count as the best, but not
when every personality has the same value: then the figure shows nothing). A claim whose
personality is not in the study is ``skipped``; one whose figure is missing (e.g. stability
with a single day) is ``inconclusive``. Every claim keeps the figures behind its verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.study.aggregate import Spread
from agent.study.divergence import Stability

HIGH_REVISIT_QUANTILE = 0.5
"""'A high revisit ratio': at least the median of all personalities."""


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    statement: str
    verdict: Verdict
    figures: dict[str, Any]
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.PASS


def _find(names: Mapping[str, Any], who: str) -> str | None:
    for n in names:
        if n.lower() == who.lower():
            return n
    return None


def best_of(
    claim_id: str,
    statement: str,
    table: Mapping[str, Mapping[str, Spread]],
    who: str,
    figure: str,
    *,
    highest: bool = True,
) -> Claim:
    """``who`` has the highest (or lowest) mean of ``figure`` among all personalities."""
    name = _find(table, who)
    values = {n: round(figs[figure].mean, 6) for n, figs in table.items() if figure in figs}
    figures: dict[str, Any] = {
        "figure": figure,
        "direction": "highest" if highest else "lowest",
        "means": values,
        "spread": {n: table[n][figure].model_dump() for n in values},
    }
    if name is None:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.SKIPPED,
            figures=figures,
            detail=f"{who} is not in this study",
        )
    if len(values) < 2:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.INCONCLUSIVE,
            figures=figures,
            detail="needs at least two personalities to compare",
        )
    mine = values[name]
    others = {n: v for n, v in values.items() if n != name}
    best = max(others.values()) if highest else min(others.values())
    ok = mine >= best if highest else mine <= best
    tied = sorted(n for n, v in others.items() if v == mine)
    if len(set(values.values())) == 1:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.FAIL,
            figures=figures,
            detail=f"every personality has {figure} = {mine:g}: it does not tell them apart",
        )
    runner_up = (
        max(others, key=others.__getitem__) if highest else min(others, key=others.__getitem__)
    )
    detail = f"{name} {mine:g} vs best other {runner_up} {others[runner_up]:g}"
    if tied:
        detail += f" (tied with {', '.join(tied)})"
        figures["tied_with"] = tied
    return Claim(
        id=claim_id,
        statement=statement,
        verdict=Verdict.PASS if ok else Verdict.FAIL,
        figures=figures,
        detail=detail,
    )


def at_least_median(
    claim_id: str,
    statement: str,
    table: Mapping[str, Mapping[str, Spread]],
    who: str,
    figure: str,
) -> Claim:
    """``who``'s mean of ``figure`` is at least the median of all personalities' means."""
    import numpy as np

    name = _find(table, who)
    values = {n: round(figs[figure].mean, 6) for n, figs in table.items()}
    median = float(np.quantile(list(values.values()), HIGH_REVISIT_QUANTILE)) if values else 0.0
    figures = {"figure": figure, "means": values, "median": round(median, 6)}
    if name is None:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.SKIPPED,
            figures=figures,
            detail=f"{who} is not in this study",
        )
    if len(values) < 2:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.INCONCLUSIVE,
            figures=figures,
            detail="needs at least two personalities to compare",
        )
    ok = values[name] >= median
    return Claim(
        id=claim_id,
        statement=statement,
        verdict=Verdict.PASS if ok else Verdict.FAIL,
        figures=figures,
        detail=f"{name} {values[name]:g} vs median {median:g}",
    )


def stability_claim(claim_id: str, stab: Stability) -> Claim:
    """Mean within-personality divergence below the mean between-personality divergence."""
    figures = {
        "kind": stab.kind,
        "within": stab.within_all.model_dump(),
        "between": stab.between.model_dump(),
        "within_by_personality": {n: e.model_dump() for n, e in stab.within.items()},
    }
    statement = (
        f"Within-personality day-to-day divergence ({stab.kind}) is below "
        "between-personality divergence"
    )
    w, b = stab.within_all.value, stab.between.value
    if w is None or b is None:
        return Claim(
            id=claim_id,
            statement=statement,
            verdict=Verdict.INCONCLUSIVE,
            figures=figures,
            detail="needs at least two days (within) and two personalities (between)",
        )
    separated = (
        stab.within_all.high is not None
        and stab.between.low is not None
        and stab.within_all.high < stab.between.low
    )
    figures["intervals_separated"] = separated
    return Claim(
        id=claim_id,
        statement=statement,
        verdict=Verdict.PASS if w < b else Verdict.FAIL,
        figures=figures,
        detail=f"within {stab.within_all.text()} vs between {stab.between.text()}"
        + (" (95% intervals do not overlap)" if separated else ""),
    )


def trait_claims(
    table: Mapping[str, Mapping[str, Spread]], stability: Mapping[str, Stability]
) -> list[Claim]:
    """Every claim of the study, in report order."""
    claims = [
        best_of(
            "curious_highest_coverage", "Curious has the highest coverage", table,
            "Curious", "coverage",
        ),
        best_of(
            "working_most_completed", "Working completes the most requests", table,
            "Working", "requests_completed",
        ),
        best_of(
            "playful_most_social", "Playful has the most social interactions", table,
            "Playful", "social_interactions",
        ),
        best_of(
            "playful_most_expressions", "Playful has the most expressions", table,
            "Playful", "expressions",
        ),
        best_of(
            "cautious_highest_battery_min", "Cautious keeps the highest battery minimum", table,
            "Cautious", "battery_min",
        ),
        best_of(
            "cautious_fewest_risky", "Cautious has the fewest risky events", table,
            "Cautious", "risky_events", highest=False,
        ),
        at_least_median(
            "cautious_high_revisit", "Cautious has a high revisit ratio (>= the median)", table,
            "Cautious", "revisit_ratio",
        ),
        best_of(
            "lazy_least_distance", "Lazy travels the least", table,
            "Lazy", "distance_m", highest=False,
        ),
        best_of(
            "lazy_most_rest", "Lazy rests the most", table, "Lazy", "time_rest",
        ),
    ]  # fmt: skip
    for kind in sorted(stability):
        claims.append(stability_claim(f"stable_{kind}", stability[kind]))
    return claims
