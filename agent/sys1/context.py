"""What a running skill can reach: the robot, the map and router, perception, safety, memory.

The context also owns Sys1's own navigation map: a router over a configuration space in which
the building's forbidden zones are walls (so no plan ever passes through one), plus the
blockages the robot has run into itself (forgotten after a while, so a cleared corridor is
tried again). Route searches go through a :mod:`planner <agent.sys1.planner>`, which may run
them on a worker thread; the map is then changed and searched under ``router_lock`` only.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pepa.agent.sys1.config import Sys1Config
from pepa.agent.sys1.livelock import LivelockGuard
from pepa.agent.sys1.perception import Perception
from pepa.agent.sys1.planner import InlinePlanner, Job, Planner
from pepa.agent.sys1.recorder import ExperienceRecorder
from pepa.agent.sys1.safety import SafetyGuard
from pepa.agent.sys1.visit_map import VisitMap
from pepa.building.layout import Building, Rect
from pepa.building.occupancy import CSpace
from pepa.building.routing import NoRouteError, Route, Router
from pepa.messages import SkillCall
from pepa.robot import Robot, RobotPose, Sighting

if TYPE_CHECKING:
    from pepa.agent.sys1.navigation_backend import NavigationBackend
    from pepa.agent.sys1.skills.base import Skill

log = logging.getLogger(__name__)

Target = tuple[int, float, float]


@dataclass
class Blockage:
    floor: int
    rect: Rect
    until: float


def navigation_map(building: Building, radius_m: float) -> tuple[CSpace, Router]:
    """A configuration space with forbidden zones and stairs as obstacles, and a router on it.

    Flights and mid landings are closed to driving: on them the robot is between floors, so
    a drive leg, a goal or an exploration target there could never be reached on the floor it
    was planned on. Only a route's stairs legs cross them, as a unit (see
    :meth:`pepa.building.routing.Router.route`).
    """
    cspace = CSpace(building, radius_m)
    for level in building.floor_levels:
        stairs = [
            rect
            for s in building.stairs
            if level in s.floors
            for rect in (s.up_flight, s.down_flight, s.mid_landing)
        ]
        cspace[level].close([*building.forbidden_rects(level), *stairs])
    return cspace, Router(building, cspace)


class SkillContext:
    """Shared state of Sys1's skills; the executor refreshes ``now`` and ``pose`` each tick."""

    def __init__(
        self,
        robot: Robot,
        building: Building,
        config: Sys1Config,
        perception: Perception,
        guard: SafetyGuard,
        recorder: ExperienceRecorder,
        cspace: CSpace,
        router: Router,
        visits: VisitMap,
        factory: Callable[[SkillContext, SkillCall], Skill],
        planner: Planner | None = None,
        navigation: NavigationBackend | None = None,
    ) -> None:
        self.robot = robot
        self.building = building
        self.config = config
        self.perception = perception
        self.guard = guard
        self.recorder = recorder
        self.cspace = cspace
        self.router = router
        self.visits = visits
        self._factory = factory
        self.planner: Planner = planner if planner is not None else InlinePlanner()
        #: Drives same-floor legs when the robot runs its own navigation stack (else Sys1 does).
        self.navigation = navigation
        #: Held while the map is searched or changed (a planner may search on its own thread).
        self.router_lock = threading.RLock()
        self.now = 0.0
        self.pose = robot.pose()
        self.battery = robot.battery()
        self.distance_m = 0.0
        self.energy_wh = 0.0
        self.control_dt = 1.0 / config.control.control_hz
        self.cmd = (0.0, 0.0)
        self.blockages: list[Blockage] = []
        self.elevator_outages: dict[str, float] = {}  # elevator id -> retry after
        self.spoken: list[tuple[float, str | None, str]] = []
        #: Floor changes and blocked spots, to catch work going round in circles.
        self.livelock = LivelockGuard(config.livelock)
        #: Look now (a perception update outside the schedule); set by the executor.
        self.look: Callable[[], list[Sighting]] = lambda: []

    # --- per tick ---------------------------------------------------------------------------

    def refresh(self, now: float) -> None:
        self.now = now
        pose = self.robot.pose()
        if pose.floor == self.pose.floor:
            self.distance_m += math.hypot(pose.x - self.pose.x, pose.y - self.pose.y)
        elif self.building.elevator_at(pose.floor, pose.x, pose.y) is None:
            # a car only moves when called: a ride is a transfer, never a circle by itself
            self.livelock.floor_changed(now, self.pose.floor, pose.floor, pose.x, pose.y)
        self.pose = pose
        bat = self.robot.battery()
        if bat.soc < self.battery.soc:
            self.energy_wh += (self.battery.soc - bat.soc) * bat.capacity_wh
        self.battery = bat
        self._expire(now)

    def _expire(self, now: float) -> None:
        if self.blockages and self.blockages[0].until <= now:
            gone = [b for b in self.blockages if b.until <= now]
            self.blockages = [b for b in self.blockages if b.until > now]
            with self.router_lock:
                for b in gone:
                    self.router.block(b.floor, b.rect, False)
                for b in self.blockages:  # overlapping ones stay blocked
                    if any(g.floor == b.floor for g in gone):
                        self.router.block(b.floor, b.rect, True)
        for eid, until in list(self.elevator_outages.items()):
            if until <= now:
                del self.elevator_outages[eid]
                with self.router_lock:
                    self.router.set_elevator_available(eid, True)

    # --- motion -----------------------------------------------------------------------------

    def drive(self, v: float, w: float, hold_s: float | None = None) -> tuple[float, float]:
        """Command the base through the safety guard for ``hold_s`` seconds (the control
        period by default); returns what was actually sent."""
        hold = self.control_dt if hold_s is None else hold_s
        v = self.careful_speed(self.pose, v)
        v, w = self.guard.filter_cmd(self.pose, v, w, self.now, hold)
        self.robot.set_cmd_vel(v, w)
        self.cmd = (v, w)
        return v, w

    def careful_speed(self, pose: RobotPose, v: float) -> float:
        """The speed the robot allows itself at ``pose``: its own slowing near people (as
        its personality cares), before the guard would have to."""
        margin = self.config.control.slow_near_people_m
        guard = self.config.safety
        if margin <= 0.0 or v <= guard.near_person_mps:
            return v
        reach = guard.near_person_m + margin
        if self.guard.nearest_person(pose, reach) <= reach:
            return guard.near_person_mps
        return v

    def stop(self) -> None:
        self.robot.set_cmd_vel(0.0, 0.0)
        self.cmd = (0.0, 0.0)

    @property
    def moving(self) -> bool:
        return self.cmd != (0.0, 0.0)

    # --- skills -----------------------------------------------------------------------------

    def make(self, call: SkillCall) -> Skill:
        return self._factory(self, call)

    # --- map ------------------------------------------------------------------------------

    def resolve(self, place: object) -> Target:
        """(floor, x, y) of a room, landmark, 'dock', 'home' or pose; ValueError if unknown."""
        return self.router.resolve(place)

    def route(self, target: Target, *, stairs_only: bool = False) -> Route:
        """Legs from here to ``target``, searched now; raises NoRouteError."""
        return self._route_from(self.pose, target, stairs_only)

    def plan_route(self, target: Target, *, stairs_only: bool = False) -> Job[Route]:
        """Legs from here to ``target``, searched by the planner (perhaps on its thread)."""
        start = self.pose
        return self.planner.submit(lambda: self._route_from(start, target, stairs_only))

    def _route_from(self, p: RobotPose, target: Target, stairs_only: bool) -> Route:
        with self.router_lock:
            if not stairs_only:
                return self.router.route((p.floor, p.x, p.y), target)
            saved = set(self.router.unavailable_elevators)
            try:
                for e in self.building.elevators:
                    self.router.set_elevator_available(e.id, False)
                return self.router.route((p.floor, p.x, p.y), target)
            finally:
                self.router.unavailable_elevators = saved

    def mark_blocked(self, pose: RobotPose, gap_m: float = 0.45, size_m: float = 1.0) -> Rect:
        """Remember an obstruction just ahead of ``pose`` and re-plan around it.

        The area starts ``gap_m`` ahead of the robot's centre, so the robot itself stays on
        free ground and can plan from where it stands.
        """
        ahead = gap_m + size_m / 2
        cx = pose.x + ahead * math.cos(pose.theta)
        cy = pose.y + ahead * math.sin(pose.theta)
        h = size_m / 2
        rect = (cx - h, cy - h, cx + h, cy + h)
        ttl = self.config.control.blocked_ttl_s
        self.blockages.append(Blockage(pose.floor, rect, self.now + ttl))
        self.blockages.sort(key=lambda b: b.until)
        with self.router_lock:
            self.router.block(pose.floor, rect, True)
        self.livelock.blocked(self.now, pose.floor, pose.x, pose.y)
        log.info("blocked area noted on floor %d at (%.1f, %.1f)", pose.floor, cx, cy)
        return rect

    def forget_blockages(self) -> int:
        """Forget every blocked area noted (as a navigation stack clears its costmap when no
        plan is left); return how many. The areas are guesses from where the robot got stuck,
        noted from its own pose: one in a doorway can shut it in a room until they expire.
        A spot that really stays blocked is noted again (the livelock guard counts it)."""
        gone = len(self.blockages)
        with self.router_lock:
            for b in self.blockages:
                self.router.block(b.floor, b.rect, False)
        self.blockages = []
        if gone:
            log.info("forgot %d blocked area(s) that left no way", gone)
        return gone

    def elevator_out_of_service(self, elevator: str) -> None:
        self.elevator_outages[elevator] = self.now + self.config.skills.elevator_out_of_service_s
        with self.router_lock:
            self.router.set_elevator_available(elevator, False)

    def blocked_labels(self) -> list[str]:
        out = []
        for b in self.blockages:
            room = self.building.room_at(
                b.floor, (b.rect[0] + b.rect[2]) / 2, (b.rect[1] + b.rect[3]) / 2
            )
            out.append(room.id if room else f"floor_{b.floor}")
        out.extend(f"elevator {e}" for e in self.elevator_outages)
        return sorted(set(out))

    def room_here(self) -> str | None:
        r = self.building.room_at(self.pose.floor, self.pose.x, self.pose.y)
        return r.id if r else None

    # --- speech -----------------------------------------------------------------------------

    def say(self, text: str, person: str | None, skill: str) -> None:
        """Speak (text is data: it is sanitised and spoken, never interpreted) and record it."""
        clean = self.guard.sanitize_text(text)
        self.robot.speak(clean, person)
        self.spoken.append((self.now, person, clean))
        if len(self.spoken) > 200:
            del self.spoken[:100]
        who = f" to {person}" if person else ""
        self.recorder.interaction(self.now, self.pose, person, f'said{who}: "{clean}"', skill)


__all__ = ["Blockage", "NoRouteError", "SkillContext", "Target", "navigation_map"]
