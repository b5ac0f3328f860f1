"""The trait-alignment claims: pass, fail, ties, skipped and inconclusive cases."""

from __future__ import annotations

from study_support import record

from agent.study.aggregate import spreads
from agent.study.claims import Verdict, best_of, trait_claims
from agent.study.divergence import stability

NAMES = ("Curious", "Working", "Playful", "Cautious", "Lazy")


def _aligned() -> list:
    """Five personalities whose figures behave exactly as the claims say, two seeds each."""
    out = []
    for s in range(2):
        out += [
            record("Curious", s, coverage=0.6 + 0.01 * s, distance=3000, revisit=0.3),
            record("Working", s, completed=9, distance=2000),
            record("Playful", s, social=20, expressions=9, distance=1500),
            record("Cautious", s, battery_min=0.7, risky=0, revisit=0.8, distance=900),
            record("Lazy", s, distance=200, rest=0.6),
        ]
    return out


def _claims(records: list) -> dict:
    table = spreads(records)
    return {c.id: c for c in trait_claims(table, {})}


def test_every_claim_passes_when_the_figures_are_aligned() -> None:
    claims = _claims(_aligned())
    assert {c.verdict for c in claims.values()} == {Verdict.PASS}
    cov = claims["curious_highest_coverage"]
    assert cov.figures["means"]["Curious"] > cov.figures["means"]["Lazy"]
    assert cov.figures["spread"]["Curious"]["n"] == 2


def test_a_claim_fails_when_another_personality_beats_it() -> None:
    recs = [r for r in _aligned() if r.spec.personality != "Lazy"]
    recs += [record("Lazy", s, distance=5000, rest=0.6) for s in range(2)]
    claims = _claims(recs)
    assert claims["lazy_least_distance"].verdict == Verdict.FAIL
    assert "Cautious" in claims["lazy_least_distance"].detail
    assert claims["lazy_most_rest"].verdict == Verdict.PASS


def test_fewest_risky_ties_pass_but_all_equal_fails() -> None:
    recs = [r for r in _aligned() if r.spec.personality != "Lazy"]
    recs += [record("Lazy", s, distance=200, rest=0.6, risky=0) for s in range(2)]
    c = _claims(recs)["cautious_fewest_risky"]
    assert c.verdict == Verdict.PASS and c.figures["tied_with"] == ["Lazy"]
    flat = spreads([record(n, 0) for n in NAMES])
    c = best_of("x", "Working completes the most requests", flat, "Working", "requests_completed")
    assert c.verdict == Verdict.FAIL and "does not tell them apart" in c.detail


def test_claims_for_absent_personalities_are_skipped() -> None:
    claims = _claims([record("Curious", 0, coverage=0.9), record("Lazy", 0, distance=10)])
    assert claims["working_most_completed"].verdict == Verdict.SKIPPED
    assert claims["curious_highest_coverage"].verdict == Verdict.PASS
    alone = _claims([record("Curious", 0)])
    assert alone["curious_highest_coverage"].verdict == Verdict.INCONCLUSIVE


def test_high_revisit_is_judged_against_the_median() -> None:
    recs = [r for r in _aligned() if r.spec.personality != "Cautious"]
    recs += [record("Cautious", s, battery_min=0.7, risky=0, revisit=0.1) for s in range(2)]
    c = _claims(recs)["cautious_high_revisit"]
    assert c.verdict == Verdict.FAIL and c.figures["median"] == 0.5


def test_stability_claim_passes_and_fails_on_the_divergences() -> None:
    stable = {
        "A": {0: [{"x": 0.9, "y": 0.1}, {"x": 0.85, "y": 0.15}]},
        "B": {0: [{"x": 0.1, "y": 0.9}, {"x": 0.15, "y": 0.85}]},
    }
    erratic = {
        "A": {0: [{"x": 1.0}, {"y": 1.0}]},
        "B": {0: [{"x": 1.0}, {"y": 1.0}]},
    }
    table = spreads([record("A", 0), record("B", 0)])
    ok = trait_claims(table, {"activity": stability("activity", stable, samples=20)})[-1]
    bad = trait_claims(table, {"activity": stability("activity", erratic, samples=20)})[-1]
    assert ok.id == "stable_activity" and ok.verdict == Verdict.PASS
    assert bad.verdict == Verdict.FAIL
    one_day = {n: {0: d[0][:1]} for n, d in stable.items()}
    none = trait_claims(table, {"place": stability("place", one_day, samples=20)})[-1]
    assert none.verdict == Verdict.INCONCLUSIVE
