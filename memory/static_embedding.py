"""A static sentence embedder distilled from the installed MiniLM (the model2vec method).

Embedding each episode's caption with the int8 MiniLM costs 7-9 ms of CPU, about half of what
a simulated day costs. A static embedder looks each token's vector up in a table instead: a
caption costs its tokenisation and one mean, tens of microseconds. The table is distilled
here, on this machine, from the teacher the installed packages already carry, so nothing is
downloaded and no weights live in the repository:

1. every vocabulary token, as ``[CLS] token [SEP]``, runs through the teacher; its vector is
   the mean of the ``[CLS]`` and token output states (``bench/embedding_quality.py`` ranked
   this above the mean of all three states and above the token's state alone);
2. PCA (centred, eigenvectors of the covariance with a fixed sign) keeps ``PCA_DIMS``
   dimensions, which also makes the store's vectors and its index smaller;
3. each token is weighted by SIF, ``a / (a + p)``, with ``p`` its Zipf probability from its
   rank in the vocabulary (WordPiece vocabularies are stored roughly by frequency), so
   frequent words ("the", "on") count for little in a caption's mean.

The build takes tens of seconds and is deterministic. It runs once and is cached as
``static-<key>.npy`` in the cache directory (``PEPA_CACHE_DIR``, else ``XDG_CACHE_HOME/pepa``,
else ``~/.cache/pepa``); the key hashes the teacher's and tokenizer's sha256 and the method's
parameters, so a different teacher or method never reuses a stale table. Concurrent processes
(the study's workers) wait on a file lock for the one that builds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

from pepa.memory import embedding

log = logging.getLogger(__name__)

PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
METHOD_VERSION = 2
MODEL_ID = f"model2vec-{embedding.MODEL_ID}-pca{PCA_DIMS}-sif-v{METHOD_VERSION}"
CACHE_ENV = "PEPA_CACHE_DIR"
_BUILD_BATCH = 512


def cache_dir() -> Path:
    """Where distilled tables are kept (created on demand)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pepa"


def table_key() -> str:
    """Hash of everything the table depends on: the teacher's files and the method."""
    model_path, tokenizer_path = embedding.model_files()
    recipe = {
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "tokenizer_sha256": hashlib.sha256(tokenizer_path.read_bytes()).hexdigest(),
        "pca_dims": PCA_DIMS,
        "sif": SIF_COEFFICIENT,
        "version": METHOD_VERSION,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def distil(progress: bool = False) -> NDArray[np.float32]:
    """The weighted, PCA-reduced token table (vocabulary x ``PCA_DIMS``), float32."""
    from tqdm import tqdm

    engine = embedding.teacher()
    vocab_size = engine.tokenizer.get_vocab_size()
    cls_id = engine.tokenizer.token_to_id("[CLS]")
    sep_id = engine.tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise embedding.EmbeddingModelError("the teacher's tokenizer has no [CLS]/[SEP] token")
    rows = np.empty((vocab_size, embedding.DIMENSION), dtype=np.float32)
    starts = range(0, vocab_size, _BUILD_BATCH)
    for start in tqdm(starts, desc="distilling static embedder", disable=not progress):
        ids = np.arange(start, min(start + _BUILD_BATCH, vocab_size), dtype=np.int64)
        seq = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        rows[ids] = engine.hidden(seq, np.ones_like(seq))[:, :2].mean(axis=1)
    centred = rows.astype(np.float64) - rows.mean(axis=0, dtype=np.float64)
    eigvals, eigvecs = np.linalg.eigh(centred.T @ centred)
    basis = eigvecs[:, np.argsort(eigvals)[::-1][:PCA_DIMS]]
    # An eigenvector's sign is arbitrary: fix it so every build gives the same table.
    signs = np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(PCA_DIMS)])
    reduced = centred @ (basis * signs)
    inv_rank = 1.0 / np.arange(2, vocab_size + 2, dtype=np.float64)
    proba = inv_rank / inv_rank.sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + proba)
    table: NDArray[np.float32] = (reduced * weights[:, None]).astype(np.float32)
    return table


def load_table(directory: Path | None = None) -> NDArray[np.float32]:
    """The cached table, distilled first if this machine has none yet."""
    directory = cache_dir() if directory is None else directory
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"static-{table_key()}.npy"
    with (directory / f"{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process distils, the others wait and read
        if not path.is_file():
            log.info("distilling the static embedder into %s (once per machine)", path)
            built = distil(progress=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, built)
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            tmp.replace(path)
    table: NDArray[np.float32] = np.load(path)  # written by distil: float32
    if table.ndim != 2 or table.shape[1] != PCA_DIMS or not np.isfinite(table).all():
        raise embedding.EmbeddingModelError(
            f"{path}: damaged static embedder table {table.shape}; delete it to rebuild"
        )
    return table


class StaticEmbedder:
    """Captions to unit vectors by a weighted mean of distilled token vectors."""

    id = MODEL_ID
    dimension = PCA_DIMS

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._table: NDArray[np.float32] | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> tuple[NDArray[np.float32], Tokenizer]:
        with self._lock:
            if self._table is None or self._tokenizer is None:
                _, tokenizer_path = embedding.model_files()
                tokenizer = Tokenizer.from_file(str(tokenizer_path))
                tokenizer.no_truncation()
                tokenizer.no_padding()
                self._tokenizer = tokenizer
                self._table = load_table(self._directory)
            return self._table, self._tokenizer

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        embedding.check_texts(texts)
        table, tokenizer = self._loaded()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, enc in enumerate(encodings):
            if enc.ids:
                out[row] = table[enc.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: NDArray[np.float32] = out / np.clip(norms, 1e-12, None)  # norm(axis=1) is Any
        return unit
