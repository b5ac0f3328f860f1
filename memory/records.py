"""How an :class:`~pepa.messages.Experience` is laid out as a ChromaDB record.

The caption is the document (the embedded text); every other field is a flat metadata value,
so the filters of the query tools run inside ChromaDB. People and objects are string arrays
(matched with ``$contains``); ``hour`` is stored for time-of-day statistics. Fields without a
special layout (skill, outcome, goal_id, request_id, battery, and any added later) are stored
as they are when scalar, or as JSON, so a record always reads back to the same experience.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pepa.clock import hour_of_day
from pepa.messages import Experience, Pose

_LISTS = ("people", "objects")
_LAID_OUT = frozenset(
    {"id", "caption", "pose", "time", "day", "floor", "room", "kind", "importance", "source"}
    | {"archived", "schema_version", *_LISTS}
)
_PLAIN = tuple(name for name in Experience.model_fields if name not in _LAID_OUT)
_JSON_PREFIX = "json:"


def to_metadata(exp: Experience) -> dict[str, Any]:
    """Flat metadata for ChromaDB: no None values and no empty arrays (it rejects both)."""
    meta: dict[str, Any] = {
        "time": float(exp.time),
        "hour": hour_of_day(exp.time),
        "day": exp.day,
        "floor": exp.floor,
        "room": exp.room,
        "x": float(exp.pose.x),
        "y": float(exp.pose.y),
        "theta": float(exp.pose.theta),
        "kind": exp.kind,
        "importance": float(exp.importance),
        "source": exp.source.value,
        "archived": exp.archived,
        "n_people": len(exp.people),
    }
    for name in _PLAIN:
        value = getattr(exp, name)
        if value is None:
            continue
        if isinstance(value, str | int | float | bool):
            meta[name] = value
        else:  # a structured field: kept whole, as JSON
            meta[_JSON_PREFIX + name] = json.dumps(
                exp.model_dump(mode="json", include={name})[name]
            )
    for name in _LISTS:
        values = getattr(exp, name)
        if values:
            meta[name] = list(values)
    return meta


def from_record(episode_id: str, caption: str, meta: Mapping[str, Any]) -> Experience:
    """The experience back from a stored record; a damaged record fails validation loudly."""
    plain = {name: meta[name] for name in _PLAIN if name in meta}
    plain.update(
        {
            name: json.loads(str(meta[_JSON_PREFIX + name]))
            for name in _PLAIN
            if _JSON_PREFIX + name in meta
        }
    )
    try:
        return Experience(
            id=episode_id,
            time=meta["time"],
            day=meta["day"],
            floor=meta["floor"],
            room=meta["room"],
            pose=Pose(x=meta["x"], y=meta["y"], theta=meta["theta"], floor=meta["floor"]),
            kind=meta["kind"],
            people=list(meta.get("people") or []),
            objects=list(meta.get("objects") or []),
            caption=caption,
            importance=meta["importance"],
            source=meta["source"],
            archived=bool(meta["archived"]),
            **plain,
        )
    except KeyError as exc:
        raise ValueError(f"stored episode {episode_id!r} lacks metadata field {exc}") from exc
