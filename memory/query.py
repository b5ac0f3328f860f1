"""The query tools' arguments and answers, as pydantic models.

Sys2, Sys3 and (through :mod:`pepa.memory.tools`) an LLM ask the memory with these: by text, by
place, by time, or all combined in :class:`MemoryQuery`. Every field is validated, so a bad
tool call from an LLM is rejected with the field's name instead of silently matching nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pepa.messages import Experience, ExperienceSource, Level

Seconds = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
TopK = Annotated[int, Field(ge=1, le=200, description="how many episodes to return")]
Order = Literal["score", "newest", "oldest"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Near(_Args):
    """A disc on one floor: episodes whose pose lies within ``radius_m`` of (x, y)."""

    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)
    floor: Level
    radius_m: float = Field(gt=0.0, le=1000.0, allow_inf_nan=False)


class MemoryQuery(_Args):
    """Every filter at once; unset fields do not filter."""

    text: str | None = Field(default=None, max_length=2000, description="what to recall")
    floor: Level | None = None
    room: str | None = Field(default=None, min_length=1, max_length=64)
    near: Near | None = None
    start: Seconds | None = Field(default=None, description="from this simulated time (s)")
    end: Seconds | None = Field(default=None, description="up to this simulated time (s)")
    kinds: list[str] = Field(default_factory=list, max_length=16)
    sources: list[ExperienceSource] = Field(default_factory=list)
    person: str | None = Field(default=None, min_length=1, max_length=64)
    object: str | None = Field(default=None, min_length=1, max_length=64)
    include_archived: bool = False
    k: TopK = 10
    order: Order = Field(default="score", description="score, or by time: newest / oldest")

    @model_validator(mode="after")
    def _consistent(self) -> MemoryQuery:
        if self.text is not None and not self.text.strip():
            raise ValueError("text: the query text is empty")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.near is not None and self.floor is not None and self.near.floor != self.floor:
            raise ValueError(f"near.floor ({self.near.floor}) differs from floor ({self.floor})")
        return self


class TextQuery(_Args):
    """Recall by meaning, e.g. 'the printer jammed'."""

    text: str = Field(min_length=1, max_length=2000)
    floor: Level | None = None
    room: str | None = Field(default=None, min_length=1, max_length=64)
    include_archived: bool = False
    k: TopK = 10

    def to_query(self) -> MemoryQuery:
        return MemoryQuery(**self.model_dump())


class PlaceQuery(_Args):
    """Recall what happened at a place: a room, a floor, or near a point."""

    floor: Level | None = None
    room: str | None = Field(default=None, min_length=1, max_length=64)
    near: Near | None = None
    person: str | None = Field(default=None, min_length=1, max_length=64)
    object: str | None = Field(default=None, min_length=1, max_length=64)
    include_archived: bool = False
    k: TopK = 10
    order: Order = "newest"

    @model_validator(mode="after")
    def _some_place(self) -> PlaceQuery:
        if self.floor is None and self.room is None and self.near is None:
            raise ValueError("a place query needs floor, room or near")
        return self

    def to_query(self) -> MemoryQuery:
        return MemoryQuery(**self.model_dump())


class TimeQuery(_Args):
    """Recall what happened between two simulated times."""

    start: Seconds
    end: Seconds
    floor: Level | None = None
    room: str | None = Field(default=None, min_length=1, max_length=64)
    include_archived: bool = False
    k: TopK = 50
    order: Order = "oldest"

    def to_query(self) -> MemoryQuery:
        return MemoryQuery(**self.model_dump())


class Recall(BaseModel):
    """One answer: the episode and why it ranked where it did."""

    model_config = ConfigDict(extra="forbid")
    episode: Experience
    score: float
    recency: float
    importance: float
    relevance: float | None = None
    distance_m: float | None = None

    def brief(self) -> dict[str, Any]:
        """A compact form for an LLM's context window."""
        e = self.episode
        out: dict[str, Any] = {
            "id": e.id,
            "time": e.time,
            "floor": e.floor,
            "room": e.room,
            "kind": e.kind,
            "caption": e.caption,
            "score": round(self.score, 4),
        }
        for name in ("skill", "outcome"):
            if getattr(e, name):
                out[name] = getattr(e, name)
        if e.people:
            out["people"] = e.people
        if e.objects:
            out["objects"] = e.objects
        return out
