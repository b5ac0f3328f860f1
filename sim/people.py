"""People who work in the building, moving along their weekday schedules.

Nobody is integrated step by step: each person's day is planned once (arrive, desk, meetings,
lunch, leave, with seeded jitter) as a timeline of stays and walks along routed paths, and a
position is computed from the time on demand. A walk that takes an elevator hides the person
for the ride (they are inside the car); stairs are walked like any path, the floor changing
half-way up. Someone the robot leads is the exception: their position is pinned from
outside (:mod:`pepa.sim.leading`) until released, and then a routed walk takes them back to where
their schedule has them before the schedule takes over again.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import random
from dataclasses import dataclass
from typing import Any

from pepa.building.layout import WEEKDAY_NAMES, Building, PersonSpec, hhmm_hours
from pepa.building.routing import DriveLeg, ElevatorLeg, NoRouteError, Router, StairsLeg
from pepa.clock import DAY_S

log = logging.getLogger(__name__)

_STAYS = ("desk", "meeting", "lunch")
_REJOIN_TRIES = 4  # a walk back that arrives after the stay is over heads on to the next


@dataclass(frozen=True)
class PersonState:
    id: str
    floor: int
    x: float
    y: float
    heading: float
    activity: str  # "desk", "meeting", "lunch", "walking", "arriving", "leaving"
    room: str | None


@dataclass
class _Segment:
    t0: float
    t1: float
    activity: str
    room: str | None
    floor: int | None  # None: hidden (riding an elevator)
    points: list[tuple[float, float]]
    cum: list[float]
    floor_after: int | None = None  # for stairs: the floor past the half-way mark
    switch_at: float = math.inf  # distance along the path where the floor changes
    heading: float = 0.0  # where someone staying in a room faces
    still: PersonState | None = None  # a stay's one state, made once (asked every look)

    def on_floor(self, floor: int) -> bool:
        """Whether anyone on this stretch can be on ``floor`` (stairs: either end)."""
        return self.floor == floor or self.floor_after == floor


@dataclass(frozen=True)
class Stay:
    room: str
    start_h: float
    end_h: float
    activity: str


@dataclass
class _Detour:
    """A walk back to the schedule after being led away from it: the schedule takes over at
    ``end`` (or, when it walked them out of the building, they are gone until the day ends)."""

    segments: list[_Segment]
    starts: list[float]
    end: float
    gone_until: float | None = None


class People:
    """Schedules and positions of everyone in the building description."""

    def __init__(self, building: Building, router: Router, seed: int = 0) -> None:
        self.building = building
        self.router = router
        self.seed = seed
        self._days: dict[int, dict[str, list[_Segment]]] = {}
        self._starts: dict[int, dict[str, list[float]]] = {}
        self._route_cache: dict[tuple[Any, ...], list[Any]] = {}
        self._pinned: dict[str, PersonState] = {}  # integrated elsewhere (led by the robot)
        self._detours: dict[str, _Detour] = {}  # walking back to the schedule
        self._desk_spots = {
            p.id: self._spot(p.desk, random.Random(f"{seed}/{p.id}/desk")) for p in building.people
        }

    def _spot(self, room_id: str, rng: random.Random) -> tuple[int, float, float]:
        r = self.building.room(room_id)
        x0, y0, x1, y1 = r.rect
        m = 1.2
        for _ in range(30):
            p = (rng.uniform(x0 + m, x1 - m), rng.uniform(y0 + m, y1 - m))
            if self.router.cspace.segment_free(r.floor, p, p):
                return (r.floor, p[0], p[1])
        return (r.floor, *self.router.free_near(r.floor, r.center))

    def _facing(self, room_id: str, spot: tuple[float, float]) -> float:
        """Someone sitting or standing in a room faces into it — towards its centre, or its
        door when they are at the centre — so their badge can be read from the room rather
        than from a wall or a forbidden corner."""
        room = self.building.room(room_id)
        cx, cy = room.center
        if math.hypot(cx - spot[0], cy - spot[1]) < 0.5:
            doors = [d.center for d in self.building.doors if room_id in d.between]
            if not doors:
                return 0.0
            cx, cy = min(doors, key=lambda c: math.dist(c, spot))
        return math.atan2(cy - spot[1], cx - spot[0])

    def stays(self, person: PersonSpec, day: int) -> list[Stay]:
        """The person's planned stays on ``day`` (empty when they do not come in)."""
        wd = WEEKDAY_NAMES[day % 7]
        sch = person.schedule
        if wd not in sch.days:
            return []
        rng = random.Random(f"{self.seed}/{person.id}/{day}")

        def jit(h: float, minutes: float) -> float:
            return h + rng.uniform(-minutes, minutes) / 60.0

        arrive = jit(hhmm_hours(sch.arrive), 10)
        leave = jit(hhmm_hours(sch.leave), 10)
        events: list[tuple[float, float, str, str]] = []
        for m in sch.meetings:
            if wd in m.days:
                s = hhmm_hours(m.start) - rng.uniform(0, 3) / 60.0
                events.append((s, s + m.minutes / 60.0, m.room, "meeting"))
        if sch.lunch:
            s = jit(hhmm_hours(sch.lunch.start), 5)
            events.append((s, s + sch.lunch.minutes / 60.0, sch.lunch.room, "lunch"))
        events.sort()
        out: list[Stay] = []
        t = arrive
        for s, e, room, act in events:
            if s < t or e > leave:
                continue
            if s > t:
                out.append(Stay(person.desk, t, s, "desk"))
            out.append(Stay(room, s, e, act))
            t = e
        if leave > t:
            out.append(Stay(person.desk, t, leave, "desk"))
        return out

    def _route(self, a: tuple[int, float, float], b: tuple[int, float, float]) -> list[Any]:
        key = (a, b)
        if key not in self._route_cache:
            try:
                self._route_cache[key] = self.router.route(a, b).legs
            except NoRouteError:
                self._route_cache[key] = []
        return self._route_cache[key]

    def _plan(self, person: PersonSpec, day: int) -> list[_Segment]:
        stays = self.stays(person, day)
        if not stays:
            return []
        base = day * DAY_S
        entrance = self.building.entrance
        door = (entrance.floor, *self.router.free_near(entrance.floor, entrance.center))
        speed = person.walk_speed_mps
        segs: list[_Segment] = []
        here = door
        t = base + stays[0].start_h * 3600.0
        rng = random.Random(f"{self.seed}/{person.id}/{day}/spots")
        for i, st in enumerate(stays):
            spot = (
                self._desk_spots[person.id] if st.activity == "desk" else self._spot(st.room, rng)
            )
            t = self._walk(segs, here, spot, t, speed, "arriving" if i == 0 else "walking")
            end = max(t, base + st.end_h * 3600.0)
            face = self._facing(st.room, spot[1:])
            segs.append(
                _Segment(t, end, st.activity, st.room, spot[0], [spot[1:]], [0.0], heading=face)
            )
            here, t = spot, end
        self._walk(segs, here, door, t, speed, "leaving")
        return segs

    def _walk(
        self,
        segs: list[_Segment],
        a: tuple[int, float, float],
        b: tuple[int, float, float],
        t: float,
        speed: float,
        activity: str,
        straight_if_no_route: bool = False,
    ) -> float:
        legs = self._route(a, b)
        if not legs and straight_if_no_route and a[0] == b[0] and a[1:] != b[1:]:
            # someone led off the routing graph (say, into a car's shaft) still walks back
            log.warning("no route for a person from %s to %s: walking straight", a, b)
            legs = [DriveLeg(floor=a[0], points=[a[1:], b[1:]])]
        for leg in legs:
            if isinstance(leg, DriveLeg | StairsLeg):
                pts = list(leg.points)
                cum = [0.0]
                for p, q in itertools.pairwise(pts):
                    cum.append(cum[-1] + math.dist(p, q))
                s_speed = speed if isinstance(leg, DriveLeg) else speed * 0.5
                dur = cum[-1] / s_speed
                if isinstance(leg, StairsLeg):
                    seg = _Segment(
                        t,
                        t + dur,
                        activity,
                        None,
                        leg.from_floor,
                        pts,
                        cum,
                        leg.to_floor,
                        cum[-1] / 2,
                    )
                else:
                    seg = _Segment(t, t + dur, activity, None, leg.floor, pts, cum)
                segs.append(seg)
                t += dur
            elif isinstance(leg, ElevatorLeg):
                e = self.building.elevators_by_id[leg.elevator_id]
                ride = 25.0 + abs(leg.to_floor - leg.from_floor) * e.travel_s_per_floor
                segs.append(_Segment(t, t + ride, activity, None, None, [leg.hall], [0.0]))
                t += ride
        return t

    def _day(self, day: int) -> tuple[dict[str, list[_Segment]], dict[str, list[float]]]:
        if day not in self._days:
            plans = {p.id: self._plan(p, day) for p in self.building.people}
            self._days[day] = plans
            self._starts[day] = {pid: [s.t0 for s in segs] for pid, segs in plans.items()}
            for old in [d for d in self._days if d < day - 1]:
                del self._days[old]
                del self._starts[old]
        return self._days[day], self._starts[day]

    def state(self, person_id: str, t: float) -> PersonState | None:
        """Where a person is at ``t``; None when out of the building or inside an elevator.

        A person the robot leads is wherever they were last placed (:meth:`pin`), whatever
        ``t``; one walking back to their schedule follows that walk until it ends.
        """
        pinned = self._pinned.get(person_id)
        if pinned is not None:
            return pinned
        detour = self._detours.get(person_id)
        if detour is not None:
            if detour.starts[0] <= t < detour.end:
                return _position(person_id, detour.segments, detour.starts, t, hold=True)
            if detour.gone_until is not None and t < detour.gone_until:
                return None
        plans, starts = self._day(int(t // DAY_S))
        return _position(person_id, plans[person_id], starts[person_id], t)

    # --- led away and back ------------------------------------------------------------------

    def pin(self, state: PersonState) -> None:
        """Take a person off their schedule: they are where ``state`` says until released."""
        self._detours.pop(state.id, None)
        self._pinned[state.id] = state

    @property
    def pinned(self) -> frozenset[str]:
        return frozenset(self._pinned)

    def release(self, person_id: str, t: float) -> PersonState | None:
        """Put a pinned person back on their schedule from where they stand at ``t``: they walk
        (routed, at their own speed) to where the schedule has them, and when they arrive
        after that stay is over, on to the next, until they are back in step."""
        here = self._pinned.pop(person_id, None)
        if here is None:
            return None
        person = self.building.people_by_id[person_id]
        pos = (here.floor, here.x, here.y)
        now = t
        segs: list[_Segment] = []
        gone_until = None
        for _ in range(_REJOIN_TRIES):
            target, until, leaves = self._scheduled_place(person, now)
            now = self._walk(segs, pos, target, now, person.walk_speed_mps, "walking", True)
            pos = target
            if leaves:
                gone_until = (int(now // DAY_S) + 1) * DAY_S
                break
            if now < until:
                break
        if not segs:
            segs.append(_Segment(t, now, "walking", None, pos[0], [pos[1:]], [0.0]))
        self._detours[person_id] = _Detour(segs, [sg.t0 for sg in segs], now, gone_until)
        return here

    def _scheduled_place(
        self, person: PersonSpec, t: float
    ) -> tuple[tuple[int, float, float], float, bool]:
        """Where the schedule wants the person at ``t``: (floor, x, y), until when they may
        stay there, and whether getting there means leaving the building."""
        plans, starts = self._day(int(t // DAY_S))
        segs = plans[person.id]
        i = bisect.bisect_right(starts[person.id], t) - 1
        for s in segs[max(0, i) :]:
            if s.activity in _STAYS and s.t1 > t:
                return (s.floor, *s.points[0]), s.t1, False  # type: ignore[return-value]
        return self._door(), math.inf, True

    def _door(self) -> tuple[int, float, float]:
        entrance = self.building.entrance
        return (entrance.floor, *self.router.free_near(entrance.floor, entrance.center))

    def states(self, t: float) -> list[PersonState]:
        """Everyone in the building (and not in an elevator) at ``t``."""
        out = []
        for p in self.building.people:
            st = self.state(p.id, t)
            if st is not None:
                out.append(st)
        return out

    def states_on(self, floor: int, t: float) -> list[PersonState]:
        """Everyone on ``floor`` at ``t`` (what the robot's every look asks): people whose
        schedule has them elsewhere are skipped without working out where."""
        plans, starts = self._day(int(t // DAY_S))
        out = []
        for p in self.building.people:
            pid = p.id
            if pid in self._pinned or pid in self._detours:
                st = self.state(pid, t)
            else:
                begins = starts[pid]
                i = bisect.bisect_right(begins, t) - 1
                if i < 0 or not plans[pid][i].on_floor(floor):
                    continue
                st = _position(pid, plans[pid], begins, t)
            if st is not None and st.floor == floor:
                out.append(st)
        return out


def _position(
    person_id: str, segs: list[_Segment], starts: list[float], t: float, hold: bool = False
) -> PersonState | None:
    """Interpolate a timeline at ``t``; ``hold`` keeps someone at the end of the last stretch
    (a detour's gaps are never 'out of the building')."""
    i = bisect.bisect_right(starts, t) - 1
    if i < 0:
        if not hold or not segs:
            return None
        i = 0
    s = segs[i]
    if s.floor is None:
        return None
    if t > s.t1 and not hold:
        return None
    if len(s.points) == 1:
        if s.still is None or s.still.id != person_id:
            s.still = PersonState(person_id, s.floor, *s.points[0], s.heading, s.activity, s.room)
        return s.still
    t = min(t, s.t1)
    frac = 0.0 if s.t1 <= s.t0 else (t - s.t0) / (s.t1 - s.t0)
    d = frac * s.cum[-1]
    k = min(len(s.cum) - 2, max(0, bisect.bisect_right(s.cum, d) - 1))
    (x0, y0), (x1, y1) = s.points[k], s.points[k + 1]
    seg_len = s.cum[k + 1] - s.cum[k]
    u = 0.0 if seg_len <= 0 else (d - s.cum[k]) / seg_len
    floor = s.floor_after if s.floor_after is not None and d >= s.switch_at else s.floor
    return PersonState(
        person_id,
        floor,
        x0 + u * (x1 - x0),
        y0 + u * (y1 - y0),
        math.atan2(y1 - y0, x1 - x0),
        s.activity,
        None,
    )
