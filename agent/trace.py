"""The compact trace of a run: sparse poses, room entries, activity spans and skill outcomes.

The runtime keeps it (a few thousand rows per simulated day) so that the run's summary
metrics can be computed after the fact, on any run, without replaying the simulator; the
personality study reuses the same schema on traces rebuilt from episode logs. The ROS console
bridge records the same trace, so it sits beside the hosts rather than inside the runtime.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pepa.knowledge import SKILLS
from pepa.messages import CandidateKind, Plan

TRACE_DIR = Path("runtime") / "trace"
"""Under a data directory, one trace file per day."""

#: (time, floor, x, y, theta, battery state of charge)
PoseRow = tuple[float, int, float, float, float, float]
#: (time, floor, x, y, theta) of a moment Sys1's perception looked
LookRow = tuple[float, int, float, float, float]
#: (time, floor, x, y) of work the livelock guard stopped (where the circle was)
LivelockRow = tuple[float, int, float, float]

SAMPLE_MOVE_M = 0.5
SAMPLE_TURN_RAD = 0.5
SAMPLE_MAX_GAP_S = 120.0


def plan_category(plan: Plan, kind: CandidateKind | None) -> str:
    """The activity a plan serves: requests, else its purpose's skill category (the same on
    every host, so a day's timeline reads alike in-process and over ROS)."""
    if kind == CandidateKind.REQUEST or plan.request_id is not None:
        return "requests"
    cats = [SKILLS[s.skill].category for s in plan.steps if s.skill in SKILLS]
    purpose = [c for c in cats if c != "move"]
    return purpose[-1] if purpose else "move"


class Activity(BaseModel):
    """What the robot was busy with from ``start`` to ``end`` (one plan, or idling)."""

    model_config = ConfigDict(extra="forbid")
    start: float
    end: float
    category: str = Field(min_length=1)
    label: str = ""
    kind: str = "idle"  # request / goal / need / idle / routine


class SkillEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    t: float
    skill: str
    status: str
    category: str
    people: list[str] = Field(default_factory=list)


class DayTrace(BaseModel):
    """One robot day (morning to night) of the trace."""

    model_config = ConfigDict(extra="forbid")
    day: int = Field(ge=0)
    start: float
    end: float
    poses: list[PoseRow] = Field(default_factory=list)
    rooms: list[tuple[float, str]] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    skills: list[SkillEnd] = Field(default_factory=list)
    distance_m: float | None = None  # the odometer's figure, when the source has one
    elevator_rides: int = 0
    stairs_climbs: int = 0
    battery_min: float = 1.0
    # the simulator's own record of the day (memory QA's ground truth)
    world_log: list[tuple[float, str]] = Field(default_factory=list)
    charging_s: float | None = None
    rescues: int = Field(default=0, ge=0, description="nights it was carried to the dock")
    # where the robot looked (memory QA's "last seen": it can only remember what it looked at)
    looks: list[LookRow] = Field(default_factory=list)
    livelocks: list[LivelockRow] = Field(default_factory=list)


class TraceRecorder:
    """Builds a :class:`DayTrace` while the day runs; cheap enough to call on every tick."""

    def __init__(self, day: int, start: float) -> None:
        self.trace = DayTrace(day=day, start=start, end=start)
        self._last: PoseRow | None = None
        self._room: str | None = None
        self._activity: Activity | None = None

    def pose(self, t: float, floor: int, x: float, y: float, theta: float, soc: float) -> bool:
        """Offer a pose; it is kept (True) when the robot moved, turned, changed floor or
        time passed."""
        tr = self.trace
        if soc < tr.battery_min:
            tr.battery_min = soc
        last = self._last
        if last is not None and last[1] == floor:
            moved = math.hypot(x - last[2], y - last[3])
            turned = abs((theta - last[4] + math.pi) % (2 * math.pi) - math.pi)
            if (
                moved < SAMPLE_MOVE_M
                and turned < SAMPLE_TURN_RAD
                and t - last[0] < SAMPLE_MAX_GAP_S
            ):
                return False
        row: PoseRow = (
            round(t, 2),
            floor,
            round(x, 3),
            round(y, 3),
            round(theta, 3),
            round(soc, 4),
        )
        tr.poses.append(row)
        self._last = row
        return True

    def look(self, t: float, floor: int, x: float, y: float, theta: float) -> None:
        """Sys1's perception looked from this pose (once per instant)."""
        looks = self.trace.looks
        t = round(t, 2)
        if not looks or looks[-1][0] != t:
            looks.append((t, floor, round(x, 3), round(y, 3), round(theta, 3)))

    def room(self, t: float, room: str | None) -> None:
        """The room at the last kept pose; an entry is noted when it changed."""
        if room is not None and room != self._room:
            self.trace.rooms.append((round(t, 2), room))
            self._room = room

    def begin(self, t: float, category: str, label: str, kind: str) -> None:
        """Start an activity span (closing the one running)."""
        self.end_activity(t)
        self._activity = Activity(start=t, end=t, category=category, label=label, kind=kind)

    def end_activity(self, t: float) -> None:
        act = self._activity
        if act is None:
            return
        self._activity = None
        if t > act.start:
            act.end = t
            self.trace.activities.append(act)

    @property
    def activity(self) -> Activity | None:
        return self._activity

    def skill(self, t: float, skill: str, status: str, category: str, people: list[str]) -> None:
        self.trace.skills.append(
            SkillEnd(t=t, skill=skill, status=status, category=category, people=people)
        )

    def finish(
        self, t: float, distance_m: float, elevator_rides: int, stairs_climbs: int
    ) -> DayTrace:
        self.end_activity(t)
        tr = self.trace
        tr.end = t
        tr.distance_m = round(distance_m, 2)
        tr.elevator_rides = elevator_rides
        tr.stairs_climbs = stairs_climbs
        return tr
