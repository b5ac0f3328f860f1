"""The console's one backend contract, and the views it hands to the pages.

The web console serves the same pages whether the agent runs in this process (``pepa console``)
or as ROS 2 nodes behind a console bridge (``pepa run``): both implement
:class:`ConsoleBackend`. The web layer never reaches past it, so nothing in ``agent/console``
besides the in-process backend knows how the agent is assembled.

Implementations signal a missing thing with :class:`NotFoundError`, a refused input with
:class:`RefusedError` (naming the field at fault) and a valid input that cannot be done now with
:class:`ConflictError`; the web layer turns them into 404, 422 and 409.
Backend methods may be called from several threads at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pepa.memory.query import MemoryQuery
from pepa.messages import (
    AgentStatus,
    CandidateScore,
    ElevatorStatus,
    Experience,
    Reflection,
    RequestPriority,
    UserRequest,
)

log = logging.getLogger(__name__)


class NotFoundError(LookupError):
    """A request, episode, day, floor or personality the backend does not know."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident!s} not found")
        self.what = what
        self.ident = ident


class RefusedError(ValueError):
    """An input the backend will not take; ``field`` names what was wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ConflictError(RefusedError):
    """An input that is valid but not now, e.g. cancelling a request that is already done."""


class View(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- live view --------------------------------------------------------------------------------


class PersonView(View):
    id: str
    name: str
    floor: int
    x: float
    y: float
    heading: float = 0.0


class DecisionView(View):
    """The decision behind the current plan, with the reasons a person can read."""

    id: str
    time: float
    kind: str
    label: str
    explanation: str
    candidates: list[CandidateScore] = Field(default_factory=list)


class LiveStatus(View):
    """Everything the live page shows, in one snapshot."""

    agent: AgentStatus
    time_text: str = Field(description="simulated time for people, e.g. 'day 0 Mon 09:30:00'")
    day: int = Field(ge=0)
    people: list[PersonView] = Field(default_factory=list)
    elevators: list[ElevatorStatus] = Field(default_factory=list)
    decision: DecisionView | None = None
    goal_text: str | None = Field(default=None, description="what the current plan serves")
    speed: float = Field(default=1.0, description="simulated seconds per wall second")
    running: bool = True


class Footprint(View):
    """Something's rectangle on the map (metres): an elevator shaft, coloured by the car's
    state, or a room, shaded by the time spent there."""

    id: str
    name: str
    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of(cls, ident: str, name: str, rect: tuple[float, float, float, float]) -> Footprint:
        x0, y0, x1, y1 = rect
        return cls(id=ident, name=name, x0=x0, y0=y0, x1=x1, y1=y1)


class FloorInfo(View):
    """How to place map coordinates (metres, ``map`` frame) on a floor's map image."""

    floor: int = Field(description="the building's level; basements are negative")
    name: str
    origin_x: float = Field(description="map x of the image's left edge")
    origin_y: float = Field(description="map y of the image's bottom edge")
    width_m: float = Field(gt=0)
    height_m: float = Field(gt=0)
    image_width: int = Field(gt=0)
    image_height: int = Field(gt=0)
    elevators: list[Footprint] = Field(default_factory=list)
    rooms: list[Footprint] = Field(default_factory=list)


class Directory(View):
    """Names a request may be addressed to (the form offers them; free text is allowed)."""

    places: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)


# --- what the robot sees, where it went, what it did ------------------------------------------


class MarkerView(View):
    """A marker the detector found in the frame, outlined in the served image's pixels."""

    marker_id: int
    kind: str = Field(description="landmark, person, elevator_panel or object")
    name: str = Field(description="who or what the marker belongs to, for people")
    corners: list[tuple[float, float]] = Field(min_length=4, max_length=4)


class CameraView(View):
    """The latest camera frame, downscaled to ``width``, with the markers detected in it."""

    time: float = Field(description="simulated time the frame was taken")
    floor: int
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    image: str = Field(description="the frame as a data URL (JPEG)")
    markers: list[MarkerView] = Field(default_factory=list)


class TrailPoint(View):
    """One kept pose of the robot (kept when it moved, turned or time passed)."""

    t: float
    floor: int
    x: float
    y: float
    battery: float = Field(ge=0.0, le=1.0)


class ActivitySpan(View):
    """What the robot was busy with from ``start`` to ``end``."""

    start: float
    end: float
    category: str = Field(description="requests, move, social, look, body, charge, idle…")
    label: str = ""
    kind: str = Field(default="idle", description="request, goal, need, idle, routine…")


class RequestMark(View):
    """A request of the day, placed on the timeline when it arrived."""

    id: str
    time: float
    text: str
    state: str
    sender: str


class PlaceTime(View):
    """Time spent in one room (or between rooms, ``room`` None) of one floor."""

    floor: int
    room: str | None
    seconds: float = Field(ge=0.0)


class DayGlance(View):
    """A day at a glance: activities, requests, time per place and the battery."""

    day: int = Field(ge=0)
    start: float
    end: float
    live: bool = Field(description="the day is still going on")
    activities: list[ActivitySpan] = Field(default_factory=list)
    requests: list[RequestMark] = Field(default_factory=list)
    places: list[PlaceTime] = Field(default_factory=list)
    battery: list[tuple[float, float]] = Field(
        default_factory=list, description="(time, state of charge), thinned for a small chart"
    )


