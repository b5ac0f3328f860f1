"""Perception: what the robot sees, turned into beliefs and the public context.

Two detectors give the same output, a list of :class:`Sighting` (what was seen, its estimated
map position, its distance and bearing):

* ``camera`` runs the real ``cv2.aruco.ArucoDetector`` on the robot's camera frames; marker ids
  map to landmarks, people's badges and elevator call panels (from the building description),
  and the position comes from the bearing of the marker's centre and the depth given by the
  apparent height of its vertical edges (a marker of known size hangs upright).
* ``oracle`` reads the simulator's ground truth of what is in view and passes it through a
  seeded miss / noise model (misses and range noise grow with distance), for fast runs.

:class:`Perception` keeps the belief built from sightings (people where last seen, objects,
rooms visited, the visit map) and reports *notable* percepts: a person or object seen for the
first time, a person back after a long absence, an object that moved.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys1.visit_map import VisitMap
from pepa.building.layout import Building
from pepa.building.markers import dictionary
from pepa.clock import day_of
from pepa.robot import CameraImage, Robot, RobotPose, Sighting, SightingKind
from pepa.world_state import WorldState

log = logging.getLogger(__name__)


@runtime_checkable
class GroundTruth(Protocol):
    """The simulator's answer to "what is in view from here" (for oracle perception)."""

    def visible(self, pose: RobotPose, fov_rad: float, range_m: float) -> list[Sighting]: ...


@runtime_checkable
class Detector(Protocol):
    def detect(self, pose: RobotPose, now: float) -> list[Sighting]: ...


def nearest_readable_m(config: PerceptionConfig, height_m: float, side_m: float) -> float:
    """The nearest depth from which a whole marker (``side_m``, centred ``height_m`` up, white
    border included) fits in the camera's vertical field of view.

    The camera sits low: closer than this, a marker at table height leaves the top of the
    image and cannot be read, however squarely the robot faces it.
    """
    focal = config.camera_width_px / 2 / math.tan(math.radians(config.fov_deg) / 2)
    slope = math.tan(0.97 * math.atan(config.camera_height_px / 2 / focal))
    half = side_m * 0.75
    above = height_m + half - config.camera_mount_m
    below = config.camera_mount_m - (height_m - half)
    return max(above, below, 0.0) / slope


def farthest_readable_m(config: PerceptionConfig, side_m: float) -> float:
    """The farthest depth at which a marker of ``side_m`` seen squarely still spans
    ``min_marker_px`` pixels."""
    focal = config.camera_width_px / 2 / math.tan(math.radians(config.fov_deg) / 2)
    return focal * side_m / config.min_marker_px


