"""A day at a glance, from the day's compact trace: activities, requests, places, battery.

Shared by both console backends: the in-process agent reads the runtime's trace (the day
running now, or a finished day's saved file), the ROS bridge keeps a trace of its own from the
status topic. Time in each place comes from the kept poses (each pose's room until the next
one), so it needs nothing but the building description and works on any floor numbering.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import TypeAdapter

from pepa.agent.console.backend import (
    ActivitySpan,
    DayGlance,
    PlaceTime,
    RequestMark,
    TrailPoint,
)
from pepa.agent.trace import TRACE_DIR, Activity, DayTrace, PoseRow
from pepa.building.layout import Building
from pepa.clock import day_of
from pepa.messages import UserRequest

BATTERY_POINTS = 240
"""At most this many battery samples per day: a small chart needs no more."""
_DAY_TRACE = TypeAdapter(DayTrace)


def saved_trace(data_dir: Path, day: int) -> DayTrace | None:
    """The finished ``day``'s trace saved under ``data_dir``, or None when there is none."""
    path = data_dir / TRACE_DIR / f"day-{day:04d}.json"
    if not path.is_file():
        return None
    return _DAY_TRACE.validate_json(path.read_bytes())


def trail(poses: Sequence[PoseRow], since: float) -> list[TrailPoint]:
    """The kept poses from ``since`` on, oldest first."""
    return [
        TrailPoint(t=t, floor=floor, x=x, y=y, battery=min(1.0, max(0.0, soc)))
        for t, floor, x, y, _theta, soc in poses
        if t >= since
    ]


def places(poses: Sequence[PoseRow], end: float, building: Building) -> list[PlaceTime]:
    """Seconds spent per room of each floor (``room`` None: between rooms), most first."""
    spent: dict[tuple[int, str | None], float] = {}
    for i, (t, floor, x, y, _theta, _soc) in enumerate(poses):
        until = poses[i + 1][0] if i + 1 < len(poses) else max(end, t)
        room = building.room_at(floor, x, y)
        key = (floor, room.id if room is not None else None)
        spent[key] = spent.get(key, 0.0) + max(0.0, until - t)
    return [
        PlaceTime(floor=floor, room=room, seconds=round(s, 1))
        for (floor, room), s in sorted(spent.items(), key=lambda kv: -kv[1])
        if s > 0.0
    ]


def battery(
    poses: Sequence[PoseRow], max_points: int = BATTERY_POINTS
) -> list[tuple[float, float]]:
    """(time, state of charge) thinned to at most ``max_points``, keeping the first and last."""
    step = max(1, -(-len(poses) // max_points))
    rows = list(poses[::step])
    if poses and rows[-1] is not poses[-1]:
        rows.append(poses[-1])
    return [(row[0], round(min(1.0, max(0.0, row[5])), 4)) for row in rows]


def glance(
    trace: DayTrace,
    requests: Iterable[UserRequest],
    building: Building,
    *,
    running: Activity | None = None,
    now: float | None = None,
) -> DayGlance:
    """The day of ``trace``; ``now`` and the ``running`` activity when the day goes on."""
    end = trace.end if now is None else max(now, trace.start)
    spans = list(trace.activities)
    if running is not None and end > running.start:
        spans.append(running.model_copy(update={"end": end}))
    return DayGlance(
        day=trace.day,
        start=trace.start,
        end=end,
        live=now is not None,
        activities=[ActivitySpan(**a.model_dump()) for a in spans],
        requests=[
            RequestMark(
                id=r.id,
                time=r.created_at,
                text=r.text,
                state=r.state.value,
                sender=r.sender,
            )
            for r in sorted(requests, key=lambda r: (r.created_at, r.id))
            if day_of(r.created_at) == trace.day
        ],
        places=places(trace.poses, end, building),
        battery=battery(trace.poses),
    )
