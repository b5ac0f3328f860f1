"""The summary metrics of a run, computed from its trace and its requests.

They describe *how* a personality lives in the office: how far and where it goes (distance,
floors, rooms, coverage of the reachable floor area, how often it goes back to rooms it
already knows), how it shares its time between activity categories, how social it is, how it
treats requests and how it manages its battery. The same functions serve the experiment
command and the personality study (on traces rebuilt from episode logs).
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys1.visit_map import VisitMap
from pepa.agent.trace import DayTrace, PoseRow
from pepa.building.layout import Building
from pepa.building.occupancy import CSpace
from pepa.knowledge import SKILLS
from pepa.messages import RequestState, UserRequest

#: The activity categories of the skill catalogue, in report order; ``move`` is pure travel
#: (a plan that only goes somewhere) and ``idle`` is time with no plan at all.
CATEGORIES: tuple[str, ...] = (
    "explore",
    "social",
    "requests",
    "rest",
    "charge",
    "express",
    "move",
    "idle",
)
ROBOT_RADIUS_M = 0.3


class RequestCounts(BaseModel):
    """How the requests of the run fared; a request counts once per state it ever reached."""

    model_config = ConfigDict(extra="forbid")
    received: int = 0
    accepted: int = 0
    deferred: int = 0
    declined: int = 0
    clarification: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    open: int = 0


class DayMetrics(BaseModel):
    """One day's figures; ``coverage`` is cumulative (the run so far, up to this day)."""

    model_config = ConfigDict(extra="forbid")
    day: int
    distance_m: float
    rooms_visited: int
    floors_visited: int
    coverage: float
    battery_min: float
    skill_failures: int


class Summary(BaseModel):
    """``DIR/summary.json`` of an experiment."""

    model_config = ConfigDict(extra="forbid")
    personality: str
    seed: int
    days: int
    perception: str = "oracle"
    llm: str = "offline"
    distance_m: float
    floors_visited: int
    floors: list[int]
    rooms_visited: int
    coverage: float = Field(ge=0.0, le=1.0)
    revisit_ratio: float = Field(ge=0.0, le=1.0)
    elevator_rides: int
    stairs_climbs: int
    time_share: dict[str, float]
    social_interactions: int
    requests: RequestCounts
    battery_min: float
    skill_attempts: int
    skill_failures: int
    rescues: int = Field(
        default=0, ge=0, description="nights the robot was carried to its dock (stranded)"
    )
    livelocks_stopped: int = Field(
        default=0, ge=0, description="work the livelock guard stopped (going round in circles)"
    )
    per_day: list[DayMetrics] = Field(default_factory=list)


def path_length(trace: DayTrace) -> float:
    """The odometer's distance when recorded, else the length of the sampled path."""
    if trace.distance_m is not None:
        return trace.distance_m
    total = 0.0
    for a, b in zip(trace.poses, trace.poses[1:], strict=False):
        if a[1] == b[1]:
            total += math.hypot(b[2] - a[2], b[3] - a[3])
    return total


def room_entries(traces: Iterable[DayTrace]) -> list[str]:
    """The rooms in the order they were entered (consecutive repeats merged)."""
    out: list[str] = []
    for tr in traces:
        for _, room in tr.rooms:
            if not out or out[-1] != room:
                out.append(room)
    return out


def revisit_ratio(entries: Sequence[str]) -> float:
    """Share of room entries that went back to a room already visited in the run."""
    if not entries:
        return 0.0
    return (len(entries) - len(set(entries))) / len(entries)


def time_share(traces: Iterable[DayTrace]) -> dict[str, float]:
    """Share of the robot's active time per activity category (sums to 1 when any time)."""
    seconds = dict.fromkeys(CATEGORIES, 0.0)
    for tr in traces:
        for act in tr.activities:
            cat = act.category if act.category in seconds else "idle"
            seconds[cat] += max(0.0, act.end - act.start)
    total = sum(seconds.values())
    if total <= 0:
        return dict.fromkeys(CATEGORIES, 0.0)
    return {c: round(s / total, 4) for c, s in seconds.items()}


def social_interactions(traces: Iterable[DayTrace]) -> int:
    """Successful social skills (approach, greet, speak, guide, follow)."""
    return sum(
        1
        for tr in traces
        for s in tr.skills
        if s.status == "success" and SKILLS.get(s.skill) and SKILLS[s.skill].category == "social"
    )


