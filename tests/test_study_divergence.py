"""Jensen–Shannon divergence on known distributions, and stability with bootstrap intervals."""

from __future__ import annotations

import math

import pytest

from pepa.agent.study.divergence import between_runs, js_divergence, stability, within_run


def test_identical_distributions_do_not_diverge() -> None:
    assert js_divergence({"a": 0.3, "b": 0.7}, {"a": 3, "b": 7}) == pytest.approx(0.0)


def test_disjoint_distributions_diverge_by_one_bit() -> None:
    assert js_divergence({"a": 1.0}, {"b": 1.0}) == pytest.approx(1.0)


def test_divergence_of_a_point_mass_and_a_fair_coin() -> None:
    # m = (0.75, 0.25): KL(p||m) = log2(4/3), KL(q||m) = (log2(2/3) + 1) / 2
    expected = 0.5 * math.log2(4 / 3) + 0.5 * 0.5 * (math.log2(2 / 3) + 1.0)
    got = js_divergence({"a": 1.0, "b": 0.0}, {"a": 0.5, "b": 0.5})
    assert got == pytest.approx(expected)
    assert got == pytest.approx(js_divergence({"a": 0.5, "b": 0.5}, {"a": 1.0}))  # symmetric


def test_an_empty_distribution_is_an_error() -> None:
    with pytest.raises(ValueError, match="no mass"):
        js_divergence({"a": 0.0}, {"a": 1.0})


def test_within_needs_two_days_and_between_pairs_days() -> None:
    assert within_run([{"a": 1.0}]) is None
    assert within_run([{"a": 1.0}, {"b": 1.0}, {"a": 1.0}]) == pytest.approx(2 / 3)
    assert between_runs([{"a": 1.0}, {"a": 1.0}], [{"a": 1.0}, {"b": 1.0}]) == pytest.approx(0.5)


def _stable_pair(seeds: int) -> dict[str, dict[int, list[dict[str, float]]]]:
    """Two personalities that each repeat themselves, with small seed-to-seed noise."""
    out: dict[str, dict[int, list[dict[str, float]]]] = {"A": {}, "B": {}}
    for s in range(seeds):
        e = 0.01 * (s + 1)
        out["A"][s] = [{"x": 0.8 + e, "y": 0.2 - e}, {"x": 0.8 - e, "y": 0.2 + e}]
        out["B"][s] = [{"x": 0.2 + e, "y": 0.8 - e}, {"x": 0.2 - e, "y": 0.8 + e}]
    return out


def test_stable_personalities_diverge_less_within_than_between() -> None:
    st = stability("activity", _stable_pair(4), samples=200)
    w, b = st.within_all, st.between
    assert w.value is not None and b.value is not None
    assert w.value < b.value
    assert w.low is not None and w.high is not None and w.low <= w.value <= w.high
    assert b.low is not None and w.high < b.low  # clearly separated intervals
    assert set(st.within) == {"A", "B"} and set(st.between_pairs) == {"A~B"}


def test_one_seed_has_no_interval_and_one_day_no_within() -> None:
    st = stability("place", _stable_pair(1), samples=50)
    assert st.within_all.value is not None and st.within_all.low is None
    one_day = {n: {s: days[:1] for s, days in runs.items()} for n, runs in _stable_pair(2).items()}
    st = stability("place", one_day, samples=50)
    assert st.within_all.value is None and st.between.value is not None


def test_bootstrap_is_repeatable_for_a_seed() -> None:
    a = stability("activity", _stable_pair(3), seed=7, samples=100)
    b = stability("activity", _stable_pair(3), seed=7, samples=100)
    assert a == b
