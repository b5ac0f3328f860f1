"""Routes through the building: a graph of rooms, doors, elevators and stairs, plus grid A*.

Rooms are convex, so the graph is built on *portal points* (a point either side of every door,
the hall point in front of each elevator door, the landing of each stairwell) joined by
straight segments inside each room. A segment that an object or a blocked area cuts is
replaced by an A* path on that floor's configuration space; if none exists the edge is dropped.
Changing floors is an elevator ride or a stairs climb, whichever costs less (time, with stairs
weighted by their energy cost); an elevator can be marked unavailable.

The robot's navigation skill uses the same API: ``Router.route(from_pose, to_place)`` gives a
list of legs (drive / elevator / stairs) to follow.
"""

from __future__ import annotations

import heapq
import itertools
import math
import weakref
from typing import Annotated, Any, Literal, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pepa.building.layout import Building, Rect, StairsPart, StairsSpec
from pepa.building.occupancy import CSpace

Point = tuple[float, float]

# Edges of the unblocked building, shared by every router on the same Building (A* is slow),
# per router configuration and per set of cells its map closes for good.
_STATIC_EDGES: weakref.WeakKeyDictionary[Building, dict[Any, Any]] = weakref.WeakKeyDictionary()


_START, _GOAL = -1, -2


class NoRouteError(RuntimeError):
    """No way from here to there (every path blocked or unavailable)."""


class _Leg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DriveLeg(_Leg):
    """Drive along ``points`` on one floor."""

    kind: Literal["drive"] = "drive"
    floor: int
    points: list[Point]

    @property
    def length_m(self) -> float:
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))


class ElevatorLeg(_Leg):
    """Call ``elevator_id`` at ``hall`` on ``from_floor``, ride to ``to_floor``, step out."""

    kind: Literal["elevator"] = "elevator"
    elevator_id: str
    from_floor: int
    to_floor: int
    hall: Point  # where to wait (in front of the door; the same x, y on every floor)
    car: Point  # where to stand inside the car


class StairsLeg(_Leg):
    """Climb or descend a stairwell along ``points`` from ``from_floor`` to ``to_floor``."""

    kind: Literal["stairs"] = "stairs"
    stairs_id: str
    from_floor: int
    to_floor: int
    points: list[Point]


Leg = Annotated[DriveLeg | ElevatorLeg | StairsLeg, Field(discriminator="kind")]


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    legs: list[Leg]
    cost_s: float
    goal: tuple[int, float, float]  # floor, x, y


class RouterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nominal_speed_mps: float = Field(default=0.8, gt=0)
    elevator_wait_s: float = Field(default=20.0, ge=0)
    portal_offset_m: float = Field(default=0.7, gt=0)
    stairs_weight: float = Field(default=1.0, ge=0)  # scales the stairs' energy factor


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True)
    floor: int
    x: float
    y: float
    rooms: tuple[str, ...]


