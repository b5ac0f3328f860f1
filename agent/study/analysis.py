"""From run records to findings: spreads per personality, stability, claims, ablations, QA."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.aggregate import Spread, group, spreads
from pepa.agent.study.claims import Claim, Samples, all_claims
from pepa.agent.study.divergence import Distribution, RunKey, Stability, stability
from pepa.agent.study.measures import MEASURES, values
from pepa.agent.study.memory_qa import accuracy
from pepa.agent.study.record import RunRecord, RunSet, full_runs

STABILITY_KINDS: tuple[str, ...] = ("activity", "place")


class QAFigures(BaseModel):
    """Question kind -> (correct, asked), overall and per personality."""

    model_config = ConfigDict(extra="forbid")
    overall: dict[str, tuple[int, int]]
    by_personality: dict[str, dict[str, tuple[int, int]]]


class Findings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    personalities: list[str]
    seeds: list[int]
    days: int
    table: dict[str, dict[str, Spread]]
    measures: dict[str, dict[str, dict[str, Spread]]] = Field(
        default_factory=dict,
        description="run set -> measure -> personality -> spread over its units",
    )
    stability: dict[str, Stability]
    claims: list[Claim]
    ablations: dict[str, dict[str, dict[str, Spread]]] = Field(
        default_factory=dict, description="variant -> personality -> figure -> spread"
    )
    qa: QAFigures


def day_distributions(
    records: Sequence[RunRecord], kind: str
) -> dict[str, dict[RunKey, list[Distribution]]]:
    """Personality -> (world, seed) -> the run's day distributions of ``kind`` (activity or
    place)."""
    if kind not in STABILITY_KINDS:
        raise ValueError(f"unknown distribution kind {kind!r}; known: {STABILITY_KINDS}")
    out: dict[str, dict[RunKey, list[Distribution]]] = {}
    for r in records:
        days: list[Distribution] = [d.activity if kind == "activity" else d.places for d in r.days]
        out.setdefault(r.spec.personality, {})[(r.spec.world, r.spec.seed)] = days
    return out


def samples(records: Sequence[RunRecord]) -> Mapping[str, Samples]:
    """Measure -> personality -> unit (world, seed, day) -> value: what the claims resample."""
    out: dict[str, dict[str, dict[Hashable, float]]] = {m: {} for m in MEASURES}
    for r in records:
        for m in MEASURES:
            per = out[m].setdefault(r.spec.personality, {})
            for day, v in values(r.measures, m).items():
                per[(r.spec.world, r.spec.seed, day)] = v
    return out


def _spreads(units: Mapping[str, Samples]) -> dict[str, dict[str, Spread]]:
    return {
        m: {n: Spread.of(list(per.values())) for n, per in units[m].items() if per}
        for m in MEASURES
    }


def _merge(counts: list[dict[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for c in counts:
        for k, (ok, n) in c.items():
            a, b = out.get(k, (0, 0))
            out[k] = (a + ok, b + n)
    return dict(sorted(out.items()))


def analyse(records: Sequence[RunRecord], *, seed: int = 0) -> Findings:
    """Findings of a study; records of ablated runs go to the side-by-side comparison."""
    full = full_runs(records)
    if not full:
        raise ValueError("the study has no run of the full agent (every run is an ablation)")
    table = spreads(full)
    stab = {
        kind: stability(kind, day_distributions(full, kind), seed=seed) for kind in STABILITY_KINDS
    }
    variants: dict[str, dict[str, dict[str, Spread]]] = {}
    for ab in Ablation:
        runs = [r for r in records if r.spec.ablation == ab and r.spec.runs == RunSet.MAIN]
        if runs and ab != Ablation.NONE:
            variants[ab.value] = spreads(runs)
    if variants:
        variants = {Ablation.NONE.value: table, **variants}
    by_name = group(full)
    units = {RunSet.MAIN: samples(full)}
    busy = full_runs(records, RunSet.BUSY)
    if busy:
        units[RunSet.BUSY] = samples(busy)
    qa = QAFigures(
        overall=_merge([accuracy(r.qa) for r in full]),
        by_personality={n: _merge([accuracy(r.qa) for r in runs]) for n, runs in by_name.items()},
    )
    return Findings(
        personalities=list(by_name),
        seeds=sorted({r.spec.seed for r in full}),
        days=min(len(r.days) for r in full),
        table=table,
        measures={k.value: _spreads(u) for k, u in units.items()},
        stability=stab,
        claims=all_claims(units, stab, seed=seed),
        ablations=variants,
        qa=qa,
    )