class CoverageMap:
    """Replays sampled poses into a visit map: the share of reachable floor area seen."""

    def __init__(self, building: Building, perception: PerceptionConfig | None = None) -> None:
        cfg = perception or PerceptionConfig()
        self.fov = math.radians(cfg.fov_deg)
        self.radius = cfg.seen_radius_m
        self.visits = VisitMap(building, CSpace(building, ROBOT_RADIUS_M), cfg.visit_cell_m)

    def add(self, trace: DayTrace) -> None:
        prev = None
        for row in trace.poses:
            self.add_pose(prev, row)
            prev = row

    def add_pose(self, prev: PoseRow | None, row: PoseRow) -> None:
        """Mark what is seen from ``row``, and on the way from ``prev`` on the same floor."""
        _, floor, x, y, theta, _ = row
        if prev is not None and prev[1] == floor:
            # fill long gaps so a fast stretch does not leave holes in the seen area
            gap = math.hypot(x - prev[2], y - prev[3])
            n = int(gap / (self.radius / 2))
            for k in range(1, n + 1):
                u = k / (n + 1)
                self.visits.mark(
                    floor,
                    prev[2] + u * (x - prev[2]),
                    prev[3] + u * (y - prev[3]),
                    math.atan2(y - prev[3], x - prev[2]),
                    self.fov,
                    self.radius,
                )
        self.visits.mark(floor, x, y, theta, self.fov, self.radius)

    def coverage(self) -> float:
        return min(1.0, max(0.0, self.visits.coverage()))


def request_counts(requests: Iterable[UserRequest]) -> RequestCounts:
    c = RequestCounts()
    for req in requests:
        c.received += 1
        reached = {e.state for e in req.history} | {req.state}
        c.accepted += RequestState.ACCEPTED in reached or RequestState.IN_PROGRESS in reached
        c.deferred += RequestState.DEFERRED in reached
        c.declined += req.state == RequestState.DECLINED
        c.clarification += req.state == RequestState.CLARIFICATION
        c.completed += req.state == RequestState.DONE
        c.failed += req.state == RequestState.FAILED
        c.cancelled += req.state == RequestState.CANCELLED
        c.open += req.state in {
            RequestState.QUEUED,
            RequestState.ACCEPTED,
            RequestState.DEFERRED,
            RequestState.IN_PROGRESS,
        }
    return c


def summarize(
    traces: Sequence[DayTrace],
    requests: Iterable[UserRequest],
    building: Building,
    *,
    personality: str,
    seed: int,
    perception: str = "oracle",
    llm: str = "offline",
    perception_config: PerceptionConfig | None = None,
) -> Summary:
    """The run's summary from its day traces (in day order) and its requests."""
    traces = sorted(traces, key=lambda t: t.day)
    cover = CoverageMap(building, perception_config)
    per_day: list[DayMetrics] = []
    all_rooms: set[str] = set()
    all_floors: set[int] = set()
    for tr in traces:
        cover.add(tr)
        rooms = {r for _, r in tr.rooms}
        floors = {row[1] for row in tr.poses}
        all_rooms |= rooms
        all_floors |= floors
        per_day.append(
            DayMetrics(
                day=tr.day,
                distance_m=round(path_length(tr), 1),
                rooms_visited=len(rooms),
                floors_visited=len(floors),
                coverage=round(cover.coverage(), 4),
                battery_min=round(tr.battery_min, 4),
                skill_failures=sum(1 for s in tr.skills if s.status == "failure"),
            )
        )
    skills = [s for tr in traces for s in tr.skills]
    return Summary(
        personality=personality,
        seed=seed,
        days=len(traces),
        perception=perception,
        llm=llm,
        distance_m=round(sum(path_length(t) for t in traces), 1),
        floors_visited=len(all_floors),
        floors=sorted(all_floors),
        rooms_visited=len(all_rooms),
        coverage=round(cover.coverage(), 4),
        revisit_ratio=round(revisit_ratio(room_entries(traces)), 4),
        elevator_rides=sum(t.elevator_rides for t in traces),
        stairs_climbs=sum(t.stairs_climbs for t in traces),
        time_share=time_share(traces),
        social_interactions=social_interactions(traces),
        requests=request_counts(requests),
        battery_min=round(min((t.battery_min for t in traces), default=1.0), 4),
        skill_attempts=len(skills),
        skill_failures=sum(1 for s in skills if s.status == "failure"),
        rescues=sum(t.rescues for t in traces),
        livelocks_stopped=sum(len(t.livelocks) for t in traces),
        per_day=per_day,
    )


# --- figures the personality study adds (per-day distributions, battery, expression, risk) ---

LOW_SOC = 0.1
"""A battery below this is a risky moment whatever the personality's own reserve."""


def expressions(traces: Iterable[DayTrace]) -> int:
    """Successful emotional expressions (the ``express`` skill category)."""
    return sum(
        1
        for tr in traces
        for s in tr.skills
        if s.status == "success" and SKILLS.get(s.skill) and SKILLS[s.skill].category == "express"
    )


def battery_mean(traces: Iterable[DayTrace]) -> float:
    """Time-weighted mean state of charge over the days (each pose holds until the next)."""
    weighted = 0.0
    total = 0.0
    for tr in traces:
        rows = tr.poses
        for i, row in enumerate(rows):
            until = rows[i + 1][0] if i + 1 < len(rows) else tr.end
            dt = max(0.0, until - row[0])
            weighted += dt * row[5]
            total += dt
    return weighted / total if total > 0 else 1.0