def _offset(center: Point, toward: Point, d: float) -> Point:
    """A point ``d`` from a wall point ``center`` perpendicular to the wall, towards ``toward``."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    return (
        (center[0] + math.copysign(d, dx), center[1])
        if abs(dx) > abs(dy)
        else (
            center[0],
            center[1] + math.copysign(d, dy),
        )
    )


def _door_normal_point(rect: Rect, center: Point, d: float) -> Point:
    """The point ``d`` inside ``rect`` straight in from the wall point ``center``."""
    x0, y0, x1, _y1 = rect
    x, y = center
    if abs(x - x0) < 1e-6:
        return (x + d, y)
    if abs(x - x1) < 1e-6:
        return (x - d, y)
    if abs(y - y0) < 1e-6:
        return (x, y + d)
    return (x, y - d)


class Router:
    """Routes on a building; see the module docstring."""

    def __init__(
        self,
        building: Building,
        cspace: CSpace | None = None,
        config: RouterConfig | None = None,
    ) -> None:
        self.building = building
        self.cspace = cspace or CSpace(building)
        self.config = config or RouterConfig()
        self.unavailable_elevators: set[str] = set()
        self._blocks: dict[int, list[Rect]] = {}
        self._detour_nodes: dict[int, list[int]] = {}
        self.nodes: list[_Node] = []
        self._room_nodes: dict[str, list[int]] = {r.id: [] for r in building.rooms}
        self._floor_edges: dict[int, dict[int, list[tuple[int, float, list[Point]]]]] = {}
        self._transfers: list[tuple[int, int, str, str, float]] = []  # a, b, kind, id, cost
        self._build_nodes()
        self._static_key = (self.config, self.cspace.closed_signature())
        cached = _STATIC_EDGES.get(building, {}).get(self._static_key)
        clean = not any(fc.extra.any() for fc in self.cspace.floors.values())
        if cached is not None and clean:
            self._floor_edges = {f: {n: list(v) for n, v in e.items()} for f, e in cached.items()}
        else:
            for level in building.floor_levels:
                self._build_floor_edges(level)
            if clean:
                _STATIC_EDGES.setdefault(building, {})[self._static_key] = self._floor_edges
                self._floor_edges = {
                    f: {n: list(v) for n, v in e.items()} for f, e in self._floor_edges.items()
                }

    # --- graph construction -------------------------------------------------------------

    def _add_node(self, floor: int, p: Point, rooms: tuple[str, ...]) -> int:
        self.nodes.append(_Node(floor=floor, x=p[0], y=p[1], rooms=rooms))
        idx = len(self.nodes) - 1
        for r in rooms:
            self._room_nodes[r].append(idx)
        return idx

    def _build_nodes(self) -> None:
        b = self.building
        off = self.config.portal_offset_m
        self.door_nodes: dict[str, tuple[int, int]] = {}
        for d in b.doors:
            ra, rb = b.room(d.between[0]), b.room(d.between[1])
            na = self._add_node(d.floor, _door_normal_point(ra.rect, d.center, off), (ra.id,))
            nb = self._add_node(d.floor, _door_normal_point(rb.rect, d.center, off), (rb.id,))
            self.door_nodes[d.id] = (na, nb)
        self.hall_nodes: dict[tuple[str, int], int] = {}
        for e in b.elevators:
            for ed in e.doors:
                lobby = b.room(ed.lobby)
                p = _door_normal_point(lobby.rect, ed.center, 1.1)
                self.hall_nodes[(e.id, ed.floor)] = self._add_node(ed.floor, p, (lobby.id,))
            floors = sorted(e.floors)
            for i, fa in enumerate(floors):
                for fb in floors[i + 1 :]:
                    cost = (
                        self.config.elevator_wait_s
                        + 2 * e.door_move_s
                        + e.door_dwell_s
                        + abs(fb - fa) * e.travel_s_per_floor
                        + 6.0 / self.config.nominal_speed_mps
                    )
                    a, c = self.hall_nodes[(e.id, fa)], self.hall_nodes[(e.id, fb)]
                    self._transfers.append((a, c, "elevator", e.id, cost))
        self.landing_nodes: dict[tuple[str, int], int] = {}
        for s in b.stairs:
            for rid in s.rooms:
                room = b.room(rid)
                self.landing_nodes[(s.id, room.floor)] = self._add_node(
                    room.floor, self._stairs_points(s.id, up=True)[0], (rid,)
                )
            floors = sorted(s.floors)
            for fa, fb in itertools.pairwise(floors):
                pts = self._stairs_points(s.id, up=True)
                length = sum(math.dist(p, q) for p, q in itertools.pairwise(pts))
                cost = (
                    length
                    / s.speed_limit_mps
                    * max(1.0, s.energy_factor * self.config.stairs_weight)
                )
                a, c = self.landing_nodes[(s.id, fa)], self.landing_nodes[(s.id, fb)]
                self._transfers.append((a, c, "stairs", s.id, cost))

    def _stairs_points(self, stairs_id: str, up: bool) -> list[Point]:
        """Path from a floor landing up (or down) through both flights to the next landing."""
        s = next(st for st in self.building.stairs if st.id == stairs_id)
        ux0, uy0, ux1, uy1 = s.up_flight
        _dx0, dy0, _dx1, dy1 = s.down_flight
        mx0, _, mx1, _ = s.mid_landing
        uy, dy = (uy0 + uy1) / 2, (dy0 + dy1) / 2
        mid_x = (mx0 + mx1) / 2
        land_x = ux1 + 0.7 if s.landing_side == "east" else ux0 - 0.7
        between = (min(uy1, dy1) + max(uy0, dy0)) / 2
        pts = [(land_x, between), (land_x, uy), (mid_x, uy), (mid_x, dy), (land_x, dy)]
        pts.append((land_x, between))
        return pts if up else pts[::-1]

    def _segment_path(self, floor: int, a: Point, b: Point) -> list[Point] | None:
        if self.cspace.segment_free(floor, a, b):
            return [a, b]
        return self.astar(floor, a, b)

    def _build_floor_edges(self, floor: int) -> None:
        edges: dict[int, list[tuple[int, float, list[Point]]]] = {}
        for room in self.building.rooms_on(floor):
            ids = self._room_nodes[room.id]
            for i, a in enumerate(ids):
                for bnode in ids[i + 1 :]:
                    pa = (self.nodes[a].x, self.nodes[a].y)
                    pb = (self.nodes[bnode].x, self.nodes[bnode].y)
                    path = self._segment_path(floor, pa, pb)
                    if path is not None:
                        self._add_edge(edges, a, bnode, path)
        for d in self.building.doors:
            if d.floor == floor:
                a, bnode = self.door_nodes[d.id]
                pa = (self.nodes[a].x, self.nodes[a].y)
                pb = (self.nodes[bnode].x, self.nodes[bnode].y)
                path = self._segment_path(floor, pa, pb)
                if path is not None:
                    self._add_edge(edges, a, bnode, path)
        self._floor_edges[floor] = edges

    def _add_edge(
        self,
        edges: dict[int, list[tuple[int, float, list[Point]]]],
        a: int,
        b: int,
        path: list[Point],
    ) -> None:
        length = sum(math.dist(p, q) for p, q in itertools.pairwise(path))
        cost = length / self.config.nominal_speed_mps
        edges.setdefault(a, []).append((b, cost, path))
        edges.setdefault(b, []).append((a, cost, path[::-1]))

    # --- dynamic changes ----------------------------------------------------------------

    def block(self, floor: int, rect: Rect, blocked: bool = True) -> None:
        """Mark an area blocked (or free again) and update that floor's graph.

        Edges the area cuts are dropped and detour nodes are added just outside its corners
        (a visibility graph around the obstacle), so no grid search is needed.
        """
        self.cspace[floor].block_rect(rect, blocked)
        if blocked:
            self._blocks.setdefault(floor, []).append(rect)
            self._cut_and_detour(floor, rect)
            return
        remaining = [r for r in self._blocks.get(floor, []) if r != rect]
        self._blocks[floor] = remaining
        for n in self._detour_nodes.pop(floor, []):
            for rid in self.nodes[n].rooms:
                self._room_nodes[rid].remove(n)
        cached = _STATIC_EDGES.get(self.building, {}).get(self._static_key)
        if cached is not None:
            self._floor_edges[floor] = {n: list(v) for n, v in cached[floor].items()}
        else:
            self._build_floor_edges(floor)
        for r in remaining:
            self._cut_and_detour(floor, r)

    def _cut_and_detour(self, floor: int, rect: Rect) -> None:
        pad = self.cspace.radius_m + 0.1
        x0, y0, x1, y1 = rect[0] - pad, rect[1] - pad, rect[2] + pad, rect[3] + pad
        edges = self._floor_edges[floor]
        for a, nbrs in edges.items():
            kept = []
            for b, cost, path in nbrs:
                xs = [p[0] for p in path]
                ys = [p[1] for p in path]
                if (
                    max(xs) < x0
                    or min(xs) > x1
                    or max(ys) < y0
                    or min(ys) > y1
                    or all(
                        self.cspace.segment_free(floor, p, q) for p, q in itertools.pairwise(path)
                    )
                ):
                    kept.append((b, cost, path))
            edges[a] = kept
        m = pad + 0.2
        corners = [
            (x0 - m + pad, y0 - m + pad),
            (x1 + m - pad, y0 - m + pad),
            (x0 - m + pad, y1 + m - pad),
            (x1 + m - pad, y1 + m - pad),
        ]
        new: list[int] = []
        for c in corners:
            if not self.cspace.segment_free(floor, c, c):
                continue
            rooms = tuple(r.id for r in self.building.rooms_on(floor) if r.contains(*c))
            if not rooms:
                continue
            n = self._add_node(floor, c, rooms)
            self._detour_nodes.setdefault(floor, []).append(n)
            new.append(n)
        for n in new:
            pn = (self.nodes[n].x, self.nodes[n].y)
            others = {k for rid in self.nodes[n].rooms for k in self._room_nodes[rid] if k != n}
            for k in sorted(others):
                if k in new and k < n:
                    continue  # joined from the other side already
                pk = (self.nodes[k].x, self.nodes[k].y)
                if self.cspace.segment_free(floor, pn, pk):
                    self._add_edge(edges, n, k, [pn, pk])

    def set_elevator_available(self, elevator_id: str, available: bool) -> None:
        if available:
            self.unavailable_elevators.discard(elevator_id)
        else:
            self.unavailable_elevators.add(elevator_id)

    # --- queries ------------------------------------------------------------------------

    def resolve(self, place: object) -> tuple[int, float, float]:
        """(floor, x, y) of a room id, landmark id, 'dock', 'home', a Pose/Place or a tuple."""
        b = self.building
        if isinstance(place, tuple) and len(place) == 3:
            return (int(place[0]), float(place[1]), float(place[2]))
        pose = getattr(place, "pose", place)
        if hasattr(pose, "x") and hasattr(pose, "y") and hasattr(pose, "floor"):
            return (int(pose.floor), float(pose.x), float(pose.y))
        if not isinstance(place, str):
            raise ValueError(f"cannot route to {place!r}: not a place name, pose or tuple")
        if place == "dock":
            r = b.room(b.dock.room)
            return (r.floor, b.dock.x, b.dock.y)
        if place == "home":
            place = b.home.id
        if place in b.rooms_by_id:
            r = b.rooms_by_id[place]
            return (r.floor, *self.free_near(r.floor, r.center))
        if place in b.landmarks_by_id:
            lm = b.landmarks_by_id[place]
            d = max(lm.size_m) / 2 + 0.9
            p = (lm.x + d * math.cos(lm.facing_rad), lm.y + d * math.sin(lm.facing_rad))
            return (lm.floor, *self.free_near(lm.floor, p))
        raise ValueError(f"unknown place {place!r}: not a room, landmark, 'dock' or 'home'")

    def free_near(self, floor: int, p: Point, max_m: float = 3.0) -> Point:
        """The free cell centre nearest to ``p`` (``p`` itself when it is free)."""
        fc = self.cspace[floor]
        g = fc.grid
        r, c = g.to_cell(*p)
        blocked = fc.blocked_closed
        if 0 <= r < blocked.shape[0] and 0 <= c < blocked.shape[1] and not blocked[r, c]:
            return p
        k = int(max_m / g.resolution_m)
        r0, c0 = max(0, r - k), max(0, c - k)
        win = ~blocked[r0 : r + k + 1, c0 : c + k + 1]
        rr, cc = np.nonzero(win)
        if len(rr) == 0:
            raise NoRouteError(f"no free space within {max_m} m of {p} on floor {floor}")
        i = int(np.argmin((rr + r0 - r) ** 2 + (cc + c0 - c) ** 2))
        return g.to_point(int(rr[i] + r0), int(cc[i] + c0))

    def _connect(self, floor: int, p: Point) -> list[tuple[int, float, list[Point]]]:
        """Edges from a free point to the graph nodes of its room (or nearby rooms)."""
        b = self.building
        rooms = [r.id for r in b.rooms_on(floor) if r.contains(p[0], p[1], -0.6)]
        nodes = [n for rid in rooms for n in self._room_nodes[rid]]
        out = []
        speed = self.config.nominal_speed_mps
        blocked = []
        for n in nodes:
            q = (self.nodes[n].x, self.nodes[n].y)
            if self.cspace.segment_free(floor, p, q):
                out.append((n, math.dist(p, q) / speed, [p, q]))
            else:
                blocked.append((n, q))
        if out:
            return out  # straight lines reach the graph: the search does the rest
        for n, q in blocked:  # boxed in by objects: search the grid
            path = self.astar(floor, p, q)
            if path is not None:
                length = sum(math.dist(a, c) for a, c in itertools.pairwise(path))
                out.append((n, length / speed, path))
        return out

    def route(self, from_pose: object, to_place: object) -> Route:
        """Legs from a pose (Pose or (floor, x, y)) to a place; raises NoRouteError.

        From a flight or a mid landing the first leg finishes the climb or backs out of it,
        whichever makes the whole way cheaper: a stairs traversal is done as one unit, and a
        plan never starts between floors.
        """
        sf, sx, sy = self.resolve(from_pose)
        here = (sx, sy)
        on_stairs = self.building.stairs_at(sf, sx, sy)
        if on_stairs is not None:
            return self._route_off_stairs(sf, here, *on_stairs, to_place)
        snapped = self.free_near(sf, here)
        if snapped == here:
            return self._route(sf, here, to_place)
        # The robot stands where its centre may not plan from (a stairs landing's edge, too
        # near a wall after a shove): route from the nearest free cell, reached straight.
        route = self._route(sf, snapped, to_place)
        legs = list(route.legs)
        first = legs[0] if legs else None
        if isinstance(first, DriveLeg) and first.floor == sf:
            legs[0] = DriveLeg(floor=sf, points=_dedupe([here, *first.points]))
        else:
            legs.insert(0, DriveLeg(floor=sf, points=[here, snapped]))
        extra = math.dist(here, snapped) / self.config.nominal_speed_mps
        return Route(legs=legs, cost_s=route.cost_s + extra, goal=route.goal)

    def stairs_exits(
        self, floor: int, p: Point, stairs: StairsSpec, part: StairsPart
    ) -> list[StairsLeg]:
        """The two ways off a stairwell from ``p`` (believed on ``floor``): to the landing of
        the floor below the flight pair and to the one above, each along the flights."""
        land, u0, um, dm, d0, _ = self._stairs_points(stairs.id, up=True)
        # the floor the flight pair starts from: the robot's floor on the up flight and the
        # mid landing, the one below on the down flight (see sim.robot)
        base = floor - 1 if part == "down" else floor
        ways = {
            "up": ([u0, land], [um, dm, d0, land]),
            "mid": ([um, u0, land], [dm, d0, land]),
            "down": ([dm, um, u0, land], [d0, land]),
        }[part]
        out = []
        for to_floor, pts in zip((base, base + 1), ways, strict=True):
            if to_floor in stairs.floors:
                out.append(
                    StairsLeg(
                        stairs_id=stairs.id,
                        from_floor=floor,
                        to_floor=to_floor,
                        points=_dedupe([p, *pts]),
                    )
                )
        return out

    def _route_off_stairs(
        self, floor: int, p: Point, stairs: StairsSpec, part: StairsPart, to_place: object
    ) -> Route:
        best: Route | None = None
        problems = []
        for leg in self.stairs_exits(floor, p, stairs, part):
            length = sum(math.dist(a, b) for a, b in itertools.pairwise(leg.points))
            cost = (
                length
                / stairs.speed_limit_mps
                * max(1.0, stairs.energy_factor * self.config.stairs_weight)
            )
            try:
                rest = self._route(leg.to_floor, leg.points[-1], to_place)
            except NoRouteError as exc:
                problems.append(str(exc))
                continue
            legs = [leg, *(g for g in rest.legs if not _empty(g))]
            if best is None or cost + rest.cost_s < best.cost_s:
                best = Route(legs=legs, cost_s=cost + rest.cost_s, goal=rest.goal)
        if best is None:
            raise NoRouteError(
                f"no way off {stairs.id} from floor {floor} ({p[0]:.1f}, {p[1]:.1f}): "
                + ("; ".join(problems) or "the stairwell has no landing there")
            )
        return best

    def _route(self, sf: int, start: Point, to_place: object) -> Route:
        sx, sy = start
        gf, gx, gy = self.resolve(to_place)
        on_stairs = self.building.stairs_at(gf, gx, gy)
        if on_stairs is not None:  # no floor holds it: the stairwell's landing on that floor
            goal = self._stairs_points(on_stairs[0].id, up=True)[0]
        else:
            goal = self.free_near(gf, (gx, gy))
        if sf == gf:
            direct = self.cspace.segment_free(sf, start, goal)
            if direct:
                leg = DriveLeg(floor=sf, points=[start, goal])
                return Route(
                    legs=[leg],
                    cost_s=leg.length_m / self.config.nominal_speed_mps,
                    goal=(gf, *goal),
                )
        s_edges = self._connect(sf, start)
        g_edges = {n: (c, path) for n, c, path in self._connect(gf, goal)}
        if sf == gf and not s_edges:
            path = self.astar(sf, start, goal)
            if path is not None:
                leg = DriveLeg(floor=sf, points=path)
                return Route(
                    legs=[leg],
                    cost_s=leg.length_m / self.config.nominal_speed_mps,
                    goal=(gf, *goal),
                )
        if not s_edges or not g_edges:
            raise NoRouteError(
                f"no way from floor {sf} ({sx:.1f}, {sy:.1f}) to floor {gf} "
                f"({gx:.1f}, {gy:.1f}): start or goal is not connected"
            )
        transfers: dict[int, list[tuple[int, float, str, str]]] = {}
        for na, nb, kind, tid, cost in self._transfers:
            if kind == "elevator" and tid in self.unavailable_elevators:
                continue
            transfers.setdefault(na, []).append((nb, cost, kind, tid))
            transfers.setdefault(nb, []).append((na, cost, kind, tid))

        dist: dict[int, float] = {_START: 0.0}
        prev: dict[int, tuple[int, str, object]] = {}
        heap: list[tuple[float, int]] = [(0.0, _START)]
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist.get(n, math.inf):
                continue
            if n == _GOAL:
                break
            nbrs: list[tuple[int, float, str, object]]
            if n == _START:
                nbrs = [(m, c, "drive", path) for m, c, path in s_edges]
            else:
                node = self.nodes[n]
                nbrs = [
                    (m, c, "drive", path)
                    for m, c, path in self._floor_edges[node.floor].get(n, [])
                ]
                nbrs += [(m, c, kind, tid) for m, c, kind, tid in transfers.get(n, [])]
                if n in g_edges:
                    c, path = g_edges[n]
                    nbrs.append((_GOAL, c, "drive", path[::-1]))
            for m, c, kind, payload in nbrs:
                nd = d + c
                if nd < dist.get(m, math.inf):
                    dist[m] = nd
                    prev[m] = (n, kind, payload)
                    heapq.heappush(heap, (nd, m))
        if _GOAL not in dist:
            raise NoRouteError(
                f"no way from floor {sf} ({sx:.1f}, {sy:.1f}) to floor {gf} ({gx:.1f}, {gy:.1f})"
            )
        steps: list[tuple[int, str, object]] = []
        n = _GOAL
        while n != _START:
            p, kind, payload = prev[n]
            steps.append((n, kind, payload))
            n = p
        steps.reverse()
        return Route(legs=self._legs(steps, sf), cost_s=dist[_GOAL], goal=(gf, *goal))

    def _legs(self, steps: list[tuple[int, str, object]], start_floor: int) -> list[Leg]:
        legs: list[Leg] = []
        pts: list[Point] = []
        floor = start_floor
        for n, kind, payload in steps:
            if kind == "drive":
                path = list(cast("list[Point]", payload))
                if pts and math.dist(pts[-1], path[0]) < 1e-9:
                    path = path[1:]
                pts.extend(path)
                continue
            if len(pts) >= 2:
                legs.append(DriveLeg(floor=floor, points=_dedupe(pts)))
            to_floor = self.nodes[n].floor
            if kind == "elevator":
                e = self.building.elevators_by_id[str(payload)]
                hall = self.nodes[n]
                legs.append(
                    ElevatorLeg(
                        elevator_id=e.id,
                        from_floor=floor,
                        to_floor=to_floor,
                        hall=(hall.x, hall.y),
                        car=e.car_center,
                    )
                )
            else:
                up = to_floor > floor
                spts = self._stairs_points(str(payload), up=up)
                for _ in range(abs(to_floor - floor) - 1):
                    spts = spts + self._stairs_points(str(payload), up=up)[1:]
                legs.append(
                    StairsLeg(
                        stairs_id=str(payload), from_floor=floor, to_floor=to_floor, points=spts
                    )
                )
            floor = to_floor
            pts = [(self.nodes[n].x, self.nodes[n].y)]
        if len(pts) >= 2:
            legs.append(DriveLeg(floor=floor, points=_dedupe(pts)))
        return legs

    # --- grid A* ------------------------------------------------------------------------

    def astar(self, floor: int, a: Point, b: Point) -> list[Point] | None:
        """Shortest 8-connected path on the floor's configuration space, then shortcut."""
        fc = self.cspace[floor]
        g = fc.grid
        blocked = fc.blocked_closed
        h, w = blocked.shape
        sr, sc = g.to_cell(*a)
        gr, gc = g.to_cell(*b)
        for r, c in ((sr, sc), (gr, gc)):
            if not (0 <= r < h and 0 <= c < w) or blocked[r, c]:
                return None
        if fc.labels[sr, sc] != fc.labels[gr, gc]:
            return None
        flat = fc.blocked_flat
        start, goal = sr * w + sc, gr * w + gc
        sq2 = math.sqrt(2.0)
        moves = [
            (-1, -1, sq2),
            (-1, 0, 1.0),
            (-1, 1, sq2),
            (0, -1, 1.0),
            (0, 1, 1.0),
            (1, -1, sq2),
            (1, 0, 1.0),
            (1, 1, sq2),
        ]

        def heur(i: int) -> float:
            dr, dc = abs(i // w - gr), abs(i % w - gc)
            return float(((dr + dc) + (sq2 - 2) * min(dr, dc)) * 1.001)  # break ties forward

        best = {start: 0.0}
        came: dict[int, int] = {}
        heap = [(heur(start), start)]
        closed = set()
        while heap:
            _, i = heapq.heappop(heap)
            if i == goal:
                break
            if i in closed:
                continue
            closed.add(i)
            r, c = divmod(i, w)
            gi = best[i]
            for dr, dc, cost in moves:
                nr, nc = r + dr, c + dc
                if nr < 0 or nc < 0 or nr >= h or nc >= w:
                    continue
                j = nr * w + nc
                if flat[j] or j in closed:
                    continue
                if dr and dc and (flat[r * w + nc] or flat[nr * w + c]):
                    continue
                nd = gi + cost
                if nd < best.get(j, math.inf):
                    best[j] = nd
                    came[j] = i
                    heapq.heappush(heap, (nd + heur(j), j))
        if goal not in best:
            return None
        cells = [goal]
        while cells[-1] != start:
            cells.append(came[cells[-1]])
        cells.reverse()
        pts = [a] + [g.to_point(*divmod(i, w)) for i in cells[1:-1]] + [b]
        return self._shortcut(floor, pts)

    def _shortcut(self, floor: int, pts: list[Point]) -> list[Point]:
        out = [pts[0]]
        i = 0
        while i < len(pts) - 1:
            j = len(pts) - 1
            while j > i + 1 and not self.cspace.segment_free(floor, pts[i], pts[j]):
                j -= 1
            out.append(pts[j])
            i = j
        return out


def _empty(leg: DriveLeg | ElevatorLeg | StairsLeg) -> bool:
    """A drive leg that goes nowhere (the way off the stairs ended at the goal)."""
    return isinstance(leg, DriveLeg) and leg.length_m < 1e-6


def _dedupe(pts: list[Point]) -> list[Point]:
    out = [pts[0]]
    for p in pts[1:]:
        if math.dist(p, out[-1]) > 1e-9:
            out.append(p)
    return out
