"""Where things are, as Sys2 needs it: the locations behind the names in the world knowledge.

:class:`~pepa.knowledge.WorldKnowledge` says *which* places, people and objects exist; to
estimate travel and to resolve "the printer on floor 2" Sys2 also needs *where* they are and
what kind of thing they are. The site map gathers that once from the knowledge and, when the
runtime has it, from the building description (the robot's map): rooms with centres and areas,
landmarks with their room, people's desks, the dock, and the elevator doors and stairwells that
connect floors.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pepa.knowledge import DOCK_PLACE_KIND, WorldKnowledge
from pepa.messages import Place, Pose

if TYPE_CHECKING:
    from pepa.building.layout import Building

log = logging.getLogger(__name__)

_FLOOR_SUFFIX = re.compile(r"^(.+?)_f(\d+)$")
ELEVATOR_KINDS = frozenset({"elevator_lobby", "elevator"})
STAIRS_KINDS = frozenset({"stairwell", "stairs"})
DOCK_KINDS = frozenset({"dock", "charger"})
TRANSIT_KINDS = frozenset({"corridor"}) | ELEVATOR_KINDS | STAIRS_KINDS


@dataclass(frozen=True, slots=True)
class Location:
    """A point on a floor, and the room it belongs to when known."""

    floor: int
    x: float
    y: float
    room: str | None = None

    def planar_distance(self, other: Location) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass(frozen=True, slots=True)
class Entity:
    """A nameable thing: its id, what it is, a display name, and where it is."""

    id: str
    kind: str  # "place", "object" or "person"
    category: str  # the room kind, landmark kind, or "person"
    name: str
    floor: int | None
    location: Location | None


@dataclass(frozen=True, slots=True)
class Connector:
    """A way between floors: an elevator door or a stairwell, on one floor."""

    id: str
    mode: str  # "elevator" or "stairs"
    floor: int
    location: Location
    floors: tuple[int, ...]
    per_floor_s: float
    energy_factor: float


@dataclass
class SiteMap:
    """Locations, categories and connectors of everything the robot may be asked about."""

    places: dict[str, Entity] = field(default_factory=dict)
    objects: dict[str, Entity] = field(default_factory=dict)
    people: dict[str, Entity] = field(default_factory=dict)
    floor_names: dict[int, str] = field(default_factory=dict)
    room_area: dict[str, float] = field(default_factory=dict)
    connectors: list[Connector] = field(default_factory=list)
    dock: str | None = None
    home: str | None = None
    dock_location: Location | None = None
    off_limits: frozenset[str] = frozenset()  # places the robot may never enter

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def build(cls, knowledge: WorldKnowledge, building: Building | None = None) -> SiteMap:
        """From the knowledge alone, or enriched by a building description (the building map
        layer's :class:`~pepa.building.layout.Building`, below Sys2)."""
        site = cls()
        for name, place in knowledge.places.items():
            loc = Location(place.floor, place.pose.x, place.pose.y, name)
            site.places[name] = Entity(name, "place", place.kind, _words(name), place.floor, loc)
        for person in knowledge.people:
            site.people[person] = Entity(person, "person", "person", person, None, None)
        for obj in knowledge.objects:
            # without a building, a "_f<N>" suffix is the only hint of an object's floor
            suffix = _FLOOR_SUFFIX.match(obj)
            base, floor = (suffix.group(1), int(suffix.group(2))) if suffix else (obj, None)
            site.objects[obj] = Entity(obj, "object", _words(base), _words(obj), floor, None)
        for level in knowledge.floors:
            site.floor_names[level] = f"floor {level}"
        site.off_limits = frozenset(knowledge.off_limits)
        if building is not None:
            site._add_building(knowledge, building)
        site._fallback_connectors_and_dock()
        return site

    def _add_building(self, knowledge: WorldKnowledge, building: Building) -> None:
        rooms = {r.id: r for r in building.rooms}
        for f in building.floors:
            self.floor_names[f.level] = str(f.name)
        for rid, room in rooms.items():
            x0, y0, x1, y1 = room.rect
            self.room_area[rid] = (x1 - x0) * (y1 - y0)
            if rid in self.places:
                old = self.places[rid]
                self.places[rid] = Entity(
                    rid, "place", room.kind, room.name.lower(), room.floor, old.location
                )
        for lm in building.landmarks:
            if lm.id not in knowledge.objects:
                continue
            spot = Location(lm.floor, lm.x, lm.y, lm.room)
            self.objects[lm.id] = Entity(lm.id, "object", lm.kind, lm.name.lower(), lm.floor, spot)
        for p in building.people:
            if p.id not in self.people:
                continue
            desk = rooms.get(p.desk)
            loc: Location | None = None
            if desk is not None:
                cx, cy = desk.center
                loc = Location(desk.floor, cx, cy, desk.id)
            self.people[p.id] = Entity(p.id, "person", "person", p.name.lower(), None, loc)
        dock = building.dock
        if dock.room in rooms:
            self.dock = dock.id if dock.id in self.places else dock.room
            self.dock_location = Location(rooms[dock.room].floor, dock.x, dock.y, dock.room)
        self.home = building.home.id
        for ev in building.elevators:
            for door in ev.doors:
                self.connectors.append(
                    Connector(
                        ev.id,
                        "elevator",
                        door.floor,
                        Location(door.floor, door.center[0], door.center[1], door.lobby),
                        tuple(ev.floors),
                        float(ev.travel_s_per_floor),
                        1.0,
                    )
                )
        for st in building.stairs:
            for room_id in st.rooms:
                landing = rooms.get(room_id)
                if landing is None:
                    continue
                cx, cy = landing.center
                self.connectors.append(
                    Connector(
                        st.id,
                        "stairs",
                        landing.floor,
                        Location(landing.floor, cx, cy, room_id),
                        tuple(st.floors),
                        # a storey is two flights of about 4 m at the stairs' speed limit
                        8.0 / float(st.speed_limit_mps),
                        float(st.energy_factor),
                    )
                )

    def _fallback_connectors_and_dock(self) -> None:
        """Without a building: elevator lobbies and stairwells among the places, a dock place."""
        floors = tuple(sorted(self.floor_names))
        if not self.connectors:
            for e in self.places.values():
                if e.location is None:
                    continue
                if e.category in ELEVATOR_KINDS:
                    self.connectors.append(
                        Connector(e.id, "elevator", e.location.floor, e.location, floors, 3.0, 1.0)
                    )
                elif e.category in STAIRS_KINDS:
                    self.connectors.append(
                        Connector(e.id, "stairs", e.location.floor, e.location, floors, 27.0, 3.0)
                    )
        if self.dock is None:
            for e in self.places.values():
                if e.category in DOCK_KINDS:
                    self.dock, self.dock_location = e.id, e.location
                    break
        if self.dock is not None and self.dock_location is None:
            self.dock_location = self.location_of(self.dock)
        if self.home is None:
            self.home = self.dock

    # --- queries --------------------------------------------------------------------------

    def entity(self, name: str) -> Entity | None:
        return self.places.get(name) or self.objects.get(name) or self.people.get(name)

    def location_of(self, name: str) -> Location | None:
        ent = self.entity(name)
        return ent.location if ent is not None else None

    def floor_of(self, name: str) -> int | None:
        ent = self.entity(name)
        if ent is None:
            return None
        if ent.floor is not None:
            return ent.floor
        return ent.location.floor if ent.location is not None else None

    def rooms_on(self, floor: int) -> list[str]:
        """The rooms of a floor a visit means something in: not corridors, lobbies or stairs,
        not the dock (it stands in a room, and entering that room visits it) and none off
        limits. A place here the robot never enters would promise a visit forever."""
        off = self.off_limits
        return [
            e.id
            for e in self.places.values()
            if e.floor == floor
            and e.category not in TRANSIT_KINDS
            and e.category != DOCK_PLACE_KIND
            and e.id not in off
        ]

    def floor_area(self, floor: int) -> float:
        rooms = self.rooms_on(floor)
        return sum(self.room_area.get(r, 40.0) for r in rooms)

    def nearest_place(self, floor: int, x: float, y: float) -> str | None:
        """The known place nearest to a point (the robot's pose snapped to the map)."""
        best, best_d = None, math.inf
        for e in self.places.values():
            if e.location is None or e.location.floor != floor:
                continue
            d = math.hypot(e.location.x - x, e.location.y - y)
            if d < best_d:
                best, best_d = e.id, d
        return best

    def connectors_on(self, floor: int) -> Iterable[Connector]:
        return (c for c in self.connectors if c.floor == floor)


def _words(identifier: str) -> str:
    return identifier.replace("_", " ").strip().lower()


def knowledge_from_building(building: Building) -> WorldKnowledge:
    """The world knowledge a building description gives: rooms (and the dock) as places,
    landmarks as objects, people, elevators and floors."""
    places: dict[str, Place] = {}
    for room in building.rooms:
        cx, cy = room.center
        places[room.id] = Place(
            name=room.id, floor=room.floor, kind=room.kind, pose=Pose(x=cx, y=cy, floor=room.floor)
        )
    dock = building.dock
    dock_room = building.room(dock.room)
    if dock.id not in places:
        places[dock.id] = Place(
            name=dock.id,
            floor=dock_room.floor,
            kind=DOCK_PLACE_KIND,
            pose=Pose(x=dock.x, y=dock.y, theta=dock.theta_rad, floor=dock_room.floor),
        )
    return WorldKnowledge(
        places=places,
        people=[p.id for p in building.people],
        objects=[lm.id for lm in building.landmarks],
        elevators=[e.id for e in building.elevators],
        floors=list(building.floor_levels),
        off_limits=building.off_limits_rooms(),
    )
