"""The offline embedding is the real MiniLM model: meaningful, normalised, batch-invariant."""

from __future__ import annotations

import numpy as np
import pytest

from pepa.memory.embedding import DIMENSION, embed_texts


def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    v = embed_texts(
        [
            "The printer on the second floor is jammed.",
            "A paper jam blocks the printer upstairs.",
            "Alice had a coffee in the kitchen at noon.",
            "The robot's battery is almost empty.",
        ]
    )
    sims = v @ v.T
    assert sims[0, 1] > 0.5
    assert sims[0, 1] > sims[0, 2] + 0.3
    assert sims[0, 1] > sims[0, 3] + 0.3
    assert sims[2, 2] == pytest.approx(1.0, abs=1e-5)


def test_vectors_are_unit_length_with_the_model_dimension() -> None:
    v = embed_texts(["short", "a much longer sentence about the lobby on floor zero"])
    assert v.shape == (2, DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_a_vector() -> None:
    texts = [f"episode {i}: " + "went to the lab " * (i % 5 + 1) for i in range(20)]
    together = embed_texts(texts, batch_size=7, use_cache=False)
    alone = np.vstack([embed_texts([t], use_cache=False) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-4)


def test_repeated_texts_get_the_same_vector_as_a_fresh_run() -> None:
    texts = ["charged at the dock", "patrolled the lobby", "charged at the dock"]
    first = embed_texts(texts)
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_allclose(embed_texts(texts), first, atol=1e-6)
    np.testing.assert_allclose(embed_texts(texts, use_cache=False), first, atol=2e-4)


def test_empty_text_is_refused_with_its_index() -> None:
    with pytest.raises(ValueError, match="text 1"):
        embed_texts(["fine", "   "])
