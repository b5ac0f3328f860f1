"""Things that happen in the office without the robot causing them.

Spontaneous requests from people, objects that appear, corridors blocked for a while, and
elevators out of service. Each day's events are drawn once from a seeded generator, so the same
seed gives the same day. Events are pydantic models so they can travel to the agent as JSON.
"""

from __future__ import annotations

import random
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.building.layout import WEEKDAY_NAMES, Building, Rect, hhmm_hours
from pepa.clock import DAY_S
from pepa.sim.blockages import BlockagePlanner


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str
    t: float = Field(ge=0)


class PersonRequest(_Event):
    """Someone asks the robot for something."""

    kind: Literal["person_request"] = "person_request"
    person_id: str
    text: str
    place: str | None = None  # the room or landmark the request is about
    floor: int | None = None


class ObjectAppeared(_Event):
    """A new object (with a marker) shows up somewhere."""

    kind: Literal["object_appeared"] = "object_appeared"
    object_id: str
    name: str
    object_kind: str
    floor: int
    room: str
    x: float
    y: float
    marker_id: int | None = None
    facing_deg: float = 0.0


class CorridorBlocked(_Event):
    """Part of a corridor cannot be passed until ``until``."""

    kind: Literal["corridor_blocked"] = "corridor_blocked"
    floor: int
    room: str
    rect: Rect
    until: float
    reason: str


class CorridorCleared(_Event):
    kind: Literal["corridor_cleared"] = "corridor_cleared"
    floor: int
    room: str
    rect: Rect


class ElevatorOutOfService(_Event):
    kind: Literal["elevator_out_of_service"] = "elevator_out_of_service"
    elevator_id: str
    until: float


class ElevatorBackInService(_Event):
    kind: Literal["elevator_back_in_service"] = "elevator_back_in_service"
    elevator_id: str


SimEvent = Annotated[
    PersonRequest
    | ObjectAppeared
    | CorridorBlocked
    | CorridorCleared
    | ElevatorOutOfService
    | ElevatorBackInService,
    Field(discriminator="kind"),
]


