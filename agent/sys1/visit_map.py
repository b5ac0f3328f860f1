"""How often each part of each floor has been seen: the basis of exploring and of coverage.

Each floor is cut into square cells (1 m by default); a cell is *reachable* when the robot's
centre can stand somewhere in it (and it is not in a forbidden zone). Every perception update
adds one to the cells inside the camera's cone on the robot's side of the walls (the same
room, or the doorway it stands in). Explore picks the least-seen reachable cells, weighted by
distance; coverage is the share of reachable cells seen at least once.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from pepa.building.layout import Building
from pepa.building.occupancy import CSpace

HEADING_BINS = 32


class FloorVisits:
    """Counts, reachability and room ids of one floor's coarse cells."""

    def __init__(self, building: Building, cspace: CSpace, floor: int, cell_m: float) -> None:
        fine = cspace[floor]
        grid = fine.grid
        self.floor = floor
        self.cell_m = cell_m
        x0, y0, x1, y1 = building.extent
        self.origin = (x0, y0)
        self.shape = (max(1, math.ceil((y1 - y0) / cell_m)), max(1, math.ceil((x1 - x0) / cell_m)))
        rows, cols = self.shape
        self._counts = np.zeros(self.shape, dtype=np.int32)
        self._n_seen = 0  # reachable cells with a non-zero count, kept as cells are seen
        self.reachable = np.zeros(self.shape, dtype=bool)
        self.room = np.full(self.shape, -1, dtype=np.int16)
        self.room_ids = [r.id for r in building.rooms_on(floor)]
        free = ~fine.blocked_closed
        k = max(1, round(cell_m / grid.resolution_m))
        for r in range(rows):
            for c in range(cols):
                cx = x0 + (c + 0.5) * cell_m
                cy = y0 + (r + 0.5) * cell_m
                if building.in_forbidden_zone(floor, cx, cy):
                    continue
                gr, gc = grid.to_cell(cx - cell_m / 2, cy - cell_m / 2)
                win = free[max(0, gr) : max(0, gr + k), max(0, gc) : max(0, gc + k)]
                self.reachable[r, c] = bool(win.any())
                room = building.room_at(floor, cx, cy)
                if room is not None:
                    self.room[r, c] = self.room_ids.index(room.id)
        #: indices (into room_ids) of the rooms with a cell the robot can stand in
        self.open_rooms = [int(i) for i in np.unique(self.room[self.reachable]) if i >= 0]
        self._n_reachable = int(self.reachable.sum())  # the map is fixed once built
        ys = y0 + (np.arange(rows) + 0.5) * cell_m
        xs = x0 + (np.arange(cols) + 0.5) * cell_m
        self.cx, self.cy = np.meshgrid(xs, ys)
        self._views: dict[tuple[int, int, int, float, float], np.ndarray] = {}

    @property
    def counts(self) -> np.ndarray:
        """How often each cell was seen (read-only: cells are seen through :meth:`mark`, a
        saved map comes back through :meth:`load`, so the seen count stays exact)."""
        view = self._counts.view()
        view.flags.writeable = False
        return view

    def load(self, counts: np.ndarray) -> None:
        """Take a saved map's counts (same shape)."""
        if counts.shape != self._counts.shape:
            raise ValueError(
                f"visit map of floor {self.floor}: counts of shape {counts.shape}, "
                f"expected {self._counts.shape}"
            )
        self._counts[...] = counts
        self._n_seen = int(np.count_nonzero(self._counts[self.reachable]))

    def tried(self, cell: tuple[int, int]) -> None:
        """A spot explore could not reach: count it once more, so it draws explore less."""
        self._raise(cell, int(self._counts[cell]) + 1)

    def been_at(self, cell: tuple[int, int]) -> None:
        """A spot the robot stood on counts as seen, even when its own cell stayed out of view."""
        self._raise(cell, max(1, int(self._counts[cell])))

    def _raise(self, cell: tuple[int, int], count: int) -> None:
        if self._counts[cell] == 0 and count > 0 and self.reachable[cell]:
            self._n_seen += 1
        self._counts[cell] = count

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        return (
            math.floor((y - self.origin[1]) / self.cell_m),
            math.floor((x - self.origin[0]) / self.cell_m),
        )

    def centre(self, r: int, c: int) -> tuple[float, float]:
        return (self.origin[0] + (c + 0.5) * self.cell_m, self.origin[1] + (r + 0.5) * self.cell_m)

    def mark(self, x: float, y: float, theta: float, fov_rad: float, radius_m: float) -> int:
        """Count the cells in view from (x, y, theta); returns how many were new.

        The view is computed from the centre of the robot's cell and a heading rounded to
        1/32 of a turn, and cached: exploring revisits the same few thousand views.
        """
        r0, c0 = self.cell_of(x, y)
        if not (0 <= r0 < self.shape[0] and 0 <= c0 < self.shape[1]):
            return 0
        hb = round(theta / (2 * math.pi) * HEADING_BINS) % HEADING_BINS
        key = (r0, c0, hb, fov_rad, radius_m)
        idx = self._views.get(key)
        if idx is None:
            idx = self._view(r0, c0, hb * 2 * math.pi / HEADING_BINS, fov_rad, radius_m)
            self._views[key] = idx
        flat = self._counts.reshape(-1)
        new = int(np.count_nonzero(flat[idx] == 0))
        flat[idx] += 1
        self._n_seen += new  # a view holds reachable cells only
        return new

    def _view(self, r0: int, c0: int, theta: float, fov_rad: float, radius_m: float) -> np.ndarray:
        x, y = self.centre(r0, c0)
        k = math.ceil(radius_m / self.cell_m) + 1
        rs = slice(max(0, r0 - k), min(self.shape[0], r0 + k + 1))
        cs = slice(max(0, c0 - k), min(self.shape[1], c0 + k + 1))
        dx = self.cx[rs, cs] - x
        dy = self.cy[rs, cs] - y
        dist = np.hypot(dx, dy)
        ang = np.abs((np.arctan2(dy, dx) - theta + math.pi) % (2 * math.pi) - math.pi)
        in_view = (dist <= radius_m) & ((ang <= fov_rad / 2) | (dist <= self.cell_m))
        here = self.room[r0, c0]
        if here >= 0:
            in_view &= (self.room[rs, cs] == here) | (dist <= self.cell_m)
        in_view &= self.reachable[rs, cs]
        rr, cc = np.nonzero(in_view)
        return (rr + rs.start) * self.shape[1] + (cc + cs.start)

    def coverage(self) -> float:
        n = self._n_reachable
        return 0.0 if n == 0 else self._n_seen / n

    def rooms_left(self, visited_rooms: Collection[str]) -> list[str]:
        """The floor's rooms the robot can stand in and that are not in ``visited_rooms``."""
        return [self.room_ids[i] for i in self.open_rooms if self.room_ids[i] not in visited_rooms]

    def least_seen(
        self,
        x: float,
        y: float,
        n: int,
        distance_weight: float = 0.15,
        visited_rooms: Collection[str] = (),
    ) -> list[tuple[float, float]]:
        """Up to ``n`` centres of reachable cells, least seen first (near ones break ties).

        While a room of the floor is not in ``visited_rooms``, the cells of such rooms all come
        before any other: exploring a floor then also visits it, room by room, so a goal such
        as "explore floor N while a room of it is unvisited today" is met by its own action.
        """
        dist = np.hypot(self.cx - x, self.cy - y)
        score = self.counts.astype(np.float64) + distance_weight * dist / max(1.0, dist.max())
        unvisited = [i for i in self.open_rooms if self.room_ids[i] not in visited_rooms]
        if unvisited:
            elsewhere = ~np.isin(self.room, unvisited)
            score[elsewhere] += float(self.counts.max()) + 1.0
        # a cell right where the robot stands teaches nothing new
        score[dist < 2 * self.cell_m] += 1e6
        score[~self.reachable] = np.inf
        flat = np.argsort(score, axis=None)[:n]
        out = []
        for i in flat:
            r, c = divmod(int(i), self.shape[1])
            if math.isfinite(score[r, c]):
                out.append(self.centre(r, c))
        return out


class VisitMap:
    """Visit counts for every floor of a building."""

    def __init__(self, building: Building, cspace: CSpace, cell_m: float = 1.0) -> None:
        self.floors = {f: FloorVisits(building, cspace, f, cell_m) for f in building.floor_levels}

    def mark(self, floor: int, x: float, y: float, theta: float, fov: float, radius: float) -> int:
        fv = self.floors.get(floor)
        return 0 if fv is None else fv.mark(x, y, theta, fov, radius)

    def coverage(self, floor: int | None = None) -> float:
        """Share of reachable cells seen at least once (on one floor, or on all)."""
        floors = [self.floors[floor]] if floor is not None else list(self.floors.values())
        seen = sum(int(np.count_nonzero(f.counts[f.reachable] > 0)) for f in floors)
        total = sum(int(f.reachable.sum()) for f in floors)
        return 0.0 if total == 0 else seen / total

    def revisits(self) -> tuple[int, int]:
        """(cells seen more than once, cells seen at all) over the whole building."""
        again = sum(int(np.count_nonzero(f.counts[f.reachable] > 1)) for f in self.floors.values())
        seen = sum(int(np.count_nonzero(f.counts[f.reachable] > 0)) for f in self.floors.values())
        return again, seen
