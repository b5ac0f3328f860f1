"""Episode streams as files (one JSON Experience per line), and the world they imply.

Lets a recorded or synthetic stream of days be replayed through Sys3, e.g. to compare the five
personalities' reflections on the same days.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from pepa.knowledge import DOCK_PLACE_KIND, WorldKnowledge
from pepa.messages import Experience, Place


def read_episodes(path: Path) -> list[Experience]:
    """Every episode of a JSON-lines file; an invalid line is an error naming file and line."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such episode file")
    out: list[Experience] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(Experience.model_validate_json(line))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(line)"
            raise ValueError(f"{path}:{n}: {where}: {err['msg']}") from None
    if not out:
        raise ValueError(f"{path}: no episodes")
    return sorted(out, key=lambda e: e.time)


def write_episodes(path: Path, episodes: list[Experience]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(e.to_json() + "\n" for e in episodes), encoding="utf-8")


def world_from_episodes(episodes: list[Experience]) -> WorldKnowledge:
    """The places, people, objects and floors the episodes mention (for replays without a map).

    A room's kind is guessed from its name (``kitchen_1`` → ``kitchen``); the first room the
    stream starts in is taken for the dock when no room is called that.
    """
    places: dict[str, Place] = {}
    for e in episodes:
        if e.room not in places:
            kind = e.room.rstrip("_0123456789") or "room"
            places[e.room] = Place(name=e.room, floor=e.floor, kind=kind[:32], pose=e.pose)
    if places and not any(p.kind == DOCK_PLACE_KIND for p in places.values()):
        first = places[episodes[0].room]
        places[first.name] = first.model_copy(update={"kind": DOCK_PLACE_KIND})
    return WorldKnowledge(
        places=places,
        people=sorted({p for e in episodes for p in e.people}),
        objects=sorted({o for e in episodes for o in e.objects}),
        floors=sorted({e.floor for e in episodes}),
    )