class EventConfig(BaseModel):
    """How eventful a day is; ``requests_per_person_hour`` (when set) scales the request rate
    with the building's people, so a load means the same in a small office and a large one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    requests_per_hour: float = Field(default=0.8, ge=0)
    requests_per_person_hour: float | None = Field(default=None, ge=0)
    objects_per_day: float = Field(default=1.0, ge=0)
    blockages_per_day: float = Field(default=1.0, ge=0)
    outages_per_day: float = Field(default=0.5, ge=0)
    office_hours: tuple[float, float] = (8.0, 18.0)

    def request_rate(self, people: int) -> float:
        """Expected requests per office hour in a building with ``people`` people."""
        if self.requests_per_person_hour is None:
            return self.requests_per_hour
        return self.requests_per_person_hour * people


_REQUEST_TEMPLATES: dict[str, tuple[str, ...]] = {
    "printer": (
        "Could you check whether the {name} on floor {floor} has paper?",
        "Is the {name} on floor {floor} jammed again? Please take a look.",
    ),
    "coffee_machine": (
        "Can you see if the {name} on floor {floor} is working?",
        "Please check whether the {name} needs beans.",
    ),
    "whiteboard": ("Could you check if the {name} has been wiped?",),
    "plant": ("Could you check whether the {name} on floor {floor} looks dry?",),
}
_OBJECTS = (
    ("parcel", "a parcel"),
    ("umbrella", "an umbrella"),
    ("box", "a box of flyers"),
    ("toolbox", "a toolbox"),
)


_POISSON_CHUNK = 50.0
"""Knuth's method underflows for large means: a larger mean is drawn as a sum of chunks."""


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method in chunks of at most :data:`_POISSON_CHUNK`."""
    total = 0
    while mean > _POISSON_CHUNK:
        total += _poisson(rng, _POISSON_CHUNK)
        mean -= _POISSON_CHUNK
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return total + k
        k += 1


class EventGenerator:
    """The day's events, drawn from (seed, day)."""

    def __init__(self, building: Building, seed: int = 0, config: EventConfig | None = None):
        self.building = building
        self.seed = seed
        self.config = config or EventConfig()
        used = {m for m, _, _ in building.markers()}
        from pepa.building.layout import ARUCO_DICTIONARY_SIZES

        size = ARUCO_DICTIONARY_SIZES[building.aruco_dictionary]
        self.spare_markers = [m for m in range(size) if m not in used]
        self.blockages = BlockagePlanner(building)

    def day(self, day: int) -> list[_Event]:
        """Every event of ``day`` in time order (none at weekends but outages)."""
        rng = random.Random(f"{self.seed}/events/{day}")
        c = self.config
        b = self.building
        h0, h1 = c.office_hours
        base = day * DAY_S
        out: list[_Event] = []
        weekend = WEEKDAY_NAMES[day % 7] in ("Sat", "Sun")
        if not weekend:
            candidates = [lm for lm in b.landmarks if lm.kind in _REQUEST_TEMPLATES]
            for i in range(_poisson(rng, c.request_rate(len(b.people)) * (h1 - h0))):
                t = base + rng.uniform(h0, h1) * 3600.0
                who = [
                    p
                    for p in b.people
                    if WEEKDAY_NAMES[day % 7] in p.schedule.days
                    and hhmm_hours(p.schedule.arrive) + 0.3
                    < (t - base) / 3600.0
                    < hhmm_hours(p.schedule.leave) - 0.3
                ]
                if not who or not candidates:
                    continue
                person = rng.choice(who)
                lm = rng.choice(candidates)
                text = rng.choice(_REQUEST_TEMPLATES[lm.kind]).format(
                    floor=lm.floor, name=lm.name.lower()
                )
                out.append(
                    PersonRequest(
                        id=f"req-{day}-{i}",
                        t=t,
                        person_id=person.id,
                        text=text,
                        place=lm.id,
                        floor=lm.floor,
                    )
                )
            rooms = [r for r in b.rooms if r.kind not in ("corridor", "stairwell", "server")]
            for i in range(_poisson(rng, c.objects_per_day)):
                room = rng.choice(rooms)
                kind, name = rng.choice(_OBJECTS)
                x0, y0, x1, y1 = room.rect
                marker = (
                    self.spare_markers[(day * 7 + i) % len(self.spare_markers)]
                    if (self.spare_markers)
                    else None
                )
                out.append(
                    ObjectAppeared(
                        id=f"obj-{day}-{i}",
                        t=base + rng.uniform(h0, h1) * 3600.0,
                        object_id=f"{kind}_{day}_{i}",
                        name=name,
                        object_kind=kind,
                        floor=room.floor,
                        room=room.id,
                        x=round(rng.uniform(x0 + 1.0, x1 - 1.0), 2),
                        y=round(rng.uniform(y0 + 1.0, y1 - 1.0), 2),
                        marker_id=marker,
                        facing_deg=rng.choice((0.0, 90.0, 180.0, -90.0)),
                    )
                )
            corridors = [r for r in b.rooms if r.kind == "corridor"]
            for i in range(_poisson(rng, c.blockages_per_day) if corridors else 0):
                r = rng.choice(corridors)
                start = base + rng.uniform(h0, h1 - 1) * 3600.0
                until = start + rng.uniform(20, 60) * 60.0
                # redraws come from their own generator: the rest of the day stays as it was
                retry = random.Random(f"{self.seed}/blockage/{day}/{i}")
                rect = self.blockages.place(r, rng, retry)
                reason = rng.choice(("cleaning cart", "wet floor", "delivery"))
                if rect is None:
                    continue
                out.append(
                    CorridorBlocked(
                        id=f"blk-{day}-{i}",
                        t=start,
                        floor=r.floor,
                        room=r.id,
                        rect=rect,
                        until=until,
                        reason=reason,
                    )
                )
                out.append(
                    CorridorCleared(
                        id=f"clr-{day}-{i}", t=until, floor=r.floor, room=r.id, rect=rect
                    )
                )
        for i in range(_poisson(rng, c.outages_per_day) if b.elevators else 0):
            e = rng.choice(b.elevators)
            start = base + rng.uniform(6, 20) * 3600.0
            until = start + rng.uniform(15, 90) * 60.0
            out.append(
                ElevatorOutOfService(id=f"oos-{day}-{i}", t=start, elevator_id=e.id, until=until)
            )
            out.append(ElevatorBackInService(id=f"ios-{day}-{i}", t=until, elevator_id=e.id))
        out.sort(key=lambda ev: (ev.t, ev.id))
        return out
