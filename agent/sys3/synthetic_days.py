"""A synthetic office and a seeded stream of days of episodes in it.

Until the agent lives in the simulated office, this is what Sys3's offline engine, its tests and
the personality comparison reflect on: an ordinary working day with people in the kitchen at
lunch, a meeting in the morning, requests (some after a greeting, some failing), exploring that
drains the battery, a charge, expressions with and without an audience, a safety stop. The
stream is personality-neutral, so five personalities can be compared on the same days.
"""

from __future__ import annotations

import random

from pepa.clock import at
from pepa.knowledge import WorldKnowledge
from pepa.messages import Experience, ExperienceSource, Place, Pose

_PLACES: tuple[tuple[str, int, str, float, float], ...] = (
    ("dock", 0, "dock", 1.0, 1.0),
    ("lobby", 0, "lobby", 5.0, 2.0),
    ("kitchen", 0, "kitchen", 12.0, 2.0),
    ("office_a", 0, "office", 12.0, 9.0),
    ("meeting_room", 0, "meeting", 5.0, 9.0),
    ("lab", 0, "lab", 18.0, 5.0),
    ("corridor_1", 1, "corridor", 8.0, 5.0),
    ("office_b", 1, "office", 3.0, 9.0),
    ("kitchen_1", 1, "kitchen", 14.0, 2.0),
    ("print_room", 1, "print", 3.0, 2.0),
    ("library", 1, "library", 14.0, 9.0),
)


def office_world() -> WorldKnowledge:
    """Two floors, eleven places, four people, an elevator."""
    places = {
        name: Place(name=name, floor=floor, kind=kind, pose=Pose(x=x, y=y, floor=floor))
        for name, floor, kind, x, y in _PLACES
    }
    return WorldKnowledge(
        places=places,
        people=["alice", "bob", "carol", "dan"],
        objects=["plant", "printer", "whiteboard", "coffee_machine", "parcel"],
        elevators=["elevator_a"],
        floors=[0, 1],
    )


class _Day:
    """Writes one day's episodes as the robot moves through it."""

    def __init__(self, world: WorldKnowledge, day: int, rng: random.Random) -> None:
        self.world = world
        self.day = day
        self.rng = rng
        self.t = at(day, 8.0)
        self.battery = 1.0
        self.room = "dock"
        self.out: list[Experience] = []

    def _ep(self, caption: str, **kw: object) -> Experience:
        place = self.world.places[self.room]
        ep = Experience(
            id=f"ep-d{self.day}-{len(self.out):03d}",
            time=self.t,
            day=self.day,
            floor=place.floor,
            room=self.room,
            pose=place.pose,
            caption=caption,
            battery=round(self.battery, 3),
            **kw,
        )
        self.out.append(ep)
        return ep

    def spend(self, minutes: float, drain: float) -> None:
        self.t += minutes * 60.0 * (0.9 + 0.2 * self.rng.random())
        self.battery = min(1.0, max(0.02, self.battery - drain))

    def skill(
        self, skill: str, ok: bool, caption: str, minutes: float, drain: float, **kw: object
    ) -> None:
        self.spend(minutes, drain)
        self._ep(caption, kind="skill", skill=skill, outcome="success" if ok else "failure", **kw)

    def go(self, place: str, ok: bool = True, why: str = "") -> None:
        minutes = (
            4.0 if self.world.places[place].floor == self.world.places[self.room].floor else 9
        )
        if ok:
            self.room = place
        self.skill(
            "navigate",
            ok,
            f"went to {place}" if ok else f"could not reach {place}: {why}",
            minutes,
            0.03 if minutes < 5 else 0.06,
        )

    def see(self, people: list[str], objects: tuple[str, ...] = ()) -> None:
        self.spend(1.0, 0.002)
        what = ", ".join([*people, *objects]) or "nobody"
        self._ep(
            f"saw {what} in {self.room}", kind="percept", people=people, objects=list(objects)
        )

    def request(self, rid: str, person: str, state: str, text: str) -> None:
        self.spend(2.0, 0.002)
        self._ep(
            f"request from {person}: {text} ({state})",
            kind="request",
            outcome=state,
            request_id=rid,
            people=[person],
            source=ExperienceSource.USER,
        )

    def safety(self, text: str) -> None:
        self.spend(1.0, 0.002)
        self._ep(text, kind="safety", importance=0.8)


