"""Memory QA: questions about a finished run whose exact answers come from the simulator, asked
of the robot's episodic memory through its query tools.

The ground truth is the simulator's, never the memory's: where the robot was (its sampled
poses), whom it was near (the people's deterministic schedules for the run's seed), which
elevator it boarded and how long it charged (the world's own log and counters, kept in the day
trace). The answers go through :func:`pepa.memory.tools.call_tool`, the same JSON tools an LLM
would call, and an offline reader turns the returned episodes into an answer. Accuracy per
question type says what the memory lets the robot recall.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys1.perception import OracleDetector
from pepa.agent.sys1.recorder import CHARGING, ELEVATOR_RIDE
from pepa.agent.trace import DayTrace
from pepa.building.layout import Building
from pepa.clock import at, format_time
from pepa.knowledge import SKILLS
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.tools import call_tool
from pepa.robot import Sighting
from pepa.sim.robot_adapter import WorldTruth
from pepa.sim.world import World, faces_viewer

log = logging.getLogger(__name__)

LAST_SEEN_TOLERANCE_S = 900.0
CHARGE_TOLERANCE = 0.15
CHARGE_TOLERANCE_MIN_S = 600.0
WHERE_WINDOW_S = 1800.0
MAX_EPISODES = 200
SEEN_KINDS = ["percept", "interaction"]
_BOARDED = re.compile(r"^robot boarded (\S+) at floor (-?\d+)$")


class QuestionKind(StrEnum):
    LAST_SEEN = "last_seen"
    WHERE_AT = "where_at"
    ELEVATOR_RIDES = "elevator_rides"
    MET_IN_ROOM = "met_in_room"
    CHARGE_TIME = "charge_time"


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: QuestionKind
    text: str
    params: dict[str, Any] = Field(default_factory=dict)
    truth: Any


class QAResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Question
    answer: Any
    correct: bool
    tool_calls: int


# --- the simulator's ground truth ------------------------------------------------------------


def room_at(building: Building, floor: int, x: float, y: float) -> str:
    """The room id memory would file a pose under (``floor_N`` between rooms)."""
    room = building.room_at(floor, x, y)
    return room.id if room is not None else f"floor_{floor}"


def sightings(
    traces: Sequence[DayTrace], world: World, perception: PerceptionConfig
) -> dict[str, float]:
    """The last time each person was in the robot's view: within range and field of view,
    with a line of sight, facing the robot and with a badge big enough to read (the oracle's
    own geometry, without its random misses), at a moment the robot looked (a trace without
    its looks: at a sampled pose). The people's places are the simulator's."""
    reader = OracleDetector(WorldTruth(world), perception, building=world.building)
    fov = math.radians(perception.fov_deg)
    reach = perception.range_m
    last: dict[str, float] = {}
    for tr in traces:
        views = tr.looks or [row[:5] for row in tr.poses]
        for t, floor, x, y, theta in views:
            for st in world.people.states_on(floor, t):
                dx, dy = st.x - x, st.y - y
                dist = math.hypot(dx, dy)
                if dist > reach or dist < 1e-6:
                    continue
                bearing = (math.atan2(dy, dx) - theta + math.pi) % (2 * math.pi) - math.pi
                if abs(bearing) > fov / 2:
                    continue
                if not faces_viewer(dx, dy, st.heading, dist):
                    continue  # a badge on the back of someone walking away cannot be read
                seen = Sighting("person", st.id, floor, st.x, st.y, dist, bearing)
                if reader.readable(seen) and world.line_of_sight(floor, (x, y), (st.x, st.y)):
                    last[st.id] = t
    return last


def where_at(trace: DayTrace, building: Building, t: float) -> str | None:
    """The room of the last pose sampled at or before ``t`` (the robot stayed there)."""
    best = None
    for row in trace.poses:
        if row[0] > t:
            break
        best = row
    return None if best is None else room_at(building, best[1], best[2], best[3])


def boardings(trace: DayTrace) -> dict[str, int]:
    out: dict[str, int] = {}
    for _t, line in trace.world_log:
        m = _BOARDED.match(line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + 1
    return out


def meetings(traces: Sequence[DayTrace], building: Building) -> dict[str, set[str]]:
    """Room -> people the robot interacted with there (successful social skills)."""
    out: dict[str, set[str]] = {}
    for tr in traces:
        for s in tr.skills:
            spec = SKILLS.get(s.skill)
            if s.status != "success" or not s.people or spec is None:
                continue
            if spec.category != "social":
                continue
            room = where_at(tr, building, s.t)
            if room is not None:
                out.setdefault(room, set()).update(s.people)
    return out


def make_questions(
    traces: Sequence[DayTrace],
    building: Building,
    seed: int,
    per_kind: int = 4,
    perception: PerceptionConfig | None = None,
) -> list[Question]:
    """Questions with their exact answers; ``seed`` is the run's (the people's schedules)."""
    traces = sorted(traces, key=lambda t: t.day)
    if not traces:
        return []
    rng = random.Random(f"{seed}/memory-qa")
    qs: list[Question] = []
    view = perception or PerceptionConfig()
    # The run's world, rebuilt from its seed: the same people on the same schedules.
    world = World(building, seed=seed, start_time=traces[0].start)
    seen = sightings(traces, world, view)
    for pid in rng.sample(sorted(seen), min(per_kind, len(seen))):
        qs.append(
            Question(
                kind=QuestionKind.LAST_SEEN,
                text=f"When did you last see {pid}?",
                params={"person": pid},
                truth=seen[pid],
            )
        )
    for _ in range(per_kind):
        tr = rng.choice(traces)
        if not tr.poses:
            continue
        t = rng.uniform(tr.poses[0][0], tr.end)
        room = where_at(tr, building, t)
        if room is not None:
            qs.append(
                Question(
                    kind=QuestionKind.WHERE_AT,
                    text=f"Where were you at {format_time(t)}?",
                    params={"time": round(t, 1)},
                    truth=room,
                )
            )
    ride_day = traces[min(1, len(traces) - 1)]  # "day 2", or the only day
    rides = boardings(ride_day)
    for e in [e.id for e in building.elevators][:per_kind]:
        qs.append(
            Question(
                kind=QuestionKind.ELEVATOR_RIDES,
                text=f"How often did you ride {e} on day {ride_day.day + 1}?",
                params={"elevator": e, "day": ride_day.day},
                truth=rides.get(e, 0),
            )
        )
    met = meetings(traces, building)
    kitchens = [r.id for r in building.rooms if r.kind == "kitchen"]
    rooms = [r for r in kitchens if r in met] + sorted(set(met) - set(kitchens))
    rooms += [r for r in kitchens if r not in met]  # "nobody" is an answer too
    for room in rooms[:per_kind]:
        qs.append(
            Question(
                kind=QuestionKind.MET_IN_ROOM,
                text=f"Whom did you meet in {room}?",
                params={"room": room},
                truth=sorted(met.get(room, set())),
            )
        )
    last = traces[-1]
    if last.charging_s is not None:
        qs.append(
            Question(
                kind=QuestionKind.CHARGE_TIME,
                text=f"How long did you charge yesterday (day {last.day + 1})?",
                params={"day": last.day, "until": last.end},
                truth=round(last.charging_s, 1),
            )
        )
    return qs


# --- answering through the memory's query tools ---------------------------------------------


class MemoryReader:
    """Answers questions with the memory's JSON query tools, as an LLM with tools would."""

    def __init__(self, memory: EpisodicMemory) -> None:
        self.memory = memory
        self.calls = 0

    def _tool(self, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls += 1
        got = json.loads(call_tool(self.memory, name, args))
        if "error" in got:
            raise ValueError(f"memory tool {name} refused {args}: {got}")
        return list(got["episodes"])

    def _page(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Every episode matching ``filters``, oldest first, read page by page (a tool call
        returns at most :data:`MAX_EPISODES`)."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        start = float(filters.get("start", 0.0))
        while True:
            args = {**filters, "start": start, "order": "oldest", "k": MAX_EPISODES}
            eps = self._tool("memory_search", args)
            new = [e for e in eps if e["id"] not in seen]
            out += new
            seen.update(e["id"] for e in new)
            if len(eps) < MAX_EPISODES or not new:
                return out
            start = float(eps[-1]["time"])

    def last_seen(self, person: str) -> float | None:
        """The newest sighting of or talk with ``person`` (not a request of theirs, which may
        come from anywhere, nor a skill that named them without finding them)."""
        eps = self._tool(
            "memory_search",
            {"person": person, "kinds": SEEN_KINDS, "order": "newest", "k": 1},
        )
        return float(eps[0]["time"]) if eps else None

    def where_at(self, t: float) -> str | None:
        eps = self._page({"start": max(0.0, t - WHERE_WINDOW_S), "end": t + WHERE_WINDOW_S})
        eps = [e for e in eps if e["kind"] != "reflection"]
        before = [e for e in eps if e["time"] <= t]
        if before:
            return str(before[-1]["room"])
        return str(eps[0]["room"]) if eps else None

    def elevator_rides(self, elevator: str, day: int) -> int:
        """Boardings of ``elevator`` that day (Sys1 records each, inside navigate too)."""
        eps = self._page({"start": at(day, 0.0), "end": at(day, 24.0), "kinds": [ELEVATOR_RIDE]})
        return sum(1 for e in eps if f": boarded {elevator} on floor " in e["caption"])

    def met_in_room(self, room: str) -> list[str]:
        eps = self._page({"room": room, "kinds": ["interaction", "skill_end"]})
        met: set[str] = set()
        for e in eps:
            spec = SKILLS.get(e.get("skill") or "")
            if spec is None or spec.category != "social" or not e.get("people"):
                continue
            if e["kind"] == "interaction" or e.get("outcome") == "success":
                met.update(e["people"])
        return sorted(met)

    def charge_time(self, day: int, until: float | None = None) -> float:
        """Time on the charger that day, from Sys1's on/off-the-dock episodes (resting on the
        dock charges as much as ``dock_and_charge`` does)."""
        end = at(day, 24.0) if until is None else until  # when the robot's day ended
        eps = self._page({"start": at(day, 0.0), "end": end - 1e-3, "kinds": [CHARGING]})
        total = 0.0
        started: float | None = None
        for e in eps:
            if e.get("outcome") == "started":
                started = float(e["time"]) if started is None else started
            elif e.get("outcome") == "stopped" and started is not None:
                total += float(e["time"]) - started
                started = None
        if started is not None:  # still on the dock when the day ended
            total += max(0.0, end - started)
        return round(total, 1)

    def answer(self, q: Question) -> Any:
        p = q.params
        if q.kind == QuestionKind.LAST_SEEN:
            return self.last_seen(p["person"])
        if q.kind == QuestionKind.WHERE_AT:
            return self.where_at(p["time"])
        if q.kind == QuestionKind.ELEVATOR_RIDES:
            return self.elevator_rides(p["elevator"], p["day"])
        if q.kind == QuestionKind.MET_IN_ROOM:
            return self.met_in_room(p["room"])
        return self.charge_time(p["day"], p.get("until"))


def is_correct(q: Question, answer: Any) -> bool:
    """Exact for places, counts and people; within a tolerance for times and durations."""
    if answer is None:
        return False
    if q.kind == QuestionKind.LAST_SEEN:
        return abs(float(answer) - float(q.truth)) <= LAST_SEEN_TOLERANCE_S
    if q.kind == QuestionKind.CHARGE_TIME:
        tol = max(CHARGE_TOLERANCE_MIN_S, CHARGE_TOLERANCE * float(q.truth))
        return abs(float(answer) - float(q.truth)) <= tol
    if q.kind == QuestionKind.MET_IN_ROOM:
        return sorted(answer) == sorted(q.truth)
    return bool(answer == q.truth)  # both plain JSON values: == is a bool


def ask(memory: EpisodicMemory, questions: Sequence[Question]) -> list[QAResult]:
    reader = MemoryReader(memory)
    out = []
    for q in questions:
        before = reader.calls
        answer = reader.answer(q)
        out.append(
            QAResult(
                question=q,
                answer=answer,
                correct=is_correct(q, answer),
                tool_calls=reader.calls - before,
            )
        )
    return out


def accuracy(results: Sequence[QAResult]) -> dict[str, tuple[int, int]]:
    """Question kind -> (correct, asked)."""
    out: dict[str, tuple[int, int]] = {}
    for r in results:
        ok, n = out.get(r.question.kind.value, (0, 0))
        out[r.question.kind.value] = (ok + int(r.correct), n + 1)
    return out


__all__ = ["QAResult", "Question", "QuestionKind", "accuracy", "ask", "make_questions"]
