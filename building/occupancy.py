"""Configuration space of a round robot on each floor's occupancy grid.

A cell is *blocked* when the robot's centre cannot stand there: it lies within the robot's
radius of a wall or an object. Elevator doors and cars are blocked unless that car is at the
floor with its doors open, so each floor keeps, per elevator, the cells that only that open
car frees. Cells blocked for a while (a corridor closed by an event) are added on top and the
map is rebuilt (a distance transform: about a millisecond per floor).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import cv2
import numpy as np

from pepa.building.layout import (
    ELEVATOR_CAR,
    ELEVATOR_DOOR,
    OBJECT,
    WALL,
    Building,
    OccupancyGrid,
    Rect,
    _rect_slice,
)


def _dilate(hard: np.ndarray, radius_cells: float) -> np.ndarray:
    """Cells within ``radius_cells`` of a hard cell (hard cells included)."""
    free = np.where(hard, 0, 255).astype(np.uint8)
    dist = cv2.distanceTransform(free, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return dist < radius_cells


class FloorCSpace:
    """The robot-centre configuration space of one floor."""

    extra: np.ndarray
    closed: np.ndarray
    blocked_closed: np.ndarray
    static_blocked: np.ndarray
    zone: np.ndarray
    labels: np.ndarray
    blocked_list: list[list[bool]]
    blocked_flat: list[bool]
    zone_list: list[list[int]]

    def __init__(
        self,
        grid: OccupancyGrid,
        elevator_ids: list[str],
        elevator_cells: list[np.ndarray],
        radius_m: float,
    ) -> None:
        self.grid = grid
        self.radius_m = radius_m
        self.elevator_ids = elevator_ids
        self._elevator_cells = elevator_cells
        self.extra = np.zeros(grid.cells.shape, dtype=bool)
        #: Cells closed for good (a planner's own no-go areas); unblocking never opens them.
        self.closed = np.zeros(grid.cells.shape, dtype=bool)
        self.rebuild()

    def rebuild(self) -> None:
        g = self.grid
        r = self.radius_m / g.resolution_m + 0.5
        static_hard = (g.cells == WALL) | (g.cells == OBJECT) | self.extra | self.closed
        any_elev = np.zeros_like(static_hard)
        for cells in self._elevator_cells:
            any_elev |= cells
        self.blocked_closed = _dilate(static_hard | any_elev, r)
        self.static_blocked = _dilate(static_hard, r)
        # zone[r, c] = index of the elevator whose open doors free the cell, else -1
        self.zone = np.full(g.cells.shape, -1, dtype=np.int8)
        for i, cells in enumerate(self._elevator_cells):
            others = static_hard | (any_elev & ~cells)
            freed = self.blocked_closed & ~_dilate(others, r)
            self.zone[freed] = i
        # connected free regions (elevators closed): A* gives up at once across regions
        free = (~self.blocked_closed).astype(np.uint8)
        _, labels = cv2.connectedComponents(free, connectivity=8)
        self.labels = labels
        self.blocked_list = self.blocked_closed.tolist()
        self.blocked_flat = self.blocked_closed.ravel().tolist()
        self.zone_list = self.zone.tolist()

    def block_rect(self, rect: Rect, blocked: bool = True) -> None:
        rs, cs = _rect_slice(self.grid.origin, self.grid.resolution_m, rect, self.extra.shape)
        self.extra[rs, cs] = blocked
        self.rebuild()

    def close(self, rects: Iterable[Rect]) -> None:
        """Close areas for good: unlike :meth:`block_rect`, nothing opens them again."""
        for rect in rects:
            rs, cs = _rect_slice(self.grid.origin, self.grid.resolution_m, rect, self.closed.shape)
            self.closed[rs, cs] = True
        self.rebuild()

    def blocked_with(self, open_elevators: set[int]) -> np.ndarray:
        """Boolean blocked map given which elevators (indices) stand open here."""
        out = self.blocked_closed.copy()
        for i in open_elevators:
            out[self.zone == i] = False
        return out

    def free_at(self, x: float, y: float, open_elevators: set[int] | frozenset[int]) -> bool:
        g = self.grid
        res = g.resolution_m
        r = math.floor((y - g.origin[1]) / res)
        c = math.floor((x - g.origin[0]) / res)
        if r < 0 or c < 0 or r >= len(self.blocked_list) or c >= len(self.blocked_list[0]):
            return False
        if not self.blocked_list[r][c]:
            return True
        z = self.zone_list[r][c]
        return z >= 0 and z in open_elevators

    def free_zone(self, x: float, y: float, open_elevators: frozenset[int]) -> int:
        """-2 when blocked; otherwise the elevator zone of the free cell (-1: none)."""
        g = self.grid
        res = g.resolution_m
        r = math.floor((y - g.origin[1]) / res)
        c = math.floor((x - g.origin[0]) / res)
        if r < 0 or c < 0 or r >= len(self.blocked_list) or c >= len(self.blocked_list[0]):
            return -2
        z = self.zone_list[r][c]
        if not self.blocked_list[r][c]:
            return z
        return z if z >= 0 and z in open_elevators else -2

    def zone_at(self, x: float, y: float) -> int:
        """Index of the elevator whose doorway/car holds (x, y), or -1."""
        r, c = self.grid.to_cell(x, y)
        if 0 <= r < self.zone.shape[0] and 0 <= c < self.zone.shape[1]:
            return int(self.zone_list[r][c])
        return -1


class CSpace:
    """Configuration spaces of every floor of a building for a robot of ``radius_m``."""

    def __init__(self, building: Building, radius_m: float = 0.3) -> None:
        self.building = building
        self.radius_m = radius_m
        self.elevator_ids = [e.id for e in building.elevators]
        self.floors: dict[int, FloorCSpace] = {}
        for level in building.floor_levels:
            grid = building.grid(level)
            cells = []
            for e in building.elevators:
                mask: np.ndarray = np.zeros(grid.cells.shape, dtype=bool)
                if level in e.floors:
                    rs, cs = _rect_slice(grid.origin, grid.resolution_m, e.shaft, mask.shape)
                    mask[rs, cs] = True
                    d = e.door(level)
                    pad = 0.5
                    door_rect = (
                        d.center[0] - pad - d.width_m / 2,
                        d.center[1] - pad - d.width_m / 2,
                        d.center[0] + pad + d.width_m / 2,
                        d.center[1] + pad + d.width_m / 2,
                    )
                    rs, cs = _rect_slice(grid.origin, grid.resolution_m, door_rect, mask.shape)
                    sub = grid.cells[rs, cs]
                    mask[rs, cs] |= sub == ELEVATOR_DOOR
                    mask &= (grid.cells == ELEVATOR_CAR) | (grid.cells == ELEVATOR_DOOR)
                cells.append(mask)
            self.floors[level] = FloorCSpace(grid, self.elevator_ids, cells, radius_m)

    def __getitem__(self, floor: int) -> FloorCSpace:
        return self.floors[floor]

    def closed_signature(self) -> bytes:
        """Which cells are closed for good, on every floor (what a route graph depends on)."""
        return b"".join(np.packbits(fc.closed).tobytes() for fc in self.floors.values())

    def segment_free(
        self, floor: int, a: tuple[float, float], b: tuple[float, float], step_m: float = 0.05
    ) -> bool:
        """Whether the straight segment a-b stays in free space (elevators closed)."""
        fc = self.floors[floor]
        g = fc.grid
        n = max(2, math.ceil(math.hypot(b[0] - a[0], b[1] - a[1]) / step_m) + 1)
        xs = np.linspace(a[0], b[0], n)
        ys = np.linspace(a[1], b[1], n)
        cols = np.floor((xs - g.origin[0]) / g.resolution_m).astype(int)
        rows = np.floor((ys - g.origin[1]) / g.resolution_m).astype(int)
        h, w = fc.blocked_closed.shape
        if rows.min() < 0 or cols.min() < 0 or rows.max() >= h or cols.max() >= w:
            return False
        return not bool(fc.blocked_closed[rows, cols].any())
