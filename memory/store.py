"""Where the memory lives: a directory under the data directory, or a shared ChromaDB server.

Layout of a local store (``DATA/memory/``)::

    store.json   identity: format, layout version, embedding model and dimension
    chroma/      the ChromaDB PersistentClient directory

A store is only ever created in a missing or empty directory. A directory holding anything
else (another program's files, a damaged ``store.json``, a store made with another embedding
model) is refused with an error that says what is wrong, and nothing in it is written. The
same identity is recorded in the collections' metadata, which is all a remote (HTTP) store
has, so a fleet's robots cannot mix vectors from different models either.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings

from pepa.memory.embedders import Embedder, embedder, kind_of

log = logging.getLogger(__name__)

STORE_FORMAT = "pepa-episodic-memory"
LAYOUT_VERSION = 1
MANIFEST = "store.json"
CHROMA_DIR = "chroma"


class StoreError(ValueError):
    """The store directory or server cannot be used as a memory store (nothing was changed)."""


class EmbeddingMismatchError(StoreError):
    """The store was made with another embedding model or dimension."""


def identity(embedder: Embedder) -> dict[str, Any]:
    """What a store records about itself and checks on every open."""
    return {
        "format": STORE_FORMAT,
        "layout": LAYOUT_VERSION,
        "model": embedder.id,
        "dimension": embedder.dimension,
    }


def _check_identity(found: dict[str, Any], where: str, embedder: Embedder) -> None:
    if found.get("format") != STORE_FORMAT:
        raise StoreError(f"{where}: format is {found.get('format')!r}, not {STORE_FORMAT!r}")
    if found.get("layout") != LAYOUT_VERSION:
        raise StoreError(
            f"{where}: layout version {found.get('layout')!r}; this build reads {LAYOUT_VERSION}"
        )
    if found.get("model") != embedder.id or found.get("dimension") != embedder.dimension:
        raise EmbeddingMismatchError(
            f"{where}: made with embedding model {found.get('model')!r} "
            f"(dimension {found.get('dimension')!r}); it is being opened with "
            f"{embedder.id!r} (dimension {embedder.dimension}). Its vectors cannot be "
            "compared with new ones: open it with its own embedder, or re-embed it into a "
            "new store (pepa memory reembed)"
        )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: damaged store manifest ({exc}); not overwritten") from exc
    if not isinstance(data, dict):
        raise StoreError(f"{path}: damaged store manifest (not a JSON object); not overwritten")
    return data


def recorded_embedder(root: Path) -> Embedder | None:
    """The embedder a local store at ``root`` says wrote it; None when there is no store
    yet, or when it names one this build lacks (opening it then says what is wrong)."""
    manifest = Path(root) / MANIFEST
    if not manifest.is_file():
        return None
    kind = kind_of(str(_read_manifest(manifest).get("model")))
    return None if kind is None else embedder(kind)


def _write_manifest(path: Path, embedder: Embedder) -> None:
    """Write atomically (temp file, fsync, rename) so a crash never leaves half a manifest."""
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(identity(embedder), fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _settings() -> Settings:
    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_local(root: Path, embedder: Embedder, create: bool = True) -> ClientAPI:
    """A PersistentClient on ``root`` (``DATA/memory``), creating the store only if empty."""
    root = Path(root)
    if not create and not (root / MANIFEST).is_file():
        raise StoreError(f"{root}: no memory store here")
    if root.exists() and not root.is_dir():
        raise StoreError(f"{root}: memory store path is a file, not a directory")
    manifest = root / MANIFEST
    chroma_dir = root / CHROMA_DIR
    if root.is_dir() and any(root.iterdir()):
        if not manifest.is_file():
            raise StoreError(
                f"{root}: not a memory store (no {MANIFEST}) and not empty; refusing to "
                "write into a foreign directory"
            )
        _check_identity(_read_manifest(manifest), str(manifest), embedder)
        if not (chroma_dir / "chroma.sqlite3").is_file():
            raise StoreError(f"{chroma_dir}: the store's database is missing; not recreated")
    else:
        root.mkdir(parents=True, exist_ok=True)
        chroma_dir.mkdir()
        _write_manifest(manifest, embedder)
        log.info("created memory store in %s", root)
    try:
        return chromadb.PersistentClient(path=str(chroma_dir), settings=_settings())
    except Exception as exc:  # chromadb raises many kinds on a damaged database
        raise StoreError(f"{chroma_dir}: cannot open the store's database ({exc})") from exc


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int
    ssl: bool


def parse_url(url: str) -> ServerAddress:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise StoreError(f"memory server url {url!r} must look like http://HOST:PORT")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    return ServerAddress(parsed.hostname, port, parsed.scheme == "https")


def open_remote(url: str) -> ClientAPI:
    """An HttpClient on a ChromaDB server shared by a fleet; fails now if it does not answer."""
    address = parse_url(url)
    try:
        client = chromadb.HttpClient(
            host=address.host, port=address.port, ssl=address.ssl, settings=_settings()
        )
        client.heartbeat()
    except Exception as exc:
        raise StoreError(f"memory server {url} does not answer ({exc})") from exc
    return client


def collection(client: ClientAPI, name: str, where: str, embedder: Embedder) -> Collection:
    """Get or create a cosine collection whose metadata carries (and must match) the identity.

    The collection has no embedding function of ChromaDB's: the memory always hands it
    vectors, and the identity check above is what keeps vectors of two embedders apart."""
    wanted = identity(embedder)
    try:
        existing = {c.name: dict(c.metadata or {}) for c in client.list_collections()}
    except Exception as exc:
        raise StoreError(f"{where}: cannot list collections ({exc})") from exc
    if name in existing:
        _check_identity(existing[name], f"{where} collection {name!r}", embedder)
        return client.get_collection(name, embedding_function=None)
    return client.create_collection(
        name, embedding_function=None, metadata={**wanted, "hnsw:space": "cosine"}
    )