class OracleDetector:
    """Ground truth in the field of view through the camera's geometry and a seeded miss and
    noise model.

    A marker counts as readable when all of it is inside the image (vertical field of view
    from the camera's mount height, horizontal edges inside the horizontal one) and its side
    spans at least ``min_marker_px`` pixels, as for the real detector; then it is missed with
    a probability growing with distance, and its position gets noise growing with distance.
    """

    def __init__(
        self,
        truth: GroundTruth,
        config: PerceptionConfig,
        seed: int = 0,
        building: Building | None = None,
    ) -> None:
        self.truth = truth
        self.config = config
        self.rng = np.random.default_rng(seed)
        self.markers: dict[str, tuple[float, float]] = {}  # ident -> (centre height, side)
        if building is not None:
            for lm in building.landmarks:
                self.markers[lm.id] = (lm.marker_height_m, lm.marker_size_m)
            for p in building.people:
                self.markers[p.id] = (p.badge_height_m, p.badge_size_m)
            for e in building.elevators:
                for d in e.doors:
                    self.markers[f"{e.id}@{d.floor}"] = (
                        config.panel_marker_height_m,
                        config.panel_marker_size_m,
                    )
        c = config
        self._half_h = math.radians(c.fov_deg) / 2
        self._focal = c.camera_width_px / 2 / math.tan(self._half_h)
        self._half_v = math.atan(c.camera_height_px / 2 / self._focal)

    def readable(self, s: Sighting) -> bool:
        entry = self.markers.get(s.ident)
        if entry is None:
            return True
        height, side = entry
        # depth along the optical axis: what sets a marker's size in pixels
        d = max(s.distance * math.cos(s.bearing), 1e-6)
        c = self.config
        if self._focal * side / d < c.min_marker_px:
            return False
        # seen obliquely, a marker's width shrinks with the cosine of the incidence
        narrow = math.cos(s.incidence)
        if self._focal * side * narrow / d < c.min_marker_px * 0.45:
            return False
        # the marker's white border counts: a marker cut by the image edge is not read
        half = side * 0.75
        if math.atan2(height + half - c.camera_mount_m, d) > self._half_v * 0.97:
            return False
        if math.atan2(c.camera_mount_m - (height - half), d) > self._half_v * 0.97:
            return False
        return abs(s.bearing) + math.atan2(side / 2 * narrow, s.distance) <= self._half_h

    def detect(self, pose: RobotPose, now: float) -> list[Sighting]:
        c = self.config
        out = []
        for s in self.truth.visible(pose, math.radians(c.fov_deg), c.range_m):
            if not self.readable(s):
                continue
            frac = min(1.0, s.distance / c.range_m)
            p_miss = c.miss_base + (c.miss_at_range - c.miss_base) * frac * frac
            if p_miss > 0 and self.rng.random() < p_miss:
                continue
            sigma = c.noise_base_m + c.noise_per_m * s.distance
            if sigma > 0:
                dx, dy = self.rng.normal(0.0, sigma, 2)
                s = Sighting(
                    s.kind,
                    s.ident,
                    s.floor,
                    s.x + dx,
                    s.y + dy,
                    s.distance,
                    s.bearing,
                    s.incidence,
                )
            out.append(s)
        return out


class MarkerTable:
    """Marker id -> (kind, owner id, marker side in metres), from the building description."""

    def __init__(self, building: Building, panel_marker_size_m: float = 0.25) -> None:
        self.entries: dict[int, tuple[SightingKind, str, float]] = {}
        for lm in building.landmarks:
            self.entries[lm.marker_id] = ("landmark", lm.id, lm.marker_size_m)
        for p in building.people:
            self.entries[p.badge_marker_id] = ("person", p.id, p.badge_size_m)
        for e in building.elevators:
            for d in e.doors:
                self.entries[d.panel_marker_id] = (
                    "elevator_panel",
                    f"{e.id}@{d.floor}",
                    panel_marker_size_m,
                )

    def get(self, marker_id: int) -> tuple[SightingKind, str, float] | None:
        return self.entries.get(int(marker_id))


def marker_detector(building: Building) -> cv2.aruco.ArucoDetector:
    """The ArUco detector for the building's marker dictionary: Sys1's, and the console's when
    it outlines what the robot sees."""
    return cv2.aruco.ArucoDetector(
        dictionary(building.aruco_dictionary), cv2.aruco.DetectorParameters()
    )


class CameraDetector:
    """ArUco markers in the robot's camera frames, placed on the map."""

    def __init__(
        self,
        robot: Robot,
        building: Building,
        config: PerceptionConfig,
    ) -> None:
        self.robot = robot
        self.config = config
        self.table = MarkerTable(building, config.panel_marker_size_m)
        self.detector = marker_detector(building)
        self.frames = 0
        self.unknown_ids: set[int] = set()

    def detect(self, pose: RobotPose, now: float) -> list[Sighting]:
        frame = self.robot.camera_frame()
        if frame is None:
            return []
        self.frames += 1
        return self.detect_in(frame)

    def detect_in(self, frame: CameraImage) -> list[Sighting]:
        grey = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
        corners, ids, _ = self.detector.detectMarkers(grey)
        if ids is None:
            return []
        fx, fy = float(frame.k[0, 0]), float(frame.k[1, 1])
        cx = float(frame.k[0, 2])
        pose = frame.pose
        out: list[Sighting] = []
        for quad, mid in zip(corners, ids.ravel(), strict=True):
            entry = self.table.get(int(mid))
            if entry is None:
                # not on the map: something new with a marker (a parcel, a box)
                self.unknown_ids.add(int(mid))
                unmapped: tuple[SightingKind, str, float] = (
                    "object",
                    f"marker_{int(mid)}",
                    self.config.object_marker_size_m,
                )
                entry = unmapped
            kind, ident, size = entry
            pts = quad.reshape(4, 2)
            # ArUco order: top-left, top-right, bottom-right, bottom-left
            height_px = 0.5 * (
                float(np.linalg.norm(pts[0] - pts[3])) + float(np.linalg.norm(pts[1] - pts[2]))
            )
            if height_px < 1.0:
                continue
            depth = fy * size / height_px
            u = float(pts[:, 0].mean())
            lateral = depth * (cx - u) / fx  # to the left
            c, s = math.cos(pose.theta), math.sin(pose.theta)
            x = pose.x + depth * c - lateral * s
            y = pose.y + depth * s + lateral * c
            distance = math.hypot(depth, lateral)
            if distance > self.config.range_m:
                continue  # beyond the range perception trusts (as for the oracle)
            out.append(
                Sighting(
                    kind,
                    ident,
                    pose.floor,
                    x,
                    y,
                    distance,
                    math.atan2(lateral, depth),
                )
            )
        return out