def _one_day(world: WorldKnowledge, day: int, rng: random.Random) -> list[Experience]:
    d = _Day(world, day, rng)
    second = day % 2 == 1
    d.see([])
    d.go("lobby")
    d.see(["dan"] if second else ["dan", "bob"])
    d.skill("patrol", True, "patrolled floor 0", 25, 0.06, people=["dan"])
    d.go("meeting_room")
    d.see(["carol", "bob"], ("whiteboard",))
    d.request(f"r{day}-1", "carol", "queued", "bring the parcel to the lab")
    d.request(f"r{day}-1", "carol", "deferred", "bring the parcel to the lab")
    d.go("office_a")
    d.see(["dan"], ("plant",))
    d.skill("greet", True, "greeted dan", 2, 0.005, people=["dan"])
    d.request(f"r{day}-2", "dan", "queued", "tell alice the meeting moved")
    d.request(f"r{day}-2", "dan", "accepted", "tell alice the meeting moved")
    d.t = max(d.t, at(day, 11.6))
    d.go("kitchen")
    for _ in range(3 if second else 2):
        d.see(["alice", "bob"], ("coffee_machine",))
        d.spend(5, 0.005)
    d.skill(
        "deliver_message",
        True,
        "told alice the meeting moved",
        3,
        0.01,
        people=["alice"],
        request_id=f"r{day}-2",
    )
    d.request(f"r{day}-2", "dan", "done", "tell alice the meeting moved")
    d.skill("greet", True, "greeted bob", 2, 0.005, people=["bob"])
    d.skill("express", True, "wagged for alice and bob", 2, 0.01, people=["alice", "bob"])
    d.request(f"r{day}-3", "bob", "queued", "check the printer upstairs")
    d.request(f"r{day}-3", "bob", "accepted", "check the printer upstairs")
    d.t = max(d.t, at(day, 13.6))
    if second:
        d.skill("ride_elevator", False, "elevator_a did not come: out of service", 10, 0.03)
        d.skill("take_stairs", True, "climbed the stairs to floor 1", 6, 0.08)
    else:
        d.skill("ride_elevator", True, "rode elevator_a to floor 1", 5, 0.02)
    d.room = "corridor_1"
    d.see([])
    d.skill("explore", True, "explored floor 1", 40, 0.22)
    for place in ("print_room", "library", "office_b") if second else ("print_room", "kitchen_1"):
        d.go(place)
        d.see(
            ["carol"] if place == "office_b" else [], ("printer",) if place == "print_room" else ()
        )
    d.skill(
        "inspect",
        not second,
        "inspected the printer: paper jam"
        if not second
        else "could not inspect the printer: a person was in the way",
        8,
        0.03,
        objects=["printer"],
    )
    d.request(f"r{day}-3", "bob", "done" if not second else "failed", "check the printer upstairs")
    if second:
        d.skill("explore", False, "explore aborted: corridor blocked by boxes", 15, 0.08)
        d.safety("slowed down near carol in a narrow corridor")
    d.see([])
    d.go("meeting_room")
    d.request(f"r{day}-1", "carol", "failed", "bring the parcel to the lab")
    d.skill("express", True, "danced alone", 2, 0.01)
    d.go("dock")
    d.skill("dock_and_charge", True, "charged to full", 60, -1.0)
    d.battery = 1.0
    d.t = max(d.t, at(day, 16.0))
    d.skill("rest", True, "rested at the dock", 45, 0.01)
    d.go("lab")
    d.see(["alice"])
    said = rng.random() < 0.7
    d.skill(
        "speak",
        said,
        "said goodbye to alice" if said else "could not say goodbye: alice had walked away",
        2,
        0.005,
        people=["alice"],
    )
    d.go("dock")
    d.t = max(d.t, at(day, 18.0))
    d.see([])
    return d.out


def synthetic_days(world: WorldKnowledge, days: int = 2, seed: int = 0) -> list[Experience]:
    """``days`` days of episodes; same seed, same stream."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    rng = random.Random(seed)
    out: list[Experience] = []
    for day in range(days):
        out.extend(_one_day(world, day, rng))
    return out
