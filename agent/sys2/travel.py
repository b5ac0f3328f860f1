"""How long and how costly it is to get from one named place to another.

Sys2 needs travel *estimates* for thousands of simulated skill calls per decision, so costs are
cached per (from, to) pair of names. :class:`MapTravel` estimates from the map: same-floor
distance with a detour factor, and between floors the cheaper of each elevator (walk to its
door, expected wait, ride, walk on) and the stairs (slow and energy-hungry). When the
simulator's router is available the runtime hands it in through :class:`RouterTravel` so the
estimates follow the real grid paths instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pepa.agent.sys2.config import RobotModel
from pepa.agent.sys2.site_map import Location, SiteMap


@dataclass(frozen=True, slots=True)
class Travel:
    seconds: float
    metres: float
    energy_wh: float
    mode: str = "walk"  # "walk", "elevator" or "stairs"
    reachable: bool = True


UNREACHABLE = Travel(math.inf, math.inf, math.inf, "none", False)


class TravelEstimator(Protocol):
    def travel(self, start: str, goal: str) -> Travel: ...


class MapTravel:
    """Travel estimated from the site map's locations and floor connectors."""

    def __init__(self, site: SiteMap, robot: RobotModel, blocked: frozenset[str] = frozenset()):
        self.site = site
        self.robot = robot
        self.blocked = blocked
        self._cache: dict[tuple[str, str], Travel] = {}
        self._centroids: dict[int, Location] = {}

    def travel(self, start: str, goal: str) -> Travel:
        key = (start, goal)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._estimate(start, goal)
            self._cache[key] = hit
        return hit

    def locate(self, name: str) -> Location | None:
        loc = self.site.location_of(name)
        if loc is not None:
            return loc
        floor = self.site.floor_of(name)
        return None if floor is None else self._centroid(floor)

    def _centroid(self, floor: int) -> Location | None:
        if floor not in self._centroids:
            pts = [
                e.location
                for e in self.site.places.values()
                if e.location is not None and e.location.floor == floor
            ]
            if not pts:
                return None
            self._centroids[floor] = Location(
                floor, sum(p.x for p in pts) / len(pts), sum(p.y for p in pts) / len(pts)
            )
        return self._centroids[floor]

    def _walk(self, a: Location, b: Location) -> tuple[float, float]:
        metres = a.planar_distance(b) * self.robot.detour_factor
        return metres / self.robot.speed_mps, metres

    def _estimate(self, start: str, goal: str) -> Travel:
        if start == goal:
            return Travel(0.0, 0.0, 0.0)
        if goal in self.blocked or start in self.blocked:
            return UNREACHABLE
        a, b = self.locate(start), self.locate(goal)
        if a is None or b is None:
            return UNREACHABLE
        move_wh_per_s = self.robot.move_w / 3600.0
        if a.floor == b.floor:
            secs, metres = self._walk(a, b)
            return Travel(secs, metres, secs * move_wh_per_s)
        best = UNREACHABLE
        storeys = abs(a.floor - b.floor)
        for c in self.site.connectors_on(a.floor):
            if b.floor not in c.floors:
                continue
            exit_c = next((x for x in self.site.connectors_on(b.floor) if x.id == c.id), None)
            if exit_c is None:
                continue
            s1, m1 = self._walk(a, c.location)
            s2, m2 = self._walk(exit_c.location, b)
            walk_wh = (s1 + s2) * move_wh_per_s
            if c.mode == "elevator":
                ride = self.robot.elevator_wait_s + self.robot.elevator_overhead_s
                ride += c.per_floor_s * storeys
                cand = Travel(
                    s1 + s2 + ride,
                    m1 + m2,
                    walk_wh + ride * self.robot.idle_w / 3600.0,
                    "elevator",
                )
            else:
                climb = c.per_floor_s * storeys
                cand = Travel(
                    s1 + s2 + climb,
                    m1 + m2 + 8.0 * storeys,
                    walk_wh + climb * move_wh_per_s * c.energy_factor,
                    "stairs",
                )
            if cand.seconds < best.seconds:
                best = cand
        return best


class RouterTravel:
    """Travel from an external router (e.g. the simulator's grid A* over the building).

    ``route`` maps two place names to (seconds, metres, energy_wh, mode) or None when there is
    no way; results are cached here because the world model asks the same pairs repeatedly.
    """

    def __init__(
        self, route: Callable[[str, str], tuple[float, float, float, str] | None]
    ) -> None:
        self._route = route
        self._cache: dict[tuple[str, str], Travel] = {}

    def travel(self, start: str, goal: str) -> Travel:
        key = (start, goal)
        hit = self._cache.get(key)
        if hit is None:
            if start == goal:
                hit = Travel(0.0, 0.0, 0.0)
            else:
                got = self._route(start, goal)
                hit = UNREACHABLE if got is None else Travel(got[0], got[1], got[2], got[3])
            self._cache[key] = hit
        return hit


def router_travel(router: object, robot: RobotModel) -> RouterTravel:
    """Travel from a router with ``route(from, to) -> Route`` (legs and ``cost_s``).

    The route's cost is its time; energy is walking power over that time, with climbs charged
    at the stairs' energy factor. A router that finds no way raises; that means unreachable.
    """
    route_fn = router.route  # type: ignore[attr-defined]
    resolve = router.resolve  # type: ignore[attr-defined]

    def route(start: str, goal: str) -> tuple[float, float, float, str] | None:
        try:
            r = route_fn(resolve(start), goal)
        except (RuntimeError, ValueError, KeyError):
            return None
        metres = 0.0
        mode = "walk"
        climb_s = 0.0
        for leg in r.legs:
            pts = getattr(leg, "points", None)
            if pts:
                metres += sum(math.dist(a, b) for a, b in itertools.pairwise(pts))
            if leg.kind == "elevator":
                mode = "elevator"
            elif leg.kind == "stairs":
                mode = "stairs"
                climb_s += 8.0 * abs(leg.to_floor - leg.from_floor) / 0.3
        energy = r.cost_s * robot.move_w / 3600.0 + climb_s * robot.move_w * 2.0 / 3600.0
        return r.cost_s, metres, energy, mode

    return RouterTravel(route)
