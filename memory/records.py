"""How an :class:`~agent.messages.Experience` is laid out as a ChromaDB record.

The caption is the document (the embedded text); every other field is a flat metadata value,
so the filters of the query tools run inside ChromaDB. People and objects are string arrays
(matched with ``$contains``); ``hour`` is stored for time-of-day statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.clock import hour_of_day
from agent.messages import Experience, Pose

_OPTIONAL_TEXT = ("skill", "outcome", "goal_id", "request_id", "battery")
_LISTS = ("people", "objects")


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
    for name in _OPTIONAL_TEXT:
        value = getattr(exp, name)
        if value is not None:
            meta[name] = value
    for name in _LISTS:
        values = getattr(exp, name)
        if values:
            meta[name] = list(values)
    return meta


def from_record(episode_id: str, caption: str, meta: Mapping[str, Any]) -> Experience:
    """The experience back from a stored record; a damaged record fails validation loudly."""
    try:
        return Experience(
            id=episode_id,
            time=meta["time"],
            day=meta["day"],
            floor=meta["floor"],
            room=meta["room"],
            pose=Pose(x=meta["x"], y=meta["y"], theta=meta["theta"], floor=meta["floor"]),
            kind=meta["kind"],
            skill=meta.get("skill"),
            outcome=meta.get("outcome"),
            goal_id=meta.get("goal_id"),
            request_id=meta.get("request_id"),
            battery=meta.get("battery"),
            people=list(meta.get("people") or []),
            objects=list(meta.get("objects") or []),
            caption=caption,
            importance=meta["importance"],
            source=meta["source"],
            archived=bool(meta["archived"]),
        )
    except KeyError as exc:
        raise ValueError(f"stored episode {episode_id!r} lacks metadata field {exc}") from exc
