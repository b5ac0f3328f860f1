"""Which embedder turns captions into vectors, and how a store's recorded one is found again.

Two embedders exist: the int8 MiniLM (``pepa.memory.embedding``) and the static table distilled
from it (``pepa.memory.static_embedding``). A store records the id of the embedder that wrote it,
and vectors of one can never be compared with the other's, so every store is opened with exactly
one. The default was chosen by ``bench/embedding_quality.py`` (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from pepa.memory.embedding import MiniLMEmbedder
from pepa.memory.static_embedding import StaticEmbedder


class Embedder(Protocol):
    """Texts to unit vectors of ``dimension``; ``id`` is what a store records."""

    @property
    def id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class EmbedderKind(StrEnum):
    MINILM = "minilm"
    STATIC = "static"


DEFAULT_EMBEDDER = EmbedderKind.MINILM


_CLASSES: dict[EmbedderKind, type[MiniLMEmbedder] | type[StaticEmbedder]] = {
    EmbedderKind.MINILM: MiniLMEmbedder,
    EmbedderKind.STATIC: StaticEmbedder,
}


def embedder(kind: EmbedderKind = DEFAULT_EMBEDDER) -> Embedder:
    """The process's one embedder of ``kind`` (each loads its model or table once)."""
    return _one(EmbedderKind(kind))


@cache
def _one(kind: EmbedderKind) -> Embedder:
    return _CLASSES[kind]()


def kind_of(embedder_id: str) -> EmbedderKind | None:
    """The kind whose embedder records ``embedder_id``; None for one this build lacks."""
    return next((kind for kind, cls in _CLASSES.items() if cls.id == embedder_id), None)
