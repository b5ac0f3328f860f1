"""Sys1's lasting state between days: how often each cell was seen, and what was met where.

Sys1 is rebuilt each morning from the checkpoint; without these, every morning would find the
whole building unexplored and every colleague a stranger.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pepa.agent.sys1.perception import Belief, Track
from pepa.durable import write_json

STATE_FILE = Path("sys1") / "state.json"

TrackRow = tuple[int, float, float, float, str | None, float]


class Sys1State(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visit_counts: dict[int, list[list[int]]] = Field(default_factory=dict)
    people: dict[str, TrackRow] = Field(default_factory=dict)
    objects: dict[str, TrackRow] = Field(default_factory=dict)
    rooms_ever: list[str] = Field(default_factory=list)


def _row(t: Track) -> TrackRow:
    return (t.floor, t.x, t.y, t.time, t.room, t.first_seen)


def capture(sys1: object) -> Sys1State:
    visits = sys1.visits  # type: ignore[attr-defined]
    belief: Belief = sys1.perception.belief  # type: ignore[attr-defined]
    return Sys1State(
        visit_counts={f: fv.counts.tolist() for f, fv in visits.floors.items()},
        people={k: _row(v) for k, v in belief.people.items()},
        objects={k: _row(v) for k, v in belief.objects.items()},
        rooms_ever=sorted(belief.rooms_ever),
    )


def apply(sys1: object, state: Sys1State) -> None:
    """Load a captured state into a freshly built Sys1 (same building)."""
    visits = sys1.visits  # type: ignore[attr-defined]
    for floor, counts in state.visit_counts.items():
        fv = visits.floors.get(floor)
        arr = np.asarray(counts, dtype=np.int32)
        if fv is None or arr.shape != fv.counts.shape:
            raise ValueError(
                f"Sys1 state: the visit map of floor {floor} does not fit this building"
            )
        fv.load(arr)
    belief: Belief = sys1.perception.belief  # type: ignore[attr-defined]
    belief.people = {k: Track(*v) for k, v in state.people.items()}
    belief.objects = {k: Track(*v) for k, v in state.objects.items()}
    belief.rooms_ever = set(state.rooms_ever)


def save(data_dir: Path, state: Sys1State) -> None:
    write_json(data_dir / STATE_FILE, state.model_dump(mode="json"))


def load(data_dir: Path) -> Sys1State | None:
    path = data_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        return Sys1State.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise ValueError(f"{path}: not a valid Sys1 state ({exc})") from None