# --- memory -----------------------------------------------------------------------------------


class MemorySearch(View):
    """One memory search: by text, by place, by time window, or several at once."""

    text: str | None = Field(default=None, max_length=500)
    place: str | None = Field(default=None, max_length=64)
    floor: int | None = Field(default=None, ge=-200, le=200)
    start: float | None = Field(default=None, ge=0, description="simulated seconds")
    end: float | None = Field(default=None, ge=0, description="simulated seconds")
    k: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _something_asked(self) -> MemorySearch:
        if self.text is not None and not self.text.strip():
            self.text = None
        if self.place is not None and not self.place.strip():
            self.place = None
        if (self.start is None) != (self.end is None):
            raise ValueError("a time window needs both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.text is None and self.place is None and self.floor is None and self.start is None:
            raise ValueError("give a text, a place, a floor or a time window to search")
        return self

    def to_query(self) -> MemoryQuery:
        """The memory's own query: archived episodes included, best match (or newest) first."""
        return MemoryQuery(
            text=self.text,
            room=self.place,
            floor=self.floor,
            start=self.start,
            end=self.end,
            include_archived=True,
            k=self.k,
            order="score" if self.text else "newest",
        )


class MemoryHit(View):
    episode: Experience
    score: float | None = None


# --- reflections ------------------------------------------------------------------------------


class ReflectionBrief(View):
    day: int = Field(ge=0)
    personality: str
    summary: str
    insights: int = Field(ge=0)
    feedback: int = Field(ge=0, description="reviewer notes left on this day")
    source: str


class ReflectionDay(View):
    """One day of the reflection log, with what changed since the day before."""

    reflection: Reflection
    previous_day: int | None = None
    changes: list[str] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list)


# --- personality ------------------------------------------------------------------------------


class PersonalityView(View):
    name: str
    description: str = ""
    big_five: dict[str, float] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict, description="reward weights now")
    preferred_skills: list[str] = Field(default_factory=list)
    request_policy: str = ""
    battery_reserve: float = 0.0
    ultimate_goal: str | None = None
    active: bool = False


# --- pushed updates ---------------------------------------------------------------------------

EventKind = Literal["status", "request", "personality", "reflection", "feedback"]


class ConsoleEvent(View):
    """One pushed update; ``data`` is the changed object (a LiveStatus, a UserRequest, …)."""

    kind: EventKind
    data: dict[str, Any]


Unsubscribe = Callable[[], None]


class Subscribers:
    """The event streams a backend pushes to: one failing listener never stops the others."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[ConsoleEvent], None]] = []
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._callbacks)

    def add(self, callback: Callable[[ConsoleEvent], None]) -> Unsubscribe:
        with self._lock:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def push(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        event = ConsoleEvent(kind=kind, data=data)
        for cb in callbacks:
            try:
                cb(event)
            except Exception:
                log.exception("console subscriber failed")


@runtime_checkable
class ConsoleBackend(Protocol):
    """What the console pages need from a running agent."""

    # live
    def status(self) -> LiveStatus: ...

    def floors(self) -> list[FloorInfo]: ...

    def floor_map_png(self, floor: int) -> bytes:
        """The floor's static map (walls, rooms, doors) as PNG; live things are drawn on top."""
        ...

    def directory(self) -> Directory: ...

    def camera(self, width: int) -> CameraView:
        """The latest camera frame at ``width`` pixels (never wider than the camera's own),
        with its detected markers; :class:`NotFoundError` before the first frame."""
        ...

    def trail(self, seconds: float) -> list[TrailPoint]:
        """Where the robot went in the last ``seconds`` of simulated time, oldest first."""
        ...

    def day_glance(self, day: int) -> DayGlance:
        """The day at a glance (the current day so far, or a past day the agent kept)."""
        ...

    # requests
    def submit_request(
        self,
        text: str,
        place: str | None = None,
        person: str | None = None,
        priority: RequestPriority = RequestPriority.NORMAL,
    ) -> UserRequest: ...

    def cancel_request(self, request_id: str) -> UserRequest: ...

    def requests(self) -> list[UserRequest]: ...

    def request(self, request_id: str) -> UserRequest: ...

    # memory
    def search_memory(self, query: MemorySearch) -> list[MemoryHit]: ...

    def episode(self, episode_id: str) -> Experience: ...

    # reflections
    def reflection_days(self) -> list[ReflectionBrief]: ...

    def reflection(self, day: int) -> ReflectionDay: ...

    def write_feedback(self, day: int, text: str) -> list[str]:
        """Store a reviewer's note on ``day`` (Sys3 reads it when it next reflects)."""
        ...

    # personality
    def personality(self) -> PersonalityView: ...

    def personalities(self) -> list[PersonalityView]: ...

    def switch_personality(self, name: str, reason: str = "") -> PersonalityView:
        """Switch to ``name``; the switch is recorded as an event in memory."""
        ...

    # pushed updates
    def subscribe(self, callback: Callable[[ConsoleEvent], None]) -> Unsubscribe:
        """Call ``callback`` (from any thread) on every update until unsubscribed."""
        ...
