"""End-of-day consolidation: statistics over episodes become semantic facts with provenance.

Each fact is a regularity with enough support in the last ``lookback_days`` days, and names
the episodes it rests on. The kinds:

* ``busy_place``      people were seen on most visits to a room at an hour of the day
                      ("the kitchen on floor 2 is busy around 12:00");
* ``slow_elevator``   most rides of an elevator in a part of the day were slow
                      ("elevator B is often slow in the morning");
* ``failure_place``   a skill failed on most tries in a room;
* ``person_routine``  a person was met in the same room at the same hour on several days;
* ``object_location`` where an object is usually seen.

Conventions for Sys1's episodes: an elevator ride has ``skill == "ride_elevator"`` (or
``kind == "elevator"``), names the elevator among its objects (``"elevator B"``), and is slow
when its outcome is one of :data:`SLOW_OUTCOMES` or reads ``"waited N s"`` with N at or above
``slow_wait_s``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.clock import hour_of_day
from pepa.memory.importance import FAILURE_OUTCOMES
from pepa.messages import Experience

FactKind = Literal[
    "busy_place", "slow_elevator", "failure_place", "person_routine", "object_location"
]
SLOW_OUTCOMES = frozenset({"slow", "timeout", "failure", "failed"})
ELEVATOR_SKILLS = frozenset({"ride_elevator"})
_WAITED = re.compile(r"wait(?:ed)?\s*(\d+(?:\.\d+)?)\s*s\b")
PARTS_OF_DAY: tuple[tuple[str, float, float], ...] = (
    ("night", 0.0, 6.0),
    ("morning", 6.0, 12.0),
    ("afternoon", 12.0, 18.0),
    ("evening", 18.0, 24.0),
)


class ConsolidationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lookback_days: int = Field(default=7, ge=1, le=365)
    min_support: int = Field(default=3, ge=1, description="episodes a fact must rest on")
    busy_share: float = Field(default=0.6, gt=0.0, le=1.0, description="visits with people")
    slow_share: float = Field(default=0.5, gt=0.0, le=1.0, description="rides that were slow")
    slow_wait_s: float = Field(default=60.0, gt=0.0, allow_inf_nan=False)
    failure_share: float = Field(default=0.5, gt=0.0, le=1.0)
    routine_days: int = Field(default=2, ge=1, description="distinct days for a routine")
    archive_after_days: float = Field(default=14.0, gt=0.0, allow_inf_nan=False)
    archive_below_importance: float = Field(default=0.3, ge=0.0, le=1.0)


class SemanticFact(BaseModel):
    """A consolidated fact; ``episode_ids`` are the episodes it was drawn from."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: FactKind
    text: str = Field(min_length=1)
    subject: str
    floor: int | None = None
    room: str | None = None
    hour: int | None = None
    day: int = Field(ge=0, description="the day it was last consolidated")
    support: int = Field(ge=1)
    share: float = Field(ge=0.0, le=1.0)
    episode_ids: list[str] = Field(min_length=1)


def fact_id(kind: str, key: str) -> str:
    """Stable per regularity, so tomorrow's consolidation updates today's fact in place."""
    return f"fact-{kind}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def part_of_day(t: float) -> str:
    h = hour_of_day(t)
    return next(name for name, lo, hi in PARTS_OF_DAY if lo <= h < hi)


def _place(floor: int, room: str) -> str:
    return f"the {room} on floor {floor}"


def elevator_name(exp: Experience) -> str | None:
    """The elevator an episode is about, or None if it is not an elevator ride."""
    if exp.skill not in ELEVATOR_SKILLS and exp.kind != "elevator":
        return None
    named = [o for o in exp.objects if o.lower().startswith("elevator")]
    if named:
        return named[0]
    return exp.room if exp.room.lower().startswith("elevator") else "the elevator"


def is_slow(exp: Experience, slow_wait_s: float) -> bool:
    outcome = (exp.outcome or "").strip().lower()
    if outcome in SLOW_OUTCOMES:
        return True
    match = _WAITED.search(outcome)
    return match is not None and float(match.group(1)) >= slow_wait_s


