"""Where a corridor may be blocked for a while (a cleaning cart, a wet floor, a delivery).

A blockage lies across part of a corridor's width and is laid along the corridor's own axis,
whichever way the corridor runs. It never stands in front of a door (the approach the robot
lines up in, as the building's door clearance defines it) and it never cuts anything off: any
two doors of the floor the robot could travel between before, it can still travel between
while the blockage stands. A candidate that breaks either rule is redrawn from a generator of
its own (so the rest of the day's events stay as they were) and, if none fits, not placed.
"""

from __future__ import annotations

import logging
import math
import random

import cv2
import numpy as np

from pepa.building.layout import Building, Rect, RoomSpec, _overlap, _rect_slice, door_approaches
from pepa.building.occupancy import FloorCSpace

log = logging.getLogger(__name__)

LENGTH_M = 1.5  # along the corridor
WIDTH_SHARE = 0.55  # of the corridor's width, from one wall: there is a way round, slower
END_MARGIN_M = (4.0, 5.0)  # kept free at the corridor's low and high ends
RETRIES = 20


def along_x(rect: Rect) -> bool:
    """Whether a corridor runs east-west (its long side is along x)."""
    return rect[2] - rect[0] >= rect[3] - rect[1]


class BlockagePlanner:
    """Draws blockages for a building's corridors; floors' free space is computed once each."""

    def __init__(self, building: Building, robot_radius_m: float = 0.3) -> None:
        self.building = building
        self.robot_radius_m = robot_radius_m
        self._approaches: dict[int, list[Rect]] = {}
        for _, floor, zone in door_approaches(building.spec):
            self._approaches.setdefault(floor, []).append(zone)
        self._points: dict[int, list[tuple[float, float]]] = {}
        for d in building.doors:
            self._points.setdefault(d.floor, []).append(d.center)
        for e in building.elevators:
            for ed in e.doors:
                self._points.setdefault(ed.floor, []).append(ed.center)
        self._cspace: dict[int, FloorCSpace] = {}

    def candidate(self, corridor: RoomSpec, rng: random.Random) -> Rect:
        """One draw: a position along the corridor's axis and the wall it leans on."""
        x0, y0, x1, y1 = corridor.rect
        lo, hi = (x0, x1) if along_x(corridor.rect) else (y0, y1)
        a, b = lo + END_MARGIN_M[0], hi - END_MARGIN_M[1]
        if b < a:  # a short corridor: anywhere that keeps the blockage inside it
            a, b = lo, max(lo, hi - LENGTH_M)
        s = rng.uniform(a, b)
        low_wall = rng.random() < 0.5
        if along_x(corridor.rect):
            depth = (y1 - y0) * WIDTH_SHARE
            rect = (
                (s, y0, s + LENGTH_M, y0 + depth)
                if low_wall
                else (s, y1 - depth, s + LENGTH_M, y1)
            )
        else:
            depth = (x1 - x0) * WIDTH_SHARE
            rect = (
                (x0, s, x0 + depth, s + LENGTH_M)
                if low_wall
                else (x1 - depth, s, x1, s + LENGTH_M)
            )
        return (round(rect[0], 2), round(rect[1], 2), round(rect[2], 2), round(rect[3], 2))

    def problem(self, corridor: RoomSpec, rect: Rect) -> str | None:
        """Why ``rect`` may not be placed in ``corridor`` (None: it may)."""
        x0, y0, x1, y1 = corridor.rect
        if not (x0 <= rect[0] and y0 <= rect[1] and rect[2] <= x1 and rect[3] <= y1):
            return "not inside the corridor"
        if any(_overlap(rect, z) for z in self._approaches.get(corridor.floor, ())):
            return "in front of a door"
        if self._cuts_off(corridor.floor, rect):
            return "cuts a room off"
        return None

    def place(
        self, corridor: RoomSpec, rng: random.Random, retry_rng: random.Random
    ) -> Rect | None:
        """The first candidate from ``rng``; if it breaks a rule, redraws from ``retry_rng``;
        None when no candidate fits."""
        rect = self.candidate(corridor, rng)
        for _ in range(RETRIES):
            why = self.problem(corridor, rect)
            if why is None:
                return rect
            log.debug("blockage %s in %s refused: %s", rect, corridor.id, why)
            rect = self.candidate(corridor, retry_rng)
        log.info("no blockage fits in %s; none placed", corridor.id)
        return None

    def _floor(self, floor: int) -> FloorCSpace:
        if floor not in self._cspace:
            grid = self.building.grid(floor)
            self._cspace[floor] = FloorCSpace(grid, [], [], self.robot_radius_m)
        return self._cspace[floor]

    def _cuts_off(self, floor: int, rect: Rect) -> bool:
        """Whether two doors joined by free space before are no longer joined with ``rect``."""
        fc = self._floor(floor)
        g = fc.grid
        # the cells the robot's centre may not enter because of the blockage: within the
        # robot's radius of a blocked cell (the floor's own rule, computed on a window only)
        radius = fc.radius_m / g.resolution_m + 0.5
        rs, cs = _rect_slice(g.origin, g.resolution_m, rect, g.cells.shape)
        pad = math.ceil(radius)
        r0, r1 = max(0, rs.start - pad), min(g.cells.shape[0], rs.stop + pad)
        c0, c1 = max(0, cs.start - pad), min(g.cells.shape[1], cs.stop + pad)
        rows = np.arange(r0, r1)[:, None]
        cols = np.arange(c0, c1)[None, :]
        dr = np.maximum(np.maximum(rs.start - rows, rows - (rs.stop - 1)), 0)
        dc = np.maximum(np.maximum(cs.start - cols, cols - (cs.stop - 1)), 0)
        blocked = fc.blocked_closed.copy()
        blocked[r0:r1, c0:c1] |= np.hypot(dr, dc) < radius
        _, after = cv2.connectedComponents((~blocked).astype(np.uint8), connectivity=8)
        joined: dict[int, set[int]] = {}
        for x, y in self._points.get(floor, ()):
            cell = g.to_cell(x, y)
            if fc.labels[cell]:
                joined.setdefault(int(fc.labels[cell]), set()).add(int(after[cell]))
        return any(0 in labels or len(labels) > 1 for labels in joined.values())
