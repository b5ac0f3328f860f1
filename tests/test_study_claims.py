"""The claims with intervals: pass only when every difference is decided in the claim's favour;
overlap is inconclusive, a decided difference the other way is a fail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from study_support import record

from pepa.agent.study.analysis import analyse, samples
from pepa.agent.study.claims import ClaimSpec, Verdict, all_claims, evaluate, load_claim_table
from pepa.agent.study.divergence import stability
from pepa.agent.study.record import RunSet
from pepa.agent.study.statistics import paired_difference

NAMES = ("Curious", "Working", "Playful", "Cautious", "Lazy")
SEEDS = range(3)


def _aligned() -> list:
    """Five personalities whose measures behave as the claims say, three seeds each, and their
    busy-load runs (where Working accepts and completes the most)."""
    out = [
        record(n, s, days=1, runs=RunSet.BUSY, acceptance=0.9 if n == "Working" else 0.5,
               completed=30 if n == "Working" else 10 + s)
        for n in NAMES
        for s in SEEDS
    ]  # fmt: skip
    for s in SEEDS:
        j = 0.02 * s  # seeds differ a little, the order does not
        out += [
            record("Curious", s, growth=0.8 + j, entropy=4.0, top5=0.3, distance=3000),
            record("Working", s, completed=9, acceptance=0.95, entropy=3.5, top5=0.35,
                   distance=2000),
            record("Playful", s, social=20, expressions=9, entropy=3.8, top5=0.32,
                   distance=1500),
            record("Cautious", s, battery_min=0.7 + j, risky=0, entropy=1.5, top5=0.9,
                   distance=900),
            record("Lazy", s, distance=200, rest=0.6, entropy=1.0, top5=0.95),
        ]  # fmt: skip
    return out


def _claims(records: list) -> dict:
    return {c.id: c for c in analyse(records).claims}


def test_every_claim_passes_when_the_measures_are_aligned() -> None:
    claims = _claims(_aligned())
    assert {c.verdict for c in claims.values() if not c.id.startswith("stable")} == {Verdict.PASS}
    cov = claims["curious_fastest_coverage"]
    assert len(cov.differences) == 4 and all(d.low > 0 for d in cov.differences)
    assert cov.resampling.endswith("world x seed (first day)")
    group = claims["conservative_lower_entropy"]
    assert len(group.differences) == 6  # Cautious and Lazy, each against three others
    assert claims["lazy_most_rest"].resampling.endswith("seed x day")
    assert claims["working_most_completed"].runs == RunSet.BUSY


def test_busy_claims_use_only_the_busy_runs() -> None:
    # on the study's own runs Working completes no more than anyone (3 each): the claim is
    # measured on the busy runs, where it does
    recs = _aligned()
    assert _claims(recs)["working_most_completed"].verdict == Verdict.PASS
    main_only = [r for r in recs if r.spec.runs == RunSet.MAIN]
    c = _claims(main_only)["working_most_completed"]
    assert c.verdict == Verdict.SKIPPED and "no busy runs" in c.detail


def test_overlapping_intervals_are_inconclusive_not_a_pass() -> None:
    # Lazy and Cautious rest about as much: their seeds straddle each other
    recs = [r for r in _aligned() if r.spec.personality not in ("Lazy", "Cautious")]
    for s, (lazy, cautious) in enumerate([(0.6, 0.5), (0.5, 0.6), (0.62, 0.58)]):
        recs += [
            record("Lazy", s, distance=200, rest=lazy, entropy=1.0, top5=0.95),
            record("Cautious", s, battery_min=0.7, risky=0, rest=cautious, entropy=1.5,
                   top5=0.9, distance=900),
        ]  # fmt: skip
    c = _claims(recs)["lazy_most_rest"]
    assert c.verdict == Verdict.INCONCLUSIVE
    d = next(d for d in c.differences if d.other == "Cautious")
    assert d.low < 0 < d.high
    assert "Cautious" in c.detail


def test_a_claim_fails_when_another_personality_is_decidedly_better() -> None:
    recs = [r for r in _aligned() if r.spec.personality != "Lazy"]
    recs += [record("Lazy", s, distance=5000, rest=0.6, entropy=1.0, top5=0.95) for s in SEEDS]
    c = _claims(recs)["lazy_least_distance"]
    assert c.verdict == Verdict.FAIL and "against" in c.detail
    assert _claims(recs)["lazy_most_rest"].verdict == Verdict.PASS


def test_equal_values_everywhere_cannot_pass() -> None:
    c = _claims([record(n, s) for n in NAMES for s in SEEDS])["lazy_most_rest"]
    assert c.verdict == Verdict.INCONCLUSIVE
    assert all(d.diff == 0 and d.low == d.high == 0 for d in c.differences)


def test_a_single_unit_has_no_interval_and_is_inconclusive() -> None:
    recs = [record("Curious", 0, growth=0.9), record("Lazy", 0, growth=0.1)]
    assert _claims(recs)["curious_fastest_coverage"].verdict == Verdict.INCONCLUSIVE


def test_claims_about_absent_personalities_are_skipped() -> None:
    claims = _claims([record("Curious", s, growth=0.9) for s in SEEDS]
                     + [record("Lazy", s, growth=0.2) for s in SEEDS])  # fmt: skip
    assert claims["working_most_completed"].verdict == Verdict.SKIPPED
    assert claims["conservative_lower_entropy"].verdict == Verdict.SKIPPED
    assert claims["curious_fastest_coverage"].verdict == Verdict.PASS


def test_paired_difference_interval_and_effect_size() -> None:
    rng = np.random.default_rng(0)
    x = {(s, d): 10.0 + s for s in range(3) for d in range(3)}
    y = {(s, d): 8.0 + s for s in range(3) for d in range(3)}
    d = paired_difference("X", "Y", x, y, rng)
    assert d.diff == pytest.approx(2.0) and d.low == pytest.approx(2.0) and d.side() == 1
    assert d.units == 9 and d.effect_size == pytest.approx(2.0 / np.std(list(x.values()),
                                                                       ddof=1))  # fmt: skip
    with pytest.raises(ValueError, match="no unit"):
        paired_difference("X", "Z", x, {("other", 0): 1.0}, rng)


def test_stability_claim_needs_the_gap_interval_above_zero() -> None:
    stable = {
        "A": {s: [{"x": 0.9, "y": 0.1}, {"x": 0.85, "y": 0.15}] for s in SEEDS},
        "B": {s: [{"x": 0.1, "y": 0.9}, {"x": 0.15, "y": 0.85}] for s in SEEDS},
    }
    erratic = {
        "A": {s: [{"x": 1.0}, {"y": 1.0}] for s in SEEDS},
        "B": {s: [{"x": 1.0}, {"y": 1.0}] for s in SEEDS},
    }
    ok = all_claims({}, {"activity": stability("activity", stable, samples=50)}, table=[])
    bad = all_claims({}, {"activity": stability("activity", erratic, samples=50)}, table=[])

    assert ok[0].id == "stable_activity" and ok[0].verdict == Verdict.PASS
    assert bad[0].verdict == Verdict.FAIL
    one_day = {n: {s: d[s][:1] for s in SEEDS} for n, d in stable.items()}
    none = all_claims({}, {"place": stability("place", one_day, samples=50)}, table=[])
    assert none[0].verdict == Verdict.INCONCLUSIVE


def test_the_claim_table_is_data_and_checked(tmp_path: Path) -> None:
    table = load_claim_table()
    ids = {c.id for c in table}
    for required in ("curious_fastest_coverage", "conservative_lower_entropy",
                     "conservative_higher_top5", "playful_most_social",
                     "playful_most_expressions", "cautious_highest_battery_margin",
                     "cautious_fewest_risky", "lazy_most_rest", "lazy_least_distance",
                     "working_highest_acceptance", "working_most_completed"):  # fmt: skip
        assert required in ids
    bad = tmp_path / "claims.yaml"
    bad.write_text("- {id: x, statement: y, measure: bogus, direction: higher, subjects: [A]}\n")
    with pytest.raises(ValueError, match="unknown measure 'bogus'"):
        load_claim_table(bad)


def test_a_claim_for_a_new_personality_needs_no_code() -> None:
    spec = ClaimSpec(
        id="grumpy_least_social", statement="Grumpy is the least social",
        measure="social_interactions", direction="lower", subjects=["Grumpy"],
    )  # fmt: skip
    recs = [record("Grumpy", s, social=1) for s in SEEDS]
    recs += [record("Lazy", s, social=4) for s in SEEDS]
    c = evaluate(spec, samples(recs)["social_interactions"])
    assert c.verdict == Verdict.PASS
