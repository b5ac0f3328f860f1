"""The robot's episodic memory: record experiences, recall them, consolidate each day.

Backed by ChromaDB: a PersistentClient under the data directory (one robot) or an HttpClient
on a shared server (a fleet), with live episodes kept per floor and archived ones apart
(:mod:`pepa.memory.shards` says why). :meth:`EpisodicMemory.record` returns only after ChromaDB has
written the episode, so an acknowledged episode survives a crash. Input is validated in full
before anything is written: one bad episode in a batch stores none of the batch.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection
from pydantic import BaseModel, ConfigDict, ValidationError

from pepa.clock import DAY_S, Clock, at, day_of
from pepa.memory import records, scoring
from pepa.memory.consolidation import ConsolidationConfig, Consolidator, SemanticFact
from pepa.memory.embedders import Embedder
from pepa.memory.embedders import embedder as default_embedder
from pepa.memory.importance import ImportanceScorer
from pepa.memory.query import MemoryQuery, PlaceQuery, Recall, TextQuery, TimeQuery
from pepa.memory.scoring import ScoreWeights
from pepa.memory.shards import PAGE, Shards, pages
from pepa.memory.store import collection, open_local, open_remote, recorded_embedder
from pepa.messages import Experience, caption_meaning

log = logging.getLogger(__name__)

STORE_SUBDIR = "memory"
_CANDIDATES_PER_RESULT = 5
_MIN_CANDIDATES = 50


class MemoryInputError(ValueError):
    """An episode was refused; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class MemoryStats(BaseModel):
    model_config = ConfigDict(extra="forbid")
    location: str
    model: str
    dimension: int
    episodes: int
    archived: int
    facts: int
    first_time: float | None = None
    last_time: float | None = None
    days: int = 0
    by_floor: dict[str, int]
    by_room: dict[str, int]
    by_kind: dict[str, int]
    by_source: dict[str, int]


class ConsolidationReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: int
    episodes_considered: int
    facts: list[SemanticFact]
    archived: int