class Consolidator:
    """Derives the facts of a day from the episodes of its look-back window."""

    def __init__(self, config: ConsolidationConfig | None = None) -> None:
        self.config = config if config is not None else ConsolidationConfig()

    def derive(self, episodes: Iterable[Experience], day: int) -> list[SemanticFact]:
        eps = sorted(episodes, key=lambda e: (e.time, e.id))
        facts = [
            *self._busy_places(eps, day),
            *self._slow_elevators(eps, day),
            *self._failure_places(eps, day),
            *self._routines(eps, day),
            *self._object_locations(eps, day),
        ]
        return sorted(facts, key=lambda f: (f.kind, -f.support, f.text))

    def _fact(
        self,
        kind: FactKind,
        key: str,
        text: str,
        subject: str,
        support: Sequence[Experience],
        total: int,
        day: int,
        **where: int | str | None,
    ) -> SemanticFact:
        return SemanticFact(
            id=fact_id(kind, key),
            kind=kind,
            text=text,
            subject=subject,
            day=day,
            support=len(support),
            share=len(support) / total,
            episode_ids=[e.id for e in support],
            **where,
        )

    def _busy_places(self, eps: Sequence[Experience], day: int) -> list[SemanticFact]:
        cfg = self.config
        visits: dict[tuple[int, str, int], list[Experience]] = defaultdict(list)
        for e in eps:
            if elevator_name(e) is None:
                visits[(e.floor, e.room, int(hour_of_day(e.time)))].append(e)
        out = []
        for (floor, room, hour), group in sorted(visits.items()):
            social = [e for e in group if e.people]
            if len(social) >= cfg.min_support and len(social) / len(group) >= cfg.busy_share:
                out.append(
                    self._fact(
                        "busy_place",
                        f"{floor}/{room}/{hour}",
                        f"{_place(floor, room)} is busy around {hour:02d}:00",
                        room,
                        social,
                        len(group),
                        day,
                        floor=floor,
                        room=room,
                        hour=hour,
                    )
                )
        return out

    def _slow_elevators(self, eps: Sequence[Experience], day: int) -> list[SemanticFact]:
        cfg = self.config
        rides: dict[tuple[str, str], list[Experience]] = defaultdict(list)
        for e in eps:
            name = elevator_name(e)
            if name is not None:
                rides[(name, part_of_day(e.time))].append(e)
        out = []
        for (name, part), group in sorted(rides.items()):
            slow = [e for e in group if is_slow(e, cfg.slow_wait_s)]
            if len(slow) >= cfg.min_support and len(slow) / len(group) >= cfg.slow_share:
                out.append(
                    self._fact(
                        "slow_elevator",
                        f"{name}/{part}",
                        f"{name} is often slow in the {part}",
                        name,
                        slow,
                        len(group),
                        day,
                    )
                )
        return out

    def _failure_places(self, eps: Sequence[Experience], day: int) -> list[SemanticFact]:
        cfg = self.config
        tries: dict[tuple[int, str, str], list[Experience]] = defaultdict(list)
        for e in eps:
            if e.skill and e.outcome and elevator_name(e) is None:
                tries[(e.floor, e.room, e.skill)].append(e)
        out = []
        for (floor, room, skill), group in sorted(tries.items()):
            failed = [e for e in group if (e.outcome or "").lower() in FAILURE_OUTCOMES]
            if len(failed) >= cfg.min_support and len(failed) / len(group) >= cfg.failure_share:
                out.append(
                    self._fact(
                        "failure_place",
                        f"{floor}/{room}/{skill}",
                        f"{skill} often fails in {_place(floor, room)}",
                        skill,
                        failed,
                        len(group),
                        day,
                        floor=floor,
                        room=room,
                    )
                )
        return out

    def _routines(self, eps: Sequence[Experience], day: int) -> list[SemanticFact]:
        cfg = self.config
        met: dict[tuple[str, int, str, int], list[Experience]] = defaultdict(list)
        seen: dict[str, int] = defaultdict(int)
        for e in eps:
            for person in e.people:
                seen[person] += 1
                met[(person, e.floor, e.room, int(hour_of_day(e.time)))].append(e)
        out = []
        for (person, floor, room, hour), group in sorted(met.items()):
            days = {e.day for e in group}
            if len(days) >= cfg.routine_days and len(group) >= cfg.min_support:
                out.append(
                    self._fact(
                        "person_routine",
                        f"{person}/{floor}/{room}/{hour}",
                        f"{person} is often in {_place(floor, room)} around {hour:02d}:00",
                        person,
                        group,
                        seen[person],
                        day,
                        floor=floor,
                        room=room,
                        hour=hour,
                    )
                )
        return out

    def _object_locations(self, eps: Sequence[Experience], day: int) -> list[SemanticFact]:
        cfg = self.config
        where: dict[str, dict[tuple[int, str], list[Experience]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for e in eps:
            if elevator_name(e) is None:
                for obj in e.objects:
                    where[obj][(e.floor, e.room)].append(e)
        out = []
        for obj, places in sorted(where.items()):
            (floor, room), group = max(places.items(), key=lambda kv: (len(kv[1]), kv[0]))
            total = sum(len(g) for g in places.values())
            if len(group) >= cfg.min_support and len(group) / total > 0.5:
                out.append(
                    self._fact(
                        "object_location",
                        obj,
                        f"the {obj} is usually in {_place(floor, room)}",
                        obj,
                        group,
                        total,
                        day,
                        floor=floor,
                        room=room,
                    )
                )
        return out
