"""The study's claims, checked with intervals: a claim passes only when every comparison it
makes is decided in its favour.

The trait claims are data (``claims.yaml``): who is claimed to be highest or lowest on which
measure, against whom. A claim *passes* when, for every (subject, other) pair, the 95 %
bootstrap interval of the paired difference lies entirely on the claimed side of zero; it
*fails* when some interval lies entirely on the wrong side; otherwise it is *inconclusive* —
an overlap is never a pass. A claim about a personality that is not in the study is
*skipped*. The stability claims test the gap between between- and within-personality
divergence the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from pepa.agent.study.divergence import Stability
from pepa.agent.study.measures import MEASURES, Unit
from pepa.agent.study.record import RunSet
from pepa.agent.study.statistics import Difference, paired_difference

CLAIMS_FILE = Path(__file__).with_name("claims.yaml")
#: personality -> unit (world, seed, day) -> value
Samples = Mapping[str, Mapping[Hashable, float]]


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class ClaimSpec(BaseModel):
    """One row of the claim table."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    measure: str
    direction: Direction
    subjects: list[str] = Field(min_length=1)
    others: list[str] | None = Field(default=None, description="None: everyone else")
    runs: RunSet = Field(default=RunSet.MAIN, description="busy: on the busy-load runs")

    @field_validator("measure")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in MEASURES:
            raise ValueError(f"unknown measure {v!r}; known: {', '.join(MEASURES)}")
        return v


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    statement: str
    verdict: Verdict
    measure: str = ""
    direction: Direction = Direction.HIGHER
    runs: RunSet = RunSet.MAIN
    resampling: str = ""
    differences: list[Difference] = Field(default_factory=list)
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.PASS


def load_claim_table(path: Path = CLAIMS_FILE) -> list[ClaimSpec]:
    """The claim table; a bad row is an error naming the file and the row."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        specs = TypeAdapter(list[ClaimSpec]).validate_python(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a claim id is used twice")
    return specs


def _resolve(names: Sequence[str], who: str) -> str | None:
    return next((n for n in names if n.lower() == who.lower()), None)


def _resampling(measure: str) -> str:
    if MEASURES[measure].unit == Unit.RUN:
        return "paired bootstrap over world x seed (first day)"
    return "paired bootstrap over world x seed x day"


def evaluate(spec: ClaimSpec, samples: Samples, *, seed: int = 0) -> Claim:
    """The claim's verdict with every pairwise difference behind it."""
    names = sorted(samples)
    base = Claim(
        id=spec.id,
        statement=spec.statement,
        verdict=Verdict.SKIPPED,
        measure=spec.measure,
        direction=spec.direction,
        runs=spec.runs,
        resampling=_resampling(spec.measure),
    )
    found = {s: _resolve(names, s) for s in spec.subjects}
    missing = [s for s, n in found.items() if n is None]
    if missing:
        return base.model_copy(update={"detail": f"{', '.join(missing)} not in this study"})
    subjects = [n for n in found.values() if n is not None]
    wanted = spec.others if spec.others is not None else names
    others = [n for w in wanted if (n := _resolve(names, w)) is not None and n not in subjects]
    if not others:
        return base.model_copy(
            update={"verdict": Verdict.INCONCLUSIVE, "detail": "nobody to compare with"}
        )
    rng = np.random.default_rng(seed)
    sign = 1 if spec.direction == Direction.HIGHER else -1
    diffs = []
    for s in subjects:
        for o in others:
            diffs.append(paired_difference(s, o, samples[s], samples[o], rng))
    sides = [d.side() * sign for d in diffs]
    if all(x > 0 for x in sides):
        verdict = Verdict.PASS
    elif any(x < 0 for x in sides):
        verdict = Verdict.FAIL
    else:
        verdict = Verdict.INCONCLUSIVE
    worst = min(diffs, key=lambda d: sign * d.diff)
    against = [d for d, x in zip(diffs, sides, strict=True) if x < 0]
    open_ = [d for d, x in zip(diffs, sides, strict=True) if x == 0]
    detail = f"closest: {worst.text()}"
    if against:
        detail = "against: " + "; ".join(d.text() for d in against)
    elif open_:
        detail = "interval holds zero: " + "; ".join(d.text() for d in open_)
    return base.model_copy(update={"verdict": verdict, "differences": diffs, "detail": detail})


def stability_claim(claim_id: str, stab: Stability) -> Claim:
    """Between-personality divergence exceeds within-personality day-to-day divergence: the
    bootstrap interval (over seeds) of between − within must lie above zero."""
    statement = (
        f"Within-personality day-to-day divergence ({stab.kind}) is below "
        "between-personality divergence"
    )
    gap = stab.gap
    base = Claim(
        id=claim_id,
        statement=statement,
        verdict=Verdict.INCONCLUSIVE,
        measure=f"js_divergence_{stab.kind}",
        resampling="bootstrap over seeds (within and between on the same draw)",
        detail=f"within {stab.within_all.text()} vs between {stab.between.text()}; "
        f"between − within {gap.text()}",
    )
    if gap.value is None:
        return base.model_copy(
            update={"detail": "needs at least two days (within) and two personalities (between)"}
        )
    if gap.low is not None and gap.low > 0:
        return base.model_copy(update={"verdict": Verdict.PASS})
    if gap.high is not None and gap.high < 0:
        return base.model_copy(update={"verdict": Verdict.FAIL})
    return base


def all_claims(
    samples: Mapping[RunSet, Mapping[str, Samples]],
    stability: Mapping[str, Stability],
    table: Sequence[ClaimSpec] | None = None,
    *,
    seed: int = 0,
) -> list[Claim]:
    """Every claim of the study, in table order, then the stability claims.

    ``samples`` is run set -> measure -> personality -> unit -> value; a claim on a run set
    the study did not run is skipped."""
    specs = load_claim_table() if table is None else table
    claims = []
    for spec in specs:
        if spec.runs not in samples:
            claims.append(
                Claim(
                    id=spec.id,
                    statement=spec.statement,
                    verdict=Verdict.SKIPPED,
                    measure=spec.measure,
                    direction=spec.direction,
                    runs=spec.runs,
                    detail=f"the study has no {spec.runs.value} runs",
                )
            )
            continue
        claims.append(evaluate(spec, samples[spec.runs].get(spec.measure, {}), seed=seed))
    for kind in sorted(stability):
        claims.append(stability_claim(f"stable_{kind}", stability[kind]))
    return claims