def _and(clauses: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class EpisodicMemory:
    """Episodic memory of one robot (local store) or of a fleet (``url`` of a server).

    ``known_places`` maps each floor to its room names; episodes elsewhere are refused
    (None skips the check until the building is known). ``importance_scorer`` sets the
    importance of episodes recorded without an explicit one. ``create=False`` opens an
    existing local store only (for readers). ``embedder`` is what captions are embedded
    with; a store written by another is refused. Without one, a local store is opened with
    the embedder it records, and a new store or a server gets the default.
    """

    def __init__(
        self,
        clock: Clock,
        data_dir: Path | str | None = None,
        *,
        url: str | None = None,
        namespace: str = "pepa",
        known_places: Mapping[int, Iterable[str]] | None = None,
        weights: ScoreWeights | None = None,
        importance_scorer: ImportanceScorer | None = None,
        consolidation: ConsolidationConfig | None = None,
        create: bool = True,
        embedder: Embedder | None = None,
    ) -> None:
        if (data_dir is None) == (url is None):
            raise ValueError("give exactly one of data_dir (local store) or url (server)")
        if len(namespace) < 3 or not namespace.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"namespace {namespace!r}: 3+ letters, digits, '-' or '_'")
        self.clock = clock
        if url is not None:
            self.location = url
            self.embedder = embedder or default_embedder()
            client = open_remote(url)
        else:
            root = Path(data_dir) / STORE_SUBDIR  # type: ignore[arg-type]
            self.location = str(root)
            self.embedder = embedder or recorded_embedder(root) or default_embedder()
            client = open_local(root, self.embedder, create)
        self._client = client
        self._shards = Shards(client, namespace, self.location, self.embedder)
        self._facts: Collection = collection(
            client, f"{namespace}_facts", self.location, self.embedder
        )
        self.known_places = (
            None
            if known_places is None
            else {int(f): frozenset(rooms) for f, rooms in known_places.items()}
        )
        self.weights = weights if weights is not None else ScoreWeights()
        self.importance_scorer = importance_scorer
        self.consolidator = Consolidator(consolidation)
        self._scorer_primed = False

    # --- recording ---------------------------------------------------------------------------

    def _validated(
        self, item: Experience | Mapping[str, Any], now: float
    ) -> tuple[Experience, bool]:
        """The checked episode, and whether its importance was given explicitly."""
        try:
            if isinstance(item, Experience):
                # Re-validate: a model_construct()ed instance may carry NaN or worse.
                exp = Experience.model_validate(item.model_dump())
                explicit_importance = "importance" in item.model_fields_set
            else:
                exp = Experience.model_validate(dict(item))
                explicit_importance = "importance" in item
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "experience"
            raise MemoryInputError(field, f"{err['msg']} (got {err.get('input')!r:.80})") from exc
        if exp.time > now:
            raise MemoryInputError(
                "time", f"{exp.time} is in the future of the clock (now {now}) for {exp.id}"
            )
        if exp.day != day_of(exp.time):
            raise MemoryInputError(
                "day", f"{exp.day} does not match time {exp.time} (day {day_of(exp.time)})"
            )
        if exp.pose.floor != exp.floor:
            raise MemoryInputError(
                "pose.floor", f"{exp.pose.floor} differs from the episode's floor {exp.floor}"
            )
        if self.known_places is not None:
            rooms = self.known_places.get(exp.floor)
            if rooms is None:
                known = ", ".join(str(f) for f in sorted(self.known_places))
                raise MemoryInputError("floor", f"unknown floor {exp.floor} (known: {known})")
            if exp.room not in rooms:
                raise MemoryInputError("room", f"unknown room {exp.room!r} on floor {exp.floor}")
        return exp, explicit_importance

    def record(self, experience: Experience | Mapping[str, Any]) -> str:
        """Store one episode; returns its id once it is written."""
        return self.record_many([experience])[0]

    def record_many(self, experiences: Sequence[Experience | Mapping[str, Any]]) -> list[str]:
        """Store a batch (embedded in batches); all are validated before any is written."""
        now = self.clock.now()
        checked: list[tuple[Experience, bool]] = []
        ids: set[str] = set()
        for item in experiences:
            exp, explicit = self._validated(item, now)
            if exp.id in ids:
                raise MemoryInputError("id", f"{exp.id!r} appears twice in the batch")
            ids.add(exp.id)
            checked.append((exp, explicit))
        if not checked:
            return []
        taken = [i for c in self._shards.all() for i in c.get(ids=list(ids), include=[])["ids"]]
        if taken:
            raise MemoryInputError("id", f"already stored, never overwritten: {taken[:5]}")
        batch = [exp for exp, _ in checked]
        scorer = self.importance_scorer
        if scorer is not None:
            self._prime_scorer()
            for exp, explicit in checked:
                if not explicit:
                    exp.importance = scorer.score(exp)
                scorer.observe(exp)  # later episodes of the batch are less new
        vectors = self.embedder.embed([e.meaning() for e in batch])
        by_floor: dict[int, list[int]] = {}
        for row, exp in enumerate(batch):
            by_floor.setdefault(exp.floor, []).append(row)
        step = self._client.get_max_batch_size()
        for floor, rows in sorted(by_floor.items()):
            shard = self._shards.floor(floor, create=True)
            assert shard is not None
            for start in range(0, len(rows), step):
                part = rows[start : start + step]
                shard.add(
                    ids=[batch[r].id for r in part],
                    embeddings=vectors[part],
                    documents=[batch[r].caption for r in part],
                    metadatas=[records.to_metadata(batch[r]) for r in part],
                )
        return [e.id for e in batch]

    def _prime_scorer(self) -> None:
        """Teach a fresh importance scorer what the store has already seen (once)."""
        if self._scorer_primed or self.importance_scorer is None:
            return
        self._scorer_primed = True
        for exp in self.iter_episodes(include_archived=True):
            self.importance_scorer.observe(exp)

    # --- reading -----------------------------------------------------------------------------

    def get(self, episode_id: str) -> Experience:
        for shard in reversed(self._shards.all()):  # the archive first: a move's destination
            got = shard.get(ids=[episode_id], include=["documents", "metadatas"])
            if got["ids"]:
                return records.from_record(
                    got["ids"][0],
                    got["documents"][0],  # type: ignore[index]
                    got["metadatas"][0],  # type: ignore[index]
                )
        raise KeyError(f"no episode {episode_id!r} in {self.location}")

    def count(self, include_archived: bool = True) -> int:
        return sum(c.count() for c in self._shards.searched(None, include_archived))

    def iter_episodes(
        self,
        where: dict[str, Any] | None = None,
        include_archived: bool = True,
        floor: int | None = None,
    ) -> Iterator[Experience]:
        """Every matching episode (of ``floor``, or of all), read in pages so memory use stays
        flat on a large store. An episode caught mid-move to the archive is read once."""
        for i, doc, meta in self._rows(["documents", "metadatas"], where, include_archived, floor):
            yield records.from_record(i, doc, meta)

    def _rows(
        self,
        include: list[str],
        where: dict[str, Any] | None,
        include_archived: bool,
        floor: int | None = None,
    ) -> Iterator[tuple[str, Any, Any]]:
        """(id, document, metadata) of every matching record, each episode once: the archive
        is read first, so an episode caught mid-move counts as archived."""
        archived_ids: set[str] = set()
        for shard in reversed(self._shards.searched(floor, include_archived)):
            is_archive = shard is self._shards.archive
            clauses = [where] if where else []
            if is_archive and floor is not None:
                clauses.append({"floor": floor})
            for got in pages(shard, include, _and(clauses)):
                docs: Sequence[str | None] = got["documents"] or [None] * len(got["ids"])
                for i, doc, meta in zip(got["ids"], docs, got["metadatas"], strict=True):  # type: ignore[arg-type]
                    if is_archive:
                        archived_ids.add(i)
                    elif i in archived_ids:
                        continue
                    yield i, doc, meta

    @staticmethod
    def _floor_of(q: MemoryQuery) -> int | None:
        return q.floor if q.floor is not None else (q.near.floor if q.near else None)

    def _where(self, q: MemoryQuery, archive: bool = False) -> dict[str, Any] | None:
        """The filter left for ChromaDB once the collection has settled floor and archived
        (the archive holds every floor, so there the floor is filtered too)."""
        clauses: list[dict[str, Any]] = []
        floor = self._floor_of(q)
        if floor is not None and archive:
            clauses.append({"floor": floor})
        if q.room is not None:
            clauses.append({"room": q.room})
        if q.near is not None:
            n = q.near
            clauses += [
                {"x": {"$gte": n.x - n.radius_m}},
                {"x": {"$lte": n.x + n.radius_m}},
                {"y": {"$gte": n.y - n.radius_m}},
                {"y": {"$lte": n.y + n.radius_m}},
            ]
        if q.start is not None:
            clauses.append({"time": {"$gte": q.start}})
        if q.end is not None:
            clauses.append({"time": {"$lte": q.end}})
        if q.kinds:
            clauses.append({"kind": {"$in": list(q.kinds)}})
        if q.sources:
            clauses.append({"source": {"$in": [s.value for s in q.sources]}})
        if q.person is not None:
            clauses.append({"people": {"$contains": q.person}})
        if q.object is not None:
            clauses.append({"objects": {"$contains": q.object}})
        return _and(clauses)

    def _recall(
        self, q: MemoryQuery, exp: Experience, now: float, distance: float | None
    ) -> Recall | None:
        dist_m = None
        if q.near is not None:
            dist_m = math.hypot(exp.pose.x - q.near.x, exp.pose.y - q.near.y)
            if dist_m > q.near.radius_m:
                return None
        rec = scoring.recency(exp.time, now, self.weights.half_life_h)
        rel = None if distance is None else scoring.relevance(distance)
        return Recall(
            episode=exp,
            score=scoring.total(self.weights, rec, exp.importance, rel),
            recency=rec,
            importance=exp.importance,
            relevance=rel,
            distance_m=dist_m,
        )

    def search(self, query: MemoryQuery | Mapping[str, Any]) -> list[Recall]:
        """The combined query tool: filters in ChromaDB, then the retrieval score ranks.

        With text, the candidates are the nearest captions by cosine (``k`` times a pool
        factor), re-ranked by the full score; without, every match is scored.
        """
        q = query if isinstance(query, MemoryQuery) else MemoryQuery.model_validate(query)
        now = self.clock.now()
        floor = self._floor_of(q)
        if q.text is None:
            exps = self.iter_episodes(self._where(q), q.include_archived, floor)
            found = [r for r in (self._recall(q, e, now, None) for e in exps) if r is not None]
        else:
            vector = self.embedder.embed([q.text])
            # The archive is read first so that an episode caught mid-move counts as archived.
            by_id: dict[str, Recall] = {}
            for shard in reversed(self._shards.searched(floor, q.include_archived)):
                where = self._where(q, archive=shard is self._shards.archive)
                for r in self._nearest(q, shard, where, vector, now):
                    by_id.setdefault(r.episode.id, r)
            found = list(by_id.values())
        if q.order == "score":
            found.sort(key=lambda r: (-r.score, -r.episode.time, r.episode.id))
        else:
            newest = q.order == "newest"
            found.sort(key=lambda r: (-r.episode.time if newest else r.episode.time, r.episode.id))
        return found[: q.k]

    def _nearest(
        self,
        q: MemoryQuery,
        shard: Collection,
        where: dict[str, Any] | None,
        vector: np.ndarray,
        now: float,
    ) -> list[Recall]:
        """The captions of ``shard`` nearest to ``vector`` (a pool of ``k`` times a factor,
        re-ranked by the full score later), widened when the radius check ate too many."""
        n = max(q.k * _CANDIDATES_PER_RESULT, _MIN_CANDIDATES)
        while True:
            got = shard.query(
                query_embeddings=vector,
                n_results=n,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
            ids = got["ids"][0]
            found = []
            for i, doc, meta, dist in zip(
                ids,
                got["documents"][0],  # type: ignore[index]
                got["metadatas"][0],  # type: ignore[index]
                got["distances"][0],  # type: ignore[index]
                strict=True,
            ):
                r = self._recall(q, records.from_record(i, doc, meta), now, dist)
                if r is not None:
                    found.append(r)
            if len(found) >= q.k or len(ids) < n:
                return found
            n *= 4

    def by_text(self, query: TextQuery | Mapping[str, Any]) -> list[Recall]:
        """Query tool: recall by meaning."""
        q = query if isinstance(query, TextQuery) else TextQuery.model_validate(query)
        return self.search(q.to_query())

    def by_place(self, query: PlaceQuery | Mapping[str, Any]) -> list[Recall]:
        """Query tool: what happened at a room, a floor, or near a point."""
        q = query if isinstance(query, PlaceQuery) else PlaceQuery.model_validate(query)
        return self.search(q.to_query())

    def by_time(self, query: TimeQuery | Mapping[str, Any]) -> list[Recall]:
        """Query tool: what happened between two times."""
        q = query if isinstance(query, TimeQuery) else TimeQuery.model_validate(query)
        return self.search(q.to_query())

    # --- consolidation and forgetting --------------------------------------------------------

    def archive(self, older_than_s: float, below_importance: float) -> int:
        """Archive (never delete) episodes older than ``older_than_s`` and less important
        than ``below_importance``; they stay queryable with ``include_archived``."""
        if older_than_s < 0 or not 0.0 <= below_importance <= 1.0:
            raise ValueError(
                f"archive: older_than_s={older_than_s} must be >= 0 and "
                f"below_importance={below_importance} in [0, 1]"
            )
        cutoff = self.clock.now() - older_than_s
        where = {"$and": [{"time": {"$lt": cutoff}}, {"importance": {"$lt": below_importance}}]}
        step = min(self._client.get_max_batch_size(), PAGE)
        moved = 0
        for shard in self._shards.live():
            while True:  # each page leaves the shard, so the next one starts at offset 0
                got = shard.get(
                    where=where,  # type: ignore[arg-type]
                    include=["embeddings", "documents", "metadatas"],
                    limit=step,
                )
                ids = list(got["ids"])
                if not ids:
                    break
                # Copy first, delete second: a crash in between leaves the episode in both
                # places (read once, and this pass finishes the move next time), never neither.
                self._shards.archive.upsert(
                    ids=ids,
                    embeddings=got["embeddings"],
                    documents=got["documents"],
                    metadatas=[{**m, "archived": True} for m in got["metadatas"]],  # type: ignore[union-attr]
                )
                shard.delete(ids=ids)
                moved += len(ids)
        if moved:
            log.info("archived %d episodes older than %.0f s", moved, older_than_s)
        return moved

    def end_of_day(self, day: int | None = None) -> ConsolidationReport:
        """Consolidate ``day`` (default: today) into facts, then archive what has faded."""
        cfg = self.consolidator.config
        day = day_of(self.clock.now()) if day is None else day
        start = at(max(0, day - cfg.lookback_days + 1), 0.0)
        window = {"$and": [{"time": {"$gte": start}}, {"time": {"$lt": at(day + 1, 0.0)}}]}
        episodes = list(self.iter_episodes(where=window, include_archived=True))
        facts = self.consolidator.derive(episodes, day)
        if facts:
            self._facts.upsert(
                ids=[f.id for f in facts],
                embeddings=self.embedder.embed([f.text for f in facts]),
                documents=[f.text for f in facts],
                metadatas=[{"fact": f.model_dump_json(), "kind": f.kind} for f in facts],
            )
        archived = self.archive(cfg.archive_after_days * DAY_S, cfg.archive_below_importance)
        log.info("day %d: %d facts, %d episodes archived", day, len(facts), archived)
        return ConsolidationReport(
            day=day, episodes_considered=len(episodes), facts=facts, archived=archived
        )

    def facts(self, text: str | None = None, k: int = 10) -> list[SemanticFact]:
        """Semantic facts, nearest to ``text`` first, or all of them (by kind) without."""
        if text is None:
            got = self._facts.get(include=["metadatas"])
            metas = got["metadatas"] or []
        else:
            total = self._facts.count()
            if total == 0:
                return []
            res = self._facts.query(
                query_embeddings=self.embedder.embed([text]),
                n_results=min(k, total),
                include=["metadatas"],
            )
            metas = (res["metadatas"] or [[]])[0]
        facts = [SemanticFact.model_validate_json(str(m["fact"])) for m in metas]
        return facts if text is not None else sorted(facts, key=lambda f: (f.kind, f.text))

    # --- moving to another embedder ----------------------------------------------------------

    def reembed_into(self, target: EpisodicMemory, progress: bool = False) -> int:
        """Copy every episode (live or archived, same id, metadata and caption) and every fact
        into the empty store ``target``, embedded with ``target``'s embedder; returns the
        number of episodes. Nothing here is changed, so an interrupted copy is simply redone
        into a fresh target."""
        from tqdm import tqdm

        if target.count() or target._facts.count():
            raise ValueError(f"re-embedding needs an empty target store; {target.location} is not")
        if target.location == self.location:
            raise ValueError(f"re-embedding into the same store {self.location}")
        bar = tqdm(total=self.count(), desc="re-embedding", unit="ep", disable=not progress)
        copied = 0
        for shard in self._shards.all():
            is_archive = shard is self._shards.archive
            for got in pages(shard, ["documents", "metadatas"]):
                docs: list[str] = got["documents"]  # type: ignore[assignment]
                metas = got["metadatas"] or []
                times = [float(m["time"]) for m in metas]  # type: ignore[arg-type]
                meanings = [caption_meaning(d, t) for d, t in zip(docs, times, strict=True)]
                vectors = target.embedder.embed(meanings)
                by_dest: dict[int | None, list[int]] = {}
                for row, meta in enumerate(metas):
                    by_dest.setdefault(None if is_archive else int(meta["floor"]), []).append(row)  # type: ignore[arg-type]
                for floor, rows in by_dest.items():
                    dest = (
                        target._shards.archive
                        if floor is None
                        else target._shards.floor(floor, create=True)
                    )
                    assert dest is not None
                    dest.add(
                        ids=[got["ids"][r] for r in rows],
                        embeddings=vectors[rows],
                        documents=[docs[r] for r in rows],
                        metadatas=[metas[r] for r in rows],
                    )
                copied += len(docs)
                bar.update(len(docs))
        bar.close()
        facts = self._facts.get(include=["documents", "metadatas"])
        if facts["ids"]:
            target._facts.add(
                ids=facts["ids"],
                embeddings=target.embedder.embed(facts["documents"]),  # type: ignore[arg-type]
                documents=facts["documents"],
                metadatas=facts["metadatas"],
            )
        if target.count() != self.count():
            raise RuntimeError(
                f"re-embedding copied {target.count()} of {self.count()} episodes into "
                f"{target.location}; discard that store and run again"
            )
        return copied

    # --- overview ----------------------------------------------------------------------------

    def stats(self) -> MemoryStats:
        floors: Counter[str] = Counter()
        rooms: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        times: list[float] = []
        archived = 0
        for _, _, m in self._rows(["metadatas"], None, include_archived=True):
            floors[str(m["floor"])] += 1
            rooms[f"{m['floor']}/{m['room']}"] += 1
            kinds[str(m["kind"])] += 1
            sources[str(m["source"])] += 1
            times.append(float(m["time"]))
            archived += bool(m["archived"])
        t = np.asarray(times)
        return MemoryStats(
            location=self.location,
            model=self.embedder.id,
            dimension=self.embedder.dimension,
            episodes=len(times),
            archived=archived,
            facts=self._facts.count(),
            first_time=float(t.min()) if len(t) else None,
            last_time=float(t.max()) if len(t) else None,
            days=len({day_of(x) for x in times}),
            by_floor=dict(sorted(floors.items())),
            by_room=dict(sorted(rooms.items())),
            by_kind=dict(sorted(kinds.items())),
            by_source=dict(sorted(sources.items())),
        )
