"""The static embedder distilled from MiniLM: deterministic, meaningful, and kept apart from
MiniLM's vectors in every store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from memory_streams import KNOWN_PLACES, office_stream

from pepa.clock import DAY_S, SimClock, at
from pepa.memory.embedders import EmbedderKind, embedder
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.static_embedding import PCA_DIMS, StaticEmbedder, distil, load_table
from pepa.memory.store import EmbeddingMismatchError

PARAPHRASES = Path(__file__).parents[1] / "bench" / "caption_paraphrases.yaml"


def _pairs() -> list[tuple[str, str]]:
    return [tuple(p) for p in yaml.safe_load(PARAPHRASES.read_text())["pairs"]]


@pytest.mark.slow
def test_distilling_again_gives_the_same_table() -> None:
    np.testing.assert_array_equal(distil(), load_table())


def test_a_fresh_embedder_gives_the_same_vectors_twice() -> None:
    texts = ["charged at the dock", "met alice in the hall", "charged at the dock"]
    first = StaticEmbedder().embed(texts)
    np.testing.assert_array_equal(first, StaticEmbedder().embed(texts))
    np.testing.assert_array_equal(first[0], first[2])
    assert first.shape == (3, PCA_DIMS)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_ranks_above_unrelated_captions() -> None:
    pairs = _pairs()
    assert len(pairs) >= 50
    static = embedder(EmbedderKind.STATIC)
    queries = static.embed([q for q, _ in pairs])
    targets = static.embed([t for _, t in pairs])
    sims = queries @ targets.T
    ranks = (sims > np.diag(sims)[:, None]).sum(axis=1)  # unrelated captions ranked above
    # Every paraphrase beats most unrelated captions, and most beat all of them.
    assert ranks.max() < len(pairs) // 4, ranks
    assert (ranks == 0).mean() >= 0.75, ranks


def test_empty_text_is_refused_with_its_index() -> None:
    with pytest.raises(ValueError, match="text 1"):
        StaticEmbedder().embed(["fine", " "])


def test_a_store_refuses_the_other_embedder_and_reopens_with_its_own(tmp_path: Path) -> None:
    clock = SimClock(at(2, 0.0))
    mem = EpisodicMemory(clock, tmp_path, embedder=embedder(EmbedderKind.STATIC))
    mem.record_many(office_stream())
    with pytest.raises(EmbeddingMismatchError, match=r"model2vec.*pepa memory reembed"):
        EpisodicMemory(clock, tmp_path, embedder=embedder(EmbedderKind.MINILM))
    reopened = EpisodicMemory(clock, tmp_path, create=False)
    assert reopened.embedder.id == embedder(EmbedderKind.STATIC).id
    assert reopened.count() == mem.count()


def test_reembedding_keeps_every_episode_and_fact(tmp_path: Path) -> None:
    clock = SimClock(at(2, 0.0))
    old = EpisodicMemory(
        clock, tmp_path / "old", known_places=KNOWN_PLACES, embedder=embedder(EmbedderKind.STATIC)
    )
    old.record_many(office_stream())
    old.end_of_day(1)
    old.archive(DAY_S, 1.0)  # day 0's episodes: some archived, some live
    assert (
        0 < old.stats().archived < old.count() and old.stats().facts > 0
    )  # every kind of record is copied
    new = EpisodicMemory(clock, tmp_path / "new", embedder=embedder(EmbedderKind.MINILM))
    assert old.reembed_into(new) == old.count()
    before = {e.id: e for e in old.iter_episodes()}
    after = {e.id: e for e in new.iter_episodes()}
    assert after == before
    assert new.stats().model_dump(
        exclude={"location", "model", "dimension"}
    ) == old.stats().model_dump(exclude={"location", "model", "dimension"})
    assert sorted(f.id for f in new.facts()) == sorted(f.id for f in old.facts())
    printer = new.search({"text": "the printer was jammed", "k": 3})
    assert any("printer" in r.episode.caption for r in printer)
    with pytest.raises(ValueError, match="empty target"):
        old.reembed_into(new)