def place_share(traces: Iterable[DayTrace]) -> dict[str, float]:
    """Share of the robot's time per room (each room entry holds until the next one)."""
    seconds: dict[str, float] = {}
    for tr in traces:
        for i, (t, room) in enumerate(tr.rooms):
            until = tr.rooms[i + 1][0] if i + 1 < len(tr.rooms) else tr.end
            seconds[room] = seconds.get(room, 0.0) + max(0.0, until - t)
    total = sum(seconds.values())
    if total <= 0:
        return {}
    return {r: round(s / total, 4) for r, s in sorted(seconds.items())}


def low_battery_episodes(traces: Iterable[DayTrace], threshold: float = LOW_SOC) -> int:
    """How often the state of charge fell below ``threshold`` (each dip counts once)."""
    count = 0
    for tr in traces:
        below = False
        for row in tr.poses:
            if row[5] < threshold and not below:
                count += 1
            below = row[5] < threshold
    return count


def risky_events(traces: Iterable[DayTrace], safety_overrides: int) -> int:
    """Moments the robot put itself at risk: the safety guard had to override it (speed near
    people, forbidden zones, battery reserve; counted from memory's ``safety`` episodes) plus
    each dip of the battery below :data:`LOW_SOC`."""
    return safety_overrides + low_battery_episodes(traces)


# --- measures that do not saturate: coverage growth and repeated visitation ---

COVERAGE_STEP_S = 900.0
"""The coverage-growth curve is sampled every quarter of an hour."""
TOP_PLACES = 5


def coverage_growth(
    trace: DayTrace,
    building: Building,
    step_s: float = COVERAGE_STEP_S,
    perception: PerceptionConfig | None = None,
) -> list[tuple[float, float]]:
    """(hours since the day began, share of the reachable area seen so far) every ``step_s``
    of one day, from a fresh map: how fast the robot comes to know a building it has never
    seen. Flat wherever the robot stands still."""
    if step_s <= 0:
        raise ValueError(f"coverage_growth: step_s must be positive, got {step_s}")
    cover = CoverageMap(building, perception)
    curve: list[tuple[float, float]] = []
    rows = iter(trace.poses)
    row = next(rows, None)
    prev: PoseRow | None = None
    t = trace.start
    while True:
        while row is not None and row[0] <= t:
            cover.add_pose(prev, row)
            prev, row = row, next(rows, None)
        curve.append((round((t - trace.start) / 3600.0, 4), round(cover.coverage(), 5)))
        if t >= trace.end:
            return curve
        t = min(trace.end, t + step_s)


def time_to_coverage(curve: Sequence[tuple[float, float]], share: float) -> float:
    """Hours until ``share`` of the reachable area was seen; the curve's last hour when it
    never was (censored: the robot got no further that day)."""
    for hours, seen in curve:
        if seen >= share:
            return hours
    return curve[-1][0] if curve else 0.0


def coverage_auc(curve: Sequence[tuple[float, float]]) -> float:
    """Mean share seen over the curve (trapezoids): 1 only if everything was seen at once,
    so a faster explorer scores higher even when every robot ends the day at full coverage."""
    if len(curve) < 2:
        return curve[0][1] if curve else 0.0
    span = curve[-1][0] - curve[0][0]
    if span <= 0:
        return curve[-1][1]
    area = sum((h1 - h0) * (c0 + c1) / 2 for (h0, c0), (h1, c1) in itertools.pairwise(curve))
    return area / span


def visits(traces: Iterable[DayTrace], passing: Collection[str] = ()) -> list[str]:
    """The places visited, in order: room entries except those of ``passing`` places
    (corridors, lobbies, stairwells: going through them is travel, not a visit, and would
    make the robot that travels most look the most concentrated)."""
    return [r for r in room_entries(traces) if r not in passing]


def visit_counts(traces: Iterable[DayTrace], passing: Collection[str] = ()) -> dict[str, int]:
    """How often each place was visited (a stay in one place is one visit)."""
    out: dict[str, int] = {}
    for room in visits(traces, passing):
        out[room] = out.get(room, 0) + 1
    return out


def visit_entropy(counts: Mapping[str, int]) -> float:
    """Shannon entropy (bits) of the place-visit distribution: 0 for a robot that never
    leaves one place, log2(n) for one that spreads its visits evenly over n places."""
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    h = -sum((c / total) * math.log2(c / total) for c in counts.values() if c > 0)
    return max(0.0, h)


def top_share(counts: Mapping[str, int], k: int = TOP_PLACES) -> float:
    """Share of the visits that went to the ``k`` most visited places (1 when all did)."""
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    return sum(sorted(counts.values(), reverse=True)[:k]) / total


def set_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two sets of places (1 for the same rooms, 0 for disjoint)."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def sequence_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """How alike two visit sequences are (difflib's ratio: matched share of both)."""
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()
