"""Which ChromaDB collection holds which episodes: one live collection per floor, one archive.

ChromaDB answers a query with a metadata filter by first listing every record that matches
the filter and then searching the vector index among them; at 100,000 episodes that costs
hundreds of milliseconds, while an unfiltered search of a 20,000-record index costs a few.
The two filters nearly every recall carries are "not archived" and (for Sys1 and Sys2, which
think about the floor they are on) "this floor", so those two are made structural instead:

    {ns}_episodes_floor{N}   live episodes of floor N
    {ns}_archive             archived episodes of every floor (``archived`` = true)

A recall on one floor searches one collection without a filter; a recall over the building
searches every floor's collection and merges. Archiving moves an episode (copy into the
archive, then delete from its floor: a crash in between leaves it in both places, never in
neither, and the next archiving pass finishes the move; readers see it once).

Stores written before the sharding kept every episode in ``{ns}_episodes``; opening one moves
its episodes into the shards, vectors included (copy first, delete the old collection last).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import GetResult

from pepa.memory.embedders import Embedder
from pepa.memory.store import StoreError, collection

log = logging.getLogger(__name__)

PAGE = 5000
_MIGRATION_PAGE = 2000  # pages that carry vectors are kept smaller


class Shards:
    """The episode collections of one namespace, opened lazily and cached."""

    def __init__(self, client: ClientAPI, namespace: str, where: str, embedder: Embedder) -> None:
        self.client = client
        self.embedder = embedder
        self.namespace = namespace
        self.where = where
        self._floor_name = re.compile(rf"{re.escape(namespace)}_episodes_floor(-?\d+)")
        self._floors: dict[int, Collection] = {}
        self.archive: Collection = collection(client, f"{namespace}_archive", where, embedder)
        self._migrate_unsharded()
        self.refresh()

    def _open(self, name: str) -> Collection:
        return collection(self.client, name, self.where, self.embedder)

    def floor_collection_name(self, floor: int) -> str:
        return f"{self.namespace}_episodes_floor{floor}"

    def refresh(self) -> None:
        """Pick up floors created since (by this robot or, on a server, by another one)."""
        try:
            names = [c.name for c in self.client.list_collections()]
        except Exception as exc:  # chromadb raises many kinds for a lost server
            raise StoreError(f"{self.where}: cannot list collections ({exc})") from exc
        for name in names:
            match = self._floor_name.fullmatch(name)
            if match and int(match.group(1)) not in self._floors:
                self._floors[int(match.group(1))] = self._open(name)

    def floor(self, floor: int, create: bool = False) -> Collection | None:
        """The live collection of ``floor``; None when nothing was recorded there yet."""
        if floor not in self._floors:
            if create:
                name = self.floor_collection_name(floor)
                self._floors[floor] = self._open(name)
            else:
                self.refresh()
        return self._floors.get(floor)

    def live(self, floor: int | None = None) -> list[Collection]:
        """The live collections to search: one floor's, or every floor's."""
        if floor is not None:
            found = self.floor(floor)
            return [] if found is None else [found]
        self.refresh()
        return [self._floors[f] for f in sorted(self._floors)]

    def searched(self, floor: int | None, include_archived: bool) -> list[Collection]:
        """Every collection a recall must look in (the archive last)."""
        return self.live(floor) + ([self.archive] if include_archived else [])

    def all(self) -> list[Collection]:
        return self.searched(None, include_archived=True)

    def _migrate_unsharded(self) -> None:
        legacy_name = f"{self.namespace}_episodes"
        try:
            names = {c.name for c in self.client.list_collections()}
        except Exception as exc:  # chromadb raises many kinds for a lost server
            raise StoreError(f"{self.where}: cannot list collections ({exc})") from exc
        if legacy_name not in names:
            return
        legacy = self._open(legacy_name)
        moved = 0
        include = ["embeddings", "documents", "metadatas"]
        for got in pages(legacy, include, page=_MIGRATION_PAGE):
            ids, embeddings = got["ids"], got["embeddings"]
            documents, metadatas = got["documents"], got["metadatas"]
            if embeddings is None or documents is None or metadatas is None:
                raise StoreError(f"{self.where}: {legacy_name} returned a page without {include}")
            vectors = np.asarray(embeddings)  # one row per record
            by_target: dict[str, list[int]] = {}
            for i, meta in enumerate(metadatas):
                if meta.get("archived"):
                    target = self.archive.name
                else:
                    target = self.floor_collection_name(int(meta["floor"]))  # type: ignore[arg-type]
                by_target.setdefault(target, []).append(i)
            for target, rows in by_target.items():
                dest = self.archive if target == self.archive.name else self._open(target)
                dest.upsert(  # idempotent: an interrupted migration simply runs again
                    ids=[ids[i] for i in rows],
                    embeddings=vectors[rows],
                    documents=[documents[i] for i in rows],
                    metadatas=[metadatas[i] for i in rows],
                )
            moved += len(ids)
        self.client.delete_collection(legacy_name)
        log.info("%s: moved %d episodes into per-floor collections", self.where, moved)


def pages(
    col: Collection,
    include: list[str],
    where: dict[str, Any] | None = None,
    page: int = PAGE,
) -> Iterator[GetResult]:
    """Every record of ``col`` matching ``where``, a page at a time (memory use stays flat)."""
    offset = 0
    while True:
        got = col.get(where=where, include=include, limit=page, offset=offset)  # type: ignore[arg-type]
        if got["ids"]:
            yield got
        if len(got["ids"]) < page:
            return
        offset += page
