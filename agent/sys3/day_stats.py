"""Statistics of one day's episodes: the evidence behind daily goals and the reflection.

Sys3's offline engine never reads captions for meaning; it counts what the episodes record.
The episode vocabulary it relies on (what Sys1/Sys2 record):

- a skill outcome: ``skill`` set and ``outcome`` one of ``success`` / ``failure`` /
  ``cancelled`` (a skill start has no outcome, or ``started``); a failure's reason is its
  caption;
- a percept: ``people`` and ``objects`` seen in ``room``;
- a request: ``kind == "request"``, ``outcome`` a request state (``queued``, ``accepted``,
  ``deferred``, ``declined``, ``done``, ``failed``…), ``request_id`` and the sender in
  ``people``;
- ``kind == "safety"``: a safety-guard override;
- any episode may carry ``battery`` (0..1) and ``goal_id`` (the daily goal being pursued).

Every statistic keeps the ids of the episodes behind it, so insights can cite their evidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from pepa.clock import hour_of_day
from pepa.knowledge import SKILLS
from pepa.messages import Experience

FAILURE = "failure"
SUCCESS = "success"
SKILL_OUTCOMES = frozenset({SUCCESS, FAILURE, "cancelled"})
GREETING_SKILLS = frozenset({"greet", "approach_person", "speak"})
REQUEST_AFTER_GREETING_S = 1800.0
LOW_BATTERY_AFTER_EXPLORE_S = 3600.0
MAX_GAP_S = 1800.0
EVIDENCE_CAP = 12


class GoalOutcome(BaseModel):
    """How a daily goal fared: how often it fired and what it led to."""

    model_config = ConfigDict(extra="forbid")
    attempts: int = 0
    successes: int = 0
    failures: int = 0
    social: int = 0
    episode_ids: list[str] = Field(default_factory=list)

    @property
    def success_rate(self) -> float:
        return self.successes / self.attempts if self.attempts else 0.0


class DayStats(BaseModel):
    """Counts over one day; maps are keyed by place, person, skill or category name."""

    model_config = ConfigDict(extra="forbid")
    day: int
    episodes: int = 0
    first_h: float | None = None
    last_h: float | None = None
    place_visits: dict[str, int] = Field(default_factory=dict)
    new_places: list[str] = Field(default_factory=list)
    floors: list[int] = Field(default_factory=list)
    # room -> person -> sightings; room -> hour of day -> sightings
    sightings: dict[str, dict[str, int]] = Field(default_factory=dict)
    sighting_hours: dict[str, dict[int, int]] = Field(default_factory=dict)
    objects_seen: dict[str, int] = Field(default_factory=dict)
    objects_inspected: list[str] = Field(default_factory=list)
    skill_attempts: dict[str, int] = Field(default_factory=dict)
    skill_failures: dict[str, int] = Field(default_factory=dict)
    failure_reasons: dict[str, list[str]] = Field(default_factory=dict)
    failure_places: dict[str, int] = Field(default_factory=dict)
    category_time_s: dict[str, float] = Field(default_factory=dict)
    social_interactions: int = 0
    expressions: int = 0
    expressions_with_people: int = 0
    greetings_then_requests: int = 0
    requests: dict[str, int] = Field(default_factory=dict)
    request_places: dict[str, int] = Field(default_factory=dict)
    request_hours: dict[int, int] = Field(default_factory=dict)
    battery_min: float | None = None
    battery_lows: int = 0
    charges: int = 0
    explore_failures: int = 0
    lows_after_explore: int = 0
    safety_events: int = 0
    goals: dict[str, GoalOutcome] = Field(default_factory=dict)
    evidence: dict[str, list[str]] = Field(default_factory=dict)

    # --- derived views ----------------------------------------------------------------------

    @property
    def active_hours(self) -> float:
        if self.first_h is None or self.last_h is None:
            return 0.0
        return max(0.0, self.last_h - self.first_h)

    @property
    def failures(self) -> int:
        return sum(self.skill_failures.values())

    @property
    def attempts(self) -> int:
        return sum(self.skill_attempts.values())

    @property
    def requests_received(self) -> int:
        return self.requests.get("queued", 0)

    @property
    def requests_missed(self) -> int:
        return sum(self.requests.get(s, 0) for s in ("failed", "declined", "deferred"))

    def time_share(self) -> dict[str, float]:
        total = sum(self.category_time_s.values())
        return {c: t / total for c, t in self.category_time_s.items()} if total else {}

    def busiest(self) -> list[tuple[str, int, int]]:
        """(room, hour, sightings), busiest first; ties broken by name for determinism."""
        rows = [(r, h, n) for r, hours in self.sighting_hours.items() for h, n in hours.items()]
        return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))

    def regular(self, room: str) -> str | None:
        """The person most often seen in ``room``."""
        people = self.sightings.get(room)
        if not people:
            return None
        return sorted(people.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def cite(self, key: str) -> list[str]:
        return list(self.evidence.get(key, []))


class _Builder:
    def __init__(self, day: int, reserve: float) -> None:
        self.s = DayStats(day=day)
        self.reserve = reserve
        self.evidence: dict[str, list[str]] = defaultdict(list)

    def note(self, key: str, ep: Experience) -> None:
        ids = self.evidence[key]
        if len(ids) < EVIDENCE_CAP and ep.id not in ids:
            ids.append(ep.id)


def _bump(d: dict, key: object, by: float = 1) -> None:  # type: ignore[type-arg]
    d[key] = d.get(key, 0) + by


def compute(
    episodes: Iterable[Experience], day: int, reserve: float, known_places: set[str] | None = None
) -> DayStats:
    """The statistics of ``day`` from its episodes; ``known_places`` = visited before today."""
    eps = sorted((e for e in episodes if e.day == day), key=lambda e: (e.time, e.id))
    b = _Builder(day, reserve)
    s = b.s
    s.episodes = len(eps)
    if not eps:
        return s
    s.first_h, s.last_h = hour_of_day(eps[0].time), hour_of_day(eps[-1].time)
    before = known_places or set()
    floors: set[int] = set()
    last_greeting: dict[str, float] = {}
    last_explore_t: float | None = None
    seen_requests: set[tuple[str, str]] = set()
    inspected: set[str] = set()
    for i, ep in enumerate(eps):
        floors.add(ep.floor)
        _bump(s.place_visits, ep.room)
        if ep.room not in before and ep.room not in s.new_places and ep.kind != "reflection":
            s.new_places.append(ep.room)
            b.note("new_places", ep)
        hour = int(hour_of_day(ep.time))
        for person in ep.people:
            room_people = s.sightings.setdefault(ep.room, {})
            _bump(room_people, person)
            _bump(s.sighting_hours.setdefault(ep.room, {}), hour)
            b.note(f"sighting:{ep.room}", ep)
        for obj in ep.objects:
            _bump(s.objects_seen, obj)
        if ep.battery is not None:
            s.battery_min = ep.battery if s.battery_min is None else min(s.battery_min, ep.battery)
            if ep.battery < reserve:
                s.battery_lows += 1
                b.note("battery_low", ep)
                if last_explore_t is not None and (
                    ep.time - last_explore_t <= LOW_BATTERY_AFTER_EXPLORE_S
                ):
                    s.lows_after_explore += 1
                    b.note("explore_cost", ep)
        if ep.kind == "safety":
            s.safety_events += 1
            b.note("safety", ep)
        if ep.kind == "request" and ep.outcome:
            _count_request(b, ep, seen_requests, last_greeting, hour)
        spec = SKILLS.get(ep.skill) if ep.skill else None
        if spec is not None:
            nxt = eps[i + 1].time if i + 1 < len(eps) else ep.time
            _bump(s.category_time_s, spec.category, min(MAX_GAP_S, nxt - ep.time))
            if spec.category == "explore":
                last_explore_t = ep.time
        if spec is not None and ep.outcome in SKILL_OUTCOMES:
            _count_skill(b, ep, spec.category, last_greeting, inspected)
        if ep.goal_id:
            g = s.goals.setdefault(ep.goal_id, GoalOutcome())
            if ep.outcome in SKILL_OUTCOMES:
                g.attempts += 1
                g.successes += ep.outcome == SUCCESS
                g.failures += ep.outcome == FAILURE
            g.social += bool(ep.people)
            if len(g.episode_ids) < EVIDENCE_CAP:
                g.episode_ids.append(ep.id)
    s.floors = sorted(floors)
    s.objects_inspected = sorted(inspected)
    s.evidence = dict(b.evidence)
    return s


def _count_request(
    b: _Builder,
    ep: Experience,
    seen: set[tuple[str, str]],
    last_greeting: dict[str, float],
    hour: int,
) -> None:
    s = b.s
    key = (ep.request_id or ep.id, str(ep.outcome))
    if key in seen:
        return
    seen.add(key)
    _bump(s.requests, str(ep.outcome))
    b.note(f"request:{ep.outcome}", ep)
    if ep.outcome == "queued":
        _bump(s.request_places, ep.room)
        _bump(s.request_hours, hour)
        for person in ep.people:
            t = last_greeting.get(person)
            if t is not None and ep.time - t <= REQUEST_AFTER_GREETING_S:
                s.greetings_then_requests += 1
                b.note("greeting_request", ep)
                break


def _count_skill(
    b: _Builder,
    ep: Experience,
    category: str,
    last_greeting: dict[str, float],
    inspected: set[str],
) -> None:
    s = b.s
    skill = str(ep.skill)
    _bump(s.skill_attempts, skill)
    if ep.outcome == FAILURE:
        _bump(s.skill_failures, skill)
        reasons = s.failure_reasons.setdefault(skill, [])
        if ep.caption not in reasons and len(reasons) < 5:
            reasons.append(ep.caption)
        _bump(s.failure_places, ep.room)
        b.note(f"failure:{skill}", ep)
        if category == "explore":
            s.explore_failures += 1
            b.note("explore_cost", ep)
        return
    if ep.outcome != SUCCESS:
        return
    if category == "social":
        s.social_interactions += 1
        b.note("social", ep)
        if skill in GREETING_SKILLS:
            for person in ep.people:
                last_greeting[person] = ep.time
            b.note("greeting", ep)
    if category == "explore":
        b.note("explore", ep)
    if skill == "express":
        s.expressions += 1
        if ep.people:
            s.expressions_with_people += 1
            b.note("play_social", ep)
        else:
            b.note("play_alone", ep)
    if skill == "inspect":
        inspected.update(ep.objects)
    if skill == "dock_and_charge":
        s.charges += 1
        b.note("charge", ep)
    if category == "requests":
        b.note("task", ep)


def counter_top(counts: dict[str, int], n: int) -> list[str]:
    """The ``n`` most frequent keys, ties broken by name."""
    return [k for k, _ in sorted(Counter(counts).items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
