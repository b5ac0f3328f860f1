"""Episodic-memory benchmark: batched ingest (embedding included) and filtered text queries.

    python bench/memory_bench.py --n 100000 [--data DIR]
    python bench/memory_bench.py --n 100000 --data DIR --queries-only   # re-time the queries
    python bench/memory_bench.py --n 20000 --embedder minilm            # the int8 MiniLM

Synthetic office episodes (seeded) are recorded in batches into a fresh local store; then
text queries with a floor filter (top 10), each text different, are timed one by one,
embedding included (``--embedder``, default the memory's default). The last line is one
JSON object: the embedder, n, ingest_per_s, query_p50_ms, query_p95_ms, plus the CPU time
(all threads) per episode and per query, the machine's cores and its 1-minute load average:
the embedding is CPU-bound, so on a shared machine the wall-clock figures follow the load.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pepa.clock import SimClock, at, day_of
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind, embedder
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery
from pepa.messages import Experience, ExperienceSource, Pose

FLOORS = 5
ROOMS = ("kitchen", "lobby", "lab", "meeting room", "office", "copy room", "lounge", "storage")
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
OBJECTS = ("printer", "coffee machine", "plant", "whiteboard", "door", "chair", "box", "laptop")
ACTIONS = (
    "walked through",
    "looked around",
    "waited in",
    "charged near",
    "explored",
    "patrolled",
    "inspected",
    "greeted someone in",
)
SKILLS = ("navigate", "explore", "inspect", "greet", "patrol", "wait", "look_around")
OUTCOMES = ("success", "success", "success", "failure", "cancelled")
QUERIES = (
    "where did I see the printer",
    "who did I meet in the kitchen",
    "a door was blocked",
    "coffee with alice",
    "the robot could not reach the lab",
    "a quiet moment in the lounge",
    "someone asked for help",
    "charging before lunch",
)


PER_DAY = 2000


def time_of(i: int) -> float:
    """When the i-th synthetic episode happened (PER_DAY a day, 07:00 to 19:00)."""
    day, slot = divmod(i, PER_DAY)
    return at(day, 7.0 + 12.0 * slot / PER_DAY)


def episodes(n: int, rng: random.Random) -> list[Experience]:
    out = []
    for i in range(n):
        t = time_of(i)
        floor = rng.randrange(FLOORS)
        room = rng.choice(ROOMS)
        people = rng.sample(PEOPLE, rng.choice((0, 0, 1, 2)))
        objects = rng.sample(OBJECTS, rng.choice((0, 1, 1, 2)))
        skill = rng.choice(SKILLS)
        outcome = rng.choice(OUTCOMES)
        words = [f"I {rng.choice(ACTIONS)} the {room} on floor {floor}"]
        if people:
            words.append("and met " + " and ".join(people))
        if objects:
            words.append("near the " + " and the ".join(objects))
        words.append(f"({skill}: {outcome})")
        out.append(
            Experience(
                time=t,
                day=day_of(t),
                floor=floor,
                room=room,
                pose=Pose(x=rng.uniform(0, 60), y=rng.uniform(0, 30), floor=floor),
                kind="social" if people else "event",
                skill=skill,
                outcome=outcome,
                people=people,
                objects=objects,
                caption=" ".join(words),
                importance=round(rng.random(), 3),
                source=ExperienceSource.SYS1,
            )
        )
    return out


def run(
    n: int,
    queries: int,
    batch: int,
    data: Path,
    seed: int,
    kind: EmbedderKind,
    ingest: bool = True,
) -> dict[str, float | int | str]:
    rng = random.Random(seed)
    clock = SimClock(start=time_of(n - 1) + 60.0)
    memory = EpisodicMemory(clock, data, embedder=embedder(kind))
    memory.embedder.embed(["load the model"])  # loading (or distilling) is not ingest
    if not ingest:
        return {"embedder": kind.value, "n": memory.count(), **time_queries(memory, queries, rng)}
    eps = episodes(n, rng)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    last_report = t0
    for start in range(0, n, batch):
        memory.record_many(eps[start : start + batch])
        now = time.perf_counter()
        if now - last_report > 10.0:
            done = start + batch
            print(f"ingested {done}/{n} ({done / (now - t0):.0f}/s)", flush=True)
            last_report = now
    ingest_s = time.perf_counter() - t0
    ingest_cpu_s = time.process_time() - cpu0
    return {
        "embedder": kind.value,
        "n": n,
        "ingest_per_s": round(n / ingest_s, 1),
        # The embedding is CPU-bound, so on a shared machine the wall-clock rate depends on
        # the load; the rate per CPU-second (all threads) does not.
        "ingest_per_cpu_s": round(n / ingest_cpu_s, 1),
        **time_queries(memory, queries, rng),
    }


def time_queries(
    memory: EpisodicMemory, queries: int, rng: random.Random
) -> dict[str, float | int]:
    """Text queries with a floor filter, top 10, one by one (each embedding included)."""
    n = memory.count()
    # One warm-up query (model load, index load), then the timed ones.
    memory.search(MemoryQuery(text="warm up", floor=0, k=10))
    latencies = []
    cpu0 = time.process_time()
    for i in range(queries):
        # Every text differs, so each query pays for its embedding (no cache hits).
        text = f"{QUERIES[i % len(QUERIES)]}, {rng.choice(PEOPLE)} {i}"
        q = MemoryQuery(text=text, floor=rng.randrange(FLOORS), k=10)
        t = time.perf_counter()
        found = memory.search(q)
        latencies.append((time.perf_counter() - t) * 1000.0)
        if len(found) != min(10, n) and n >= 50 * FLOORS:
            raise RuntimeError(f"query {q.text!r} returned {len(found)} episodes, expected 10")
    query_cpu_ms = (time.process_time() - cpu0) * 1000.0 / queries
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "query_p50_ms": round(cuts[49], 2),
        "query_p95_ms": round(cuts[94], 2),
        "query_cpu_ms": round(query_cpu_ms, 2),
        "cpus": os.cpu_count() or 0,
        "load_1m": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="episodes to ingest")
    parser.add_argument("--queries", type=int, default=300, help="timed queries")
    parser.add_argument("--batch", type=int, default=512, help="episodes per record_many")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="data directory (default: a temporary one)")
    parser.add_argument(
        "--embedder",
        type=EmbedderKind,
        choices=list(EmbedderKind),
        default=DEFAULT_EMBEDDER,
        help=f"default {DEFAULT_EMBEDDER.value}",
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="time the queries on the store already in --data (made by an earlier run)",
    )
    args = parser.parse_args()
    if args.n < 1 or args.queries < 2 or args.batch < 1:
        parser.error("--n and --batch must be >= 1, --queries >= 2")
    logging.basicConfig(level=logging.WARNING)
    if args.queries_only and args.data is None:
        parser.error("--queries-only needs --data (the store an earlier run made)")
    if args.data is not None:
        result = run(
            args.n,
            args.queries,
            args.batch,
            args.data,
            args.seed,
            args.embedder,
            not args.queries_only,
        )
    else:
        with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
            result = run(args.n, args.queries, args.batch, Path(tmp), args.seed, args.embedder)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