@dataclass
class Track:
    """Where something was last seen."""

    floor: int
    x: float
    y: float
    time: float
    room: str | None
    first_seen: float


@dataclass
class Belief:
    """What the robot believes about the building's contents (rebuilt from sightings)."""

    people: dict[str, Track] = field(default_factory=dict)
    objects: dict[str, Track] = field(default_factory=dict)
    panels: dict[str, float] = field(default_factory=dict)
    visited_today: dict[str, int] = field(default_factory=dict)  # room -> entries today
    visited_at: dict[str, float] = field(default_factory=dict)  # room -> last time there
    met_today: dict[str, int] = field(default_factory=dict)  # person -> exchanges today
    met_at: dict[str, float] = field(default_factory=dict)  # person -> last exchange's end
    room: str | None = None  # where the last look was taken from
    rooms_ever: set[str] = field(default_factory=set)
    day: int = 0


@dataclass(frozen=True)
class Notable:
    """A percept worth an experience."""

    caption: str
    people: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()


class Perception:
    """Detector + belief + visit map; fills the world state Sys1 publishes."""

    def __init__(
        self,
        building: Building,
        detector: Detector,
        config: PerceptionConfig,
        visits: VisitMap,
        absent_s: float = 1800.0,
    ) -> None:
        self.building = building
        self.detector = detector
        self.config = config
        self.visits = visits
        self.belief = Belief()
        self.absent_s = absent_s
        self.last_sightings: list[Sighting] = []
        self._noted: dict[str, float] = {}  # person -> when a sighting was last recorded
        self.last_time = -math.inf
        self.updates = 0
        self._fov = math.radians(config.fov_deg)

    def room_of(self, floor: int, x: float, y: float) -> str | None:
        room = self.building.room_at(floor, x, y)
        return room.id if room is not None else None

    def _roll_day(self, now: float) -> None:
        b = self.belief
        day = day_of(now)
        if day != b.day:
            b.day = day
            b.visited_today = {}
            b.met_today = {}
            b.room = None  # the room the robot wakes in counts as entered today

    def exchanged_with(self, person: str, now: float) -> None:
        """An exchange with ``person`` (a greeting, a report, a message, guiding) completed."""
        self._roll_day(now)
        met = self.belief.met_today
        met[person] = met.get(person, 0) + 1
        self.belief.met_at[person] = now

    def update(self, pose: RobotPose, now: float) -> list[Notable]:
        """Look once from ``pose``: update beliefs, return what is worth recording."""
        self.updates += 1
        self.last_time = now
        b = self.belief
        self._roll_day(now)
        notes: list[Notable] = []
        here = self.room_of(pose.floor, pose.x, pose.y)
        if here is not None:
            b.visited_at[here] = now
            if here != b.room:
                b.visited_today[here] = b.visited_today.get(here, 0) + 1
                if here not in b.rooms_ever:
                    b.rooms_ever.add(here)
                    notes.append(Notable(f"entered {here} for the first time"))
        b.room = here
        self.visits.mark(
            pose.floor, pose.x, pose.y, pose.theta, self._fov, self.config.seen_radius_m
        )
        sightings = self.detector.detect(pose, now)
        self.last_sightings = sightings
        for s in sightings:
            room = self.room_of(s.floor, s.x, s.y)
            if s.kind == "person":
                notes.extend(self._see_person(s, room, now))
            elif s.kind in ("landmark", "object"):
                notes.extend(self._see_object(s, room, now))
            else:
                b.panels[s.ident] = now
        return notes

    def _see_person(self, s: Sighting, room: str | None, now: float) -> list[Notable]:
        b = self.belief
        old = b.people.get(s.ident)
        name = self._person_name(s.ident)
        where = room or f"floor {s.floor}"
        b.people[s.ident] = Track(
            s.floor,
            s.x,
            s.y,
            now,
            room or (old.room if old else None),
            old.first_seen if old else now,
        )
        if old is None:
            caption = f"met {name} for the first time, in {where}"
        elif now - old.time >= self.absent_s:
            caption = f"saw {name} again, in {where}"
        elif now - self._noted.get(s.ident, -math.inf) >= self.config.person_note_s:
            # still around: noted now and then, so "when did I last see them" does not lag
            # by as long as they stayed in view
            caption = f"still seeing {name}, in {where}"
        else:
            return []
        self._noted[s.ident] = now
        return [Notable(caption, people=(s.ident,))]

    def _see_object(self, s: Sighting, room: str | None, now: float) -> list[Notable]:
        b = self.belief
        old = b.objects.get(s.ident)
        name = self._object_name(s.ident)
        b.objects[s.ident] = Track(s.floor, s.x, s.y, now, room, old.first_seen if old else now)
        if old is None:
            return [Notable(f"noticed the {name} in {room}", objects=(s.ident,))]
        moved = math.hypot(old.x - s.x, old.y - s.y)
        if old.floor != s.floor or moved > self.config.object_moved_m:
            return [Notable(f"the {name} has moved to {room}", objects=(s.ident,))]
        return []

    def _person_name(self, pid: str) -> str:
        p = self.building.people_by_id.get(pid)
        return p.name if p else pid

    def _object_name(self, oid: str) -> str:
        lm = self.building.landmarks_by_id.get(oid)
        return lm.name.lower() if lm else oid

    # --- queries skills use -------------------------------------------------------------

    def person(self, pid: str, now: float, within_s: float) -> Track | None:
        t = self.belief.people.get(pid)
        return t if t is not None and now - t.time <= within_s else None

    def sees(self, ident: str) -> Sighting | None:
        """The latest sighting of ``ident`` from the last update, if any."""
        for s in self.last_sightings:
            if s.ident == ident:
                return s
        return None

    def people_near(self, pose: RobotPose, radius_m: float, now: float, within_s: float) -> float:
        """Distance to the nearest person seen recently on this floor (inf if none)."""
        best = math.inf
        for t in self.belief.people.values():
            if t.floor == pose.floor and now - t.time <= within_s:
                best = min(best, math.hypot(t.x - pose.x, t.y - pose.y))
        return best if best <= radius_m else math.inf

    def world_state(
        self,
        now: float,
        pose: RobotPose,
        battery: float,
        charging: bool,
        current_skill: str | None,
        blocked: list[str],
        pending_requests: int = 0,
        expressions_since_rest: int = 0,
        floor_unseen: dict[int, float] | None = None,
    ) -> WorldState:
        b = self.belief
        return WorldState(
            time=now,
            battery=min(1.0, max(0.0, battery)),
            charging=charging,
            pose=pose.to_pose(),
            room=self.room_of(pose.floor, pose.x, pose.y),
            people_rooms={p: t.room for p, t in b.people.items() if t.room is not None},
            people_seen_at={p: t.time for p, t in b.people.items()},
            objects_seen_at={o: t.time for o, t in b.objects.items()},
            visited_today=dict(b.visited_today),
            visited_at=dict(b.visited_at),
            met_today=dict(b.met_today),
            met_at=dict(b.met_at),
            pending_requests=pending_requests,
            idle=current_skill is None,
            current_skill=current_skill,
            blocked=blocked,
            expressions_since_rest=expressions_since_rest,
            floor_unseen=floor_unseen or {},
        )
