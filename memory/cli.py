"""``pepa memory``: look into a robot's (or a fleet's) episodic memory.

    pepa memory search --text "printer jammed" [--place 2/kitchen] [--from "1 12:00" --to ...]
    pepa memory stats
    pepa memory reembed --to static --out NEW_DATA_DIR

Recency is measured from the newest stored episode, since a reader has no running clock.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

from pepa.clock import HOUR_S, SimClock, at, format_time
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind, embedder
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery

DATA_DIR_ENV = "PEPA_DATA_DIR"
_DAY_TIME = re.compile(r"^\s*d?(\d+)\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_time(text: str) -> float:
    """Simulated seconds from 'DAY HH:MM[:SS]' (e.g. '2 12:00', 'd2 12:00') or seconds."""
    match = _DAY_TIME.match(text)
    if match:
        day, hh, mm, ss = match.groups()
        if int(hh) > 24 or int(mm) > 59 or int(ss or 0) > 59:
            raise ValueError(f"time {text!r}: hours 0-24, minutes and seconds 0-59")
        return at(int(day), int(hh) + int(mm) / 60 + int(ss or 0) / HOUR_S)
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"time {text!r}: use 'DAY HH:MM' (e.g. '2 12:00') or seconds") from None
    if not seconds >= 0:
        raise ValueError(f"time {text!r} must be >= 0")
    return seconds


_LEVEL = re.compile(r"-?\d+")  # basements are negative levels


def parse_place(text: str) -> tuple[int | None, str | None]:
    """'2/kitchen' (floor and room), '2' or '-1' (a floor) or 'kitchen' (a room on any floor)."""
    floor_text, sep, room = text.partition("/")
    if sep:
        if not _LEVEL.fullmatch(floor_text.strip()) or not room.strip():
            raise ValueError(f"place {text!r}: use FLOOR/ROOM, FLOOR or ROOM")
        return int(floor_text), room.strip()
    if _LEVEL.fullmatch(text.strip()):
        return int(text), None
    if not text.strip():
        raise ValueError("place is empty")
    return None, text.strip()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("memory", help="search the episodic memory and show its statistics")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--data",
        "--data-dir",
        dest="data",
        type=Path,
        default=Path(os.environ.get(DATA_DIR_ENV, "data")),
        help=f"data directory holding memory/ (default ${DATA_DIR_ENV} or ./data)",
    )
    where.add_argument("--url", help="a shared memory server, http://HOST:PORT")
    msub = p.add_subparsers(dest="memory_command", required=True, metavar="ACTION")

    s = msub.add_parser("search", help="recall episodes by text, place and/or time")
    s.add_argument("--text", help="what to recall, by meaning")
    s.add_argument("--place", help="FLOOR/ROOM, FLOOR or ROOM")
    s.add_argument("--from", dest="start", help="from 'DAY HH:MM' or seconds")
    s.add_argument("--to", dest="end", help="to 'DAY HH:MM' or seconds")
    s.add_argument("--k", type=int, default=10, help="how many episodes (default 10)")
    s.add_argument("--archived", action="store_true", help="include archived episodes")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=_search)

    st = msub.add_parser("stats", help="counts by floor, room, kind and source")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_stats)

    r = msub.add_parser(
        "reembed",
        help="copy every episode and fact into a new store, embedded with another embedder",
    )
    r.add_argument(
        "--to",
        type=EmbedderKind,
        choices=list(EmbedderKind),
        default=DEFAULT_EMBEDDER,
        help=f"the new store's embedder (default {DEFAULT_EMBEDDER.value})",
    )
    r.add_argument(
        "--out", type=Path, required=True, help="data directory of the new store (no memory yet)"
    )
    r.set_defaults(func=_reembed)


def _open(args: argparse.Namespace) -> EpisodicMemory:
    """Open for reading, with the clock set to the newest episode."""
    probe = SimClock()
    if args.url:
        memory = EpisodicMemory(probe, url=args.url)
    else:
        memory = EpisodicMemory(probe, args.data, create=False)
    last = memory.stats().last_time
    memory.clock = SimClock(start=last or 0.0)
    return memory


def _search(args: argparse.Namespace) -> int:
    if not (args.text or args.place or args.start or args.end):
        raise ValueError("memory search needs --text, --place, or --from/--to")
    floor, room = parse_place(args.place) if args.place else (None, None)
    query = MemoryQuery(
        text=args.text,
        floor=floor,
        room=room,
        start=parse_time(args.start) if args.start else None,
        end=parse_time(args.end) if args.end else None,
        include_archived=args.archived,
        k=args.k,
        order="score" if args.text else "newest",
    )
    memory = _open(args)
    for r in memory.search(query):
        e = r.episode
        if args.json:
            print(json.dumps({**r.brief(), "importance": e.importance, "archived": e.archived}))
            continue
        extra = []
        if e.people:
            extra.append("people: " + ", ".join(e.people))
        if e.objects:
            extra.append("objects: " + ", ".join(e.objects))
        if e.outcome:
            extra.append(f"{e.skill or e.kind}: {e.outcome}")
        tail = f"  [{'; '.join(extra)}]" if extra else ""
        mark = " (archived)" if e.archived else ""
        print(
            f"{r.score:.3f}  {format_time(e.time)}  floor {e.floor} {e.room}: "
            f"{e.caption}{tail}{mark}"
        )
    return 0


def _stats(args: argparse.Namespace) -> int:
    memory = _open(args)
    stats = memory.stats()
    if args.json:
        print(stats.model_dump_json(indent=2))
        return 0
    print(f"memory at {stats.location} ({stats.model}, {stats.dimension} dimensions)")
    print(f"episodes: {stats.episodes} ({stats.archived} archived), facts: {stats.facts}")
    if stats.first_time is not None and stats.last_time is not None:
        print(f"from {format_time(stats.first_time)} to {format_time(stats.last_time)}")
    for title, table in (
        ("by floor", stats.by_floor),
        ("by room", stats.by_room),
        ("by kind", stats.by_kind),
        ("by source", stats.by_source),
    ):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in table.items()))
    return 0


def _reembed(args: argparse.Namespace) -> int:
    source = _open(args)
    target = EpisodicMemory(source.clock, args.out, embedder=embedder(args.to))
    copied = source.reembed_into(target, progress=True)
    print(
        f"re-embedded {copied} episodes from {source.location} ({source.embedder.id}) "
        f"into {target.location} ({target.embedder.id})"
    )
    return 0
