"""Retrieval score: hand-computed cases and the ranking they imply."""

from __future__ import annotations

import pytest
from memory_streams import episode
from pydantic import ValidationError

from pepa.clock import HOUR_S, SimClock, at
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery
from pepa.memory.scoring import ScoreWeights, recency, relevance, total


def test_recency_halves_every_half_life() -> None:
    now = 100 * HOUR_S
    assert recency(now, now, 24.0) == pytest.approx(1.0)
    assert recency(now - 24 * HOUR_S, now, 24.0) == pytest.approx(0.5)
    assert recency(now - 72 * HOUR_S, now, 24.0) == pytest.approx(0.125)
    assert recency(now - 6 * HOUR_S, now, 6.0) == pytest.approx(0.5)
    assert recency(now + HOUR_S, now, 24.0) == pytest.approx(1.0)


def test_relevance_is_cosine_clipped_to_unit_range() -> None:
    assert relevance(0.0) == pytest.approx(1.0)
    assert relevance(0.25) == pytest.approx(0.75)
    assert relevance(1.0) == pytest.approx(0.0)
    assert relevance(1.4) == pytest.approx(0.0)


def test_total_is_the_weighted_mean_of_the_components_in_play() -> None:
    w = ScoreWeights(recency=1.0, importance=2.0, relevance=1.0)
    # (1*0.5 + 2*0.8 + 1*0.75) / 4
    assert total(w, 0.5, 0.8, 0.75) == pytest.approx(2.85 / 4)
    # Without a text query relevance is left out: (1*0.5 + 2*0.8) / 3
    assert total(w, 0.5, 0.8, None) == pytest.approx(2.1 / 3)


def test_weights_must_leave_something_to_rank_by() -> None:
    with pytest.raises(ValidationError, match="cannot both be 0"):
        ScoreWeights(recency=0.0, importance=0.0)
    with pytest.raises(ValidationError, match="half_life_h"):
        ScoreWeights(half_life_h=0.0)


def test_memory_ranks_by_the_configured_weights(tmp_path) -> None:
    clock = SimClock(at(2, 0.0))
    old_important = episode(0, 0.0, 0, "lobby", "met the director", importance=0.9, id="ep-a")
    new_trivial = episode(1, 23.0, 0, "lobby", "the lobby was quiet", importance=0.1, id="ep-b")
    mem = EpisodicMemory(clock, tmp_path, weights=ScoreWeights(recency=1.0, importance=0.0))
    mem.record_many([old_important, new_trivial])
    ranked = mem.search(MemoryQuery(floor=0))
    assert [r.episode.id for r in ranked] == ["ep-b", "ep-a"]
    # ep-a is 48 h old: recency 0.25; ep-b is 1 h old: 0.5 ** (1/24).
    assert ranked[1].score == pytest.approx(0.25)
    assert ranked[0].score == pytest.approx(0.5 ** (1 / 24))

    by_importance = EpisodicMemory(
        clock, tmp_path, weights=ScoreWeights(recency=0.0, importance=1.0)
    )
    ranked = by_importance.search(MemoryQuery(floor=0))
    assert [r.episode.id for r in ranked] == ["ep-a", "ep-b"]
    assert [r.score for r in ranked] == pytest.approx([0.9, 0.1])


def test_text_query_scores_combine_all_three_components(tmp_path) -> None:
    clock = SimClock(at(1, 0.0))
    mem = EpisodicMemory(clock, tmp_path)
    mem.record(episode(0, 0.0, 2, "copy room", "the printer jammed", importance=0.6))
    (hit,) = mem.search(MemoryQuery(text="the printer jammed", k=1))
    assert hit.relevance == pytest.approx(1.0, abs=1e-4)
    assert hit.recency == pytest.approx(0.5)
    assert hit.score == pytest.approx((0.5 + 0.6 + 1.0) / 3, abs=1e-4)
