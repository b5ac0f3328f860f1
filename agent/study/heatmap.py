"""Where the robot spent its time: seconds per grid cell per floor, from the sampled poses.

Each kept pose holds until the next one (the trace keeps a pose whenever the robot moved,
turned, changed floor or two minutes passed), so the sum over all cells is the robot's time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.trace import DayTrace
from pepa.building.layout import Building

CELL_M = 1.0


class HeatMap(BaseModel):
    """Seconds spent per ``cell_m`` square, per floor, over the building's extent."""

    model_config = ConfigDict(extra="forbid")
    cell_m: float = Field(gt=0)
    origin: tuple[float, float]
    shape: tuple[int, int]  # (rows along y, columns along x)
    floors: dict[int, list[list[float]]]

    @classmethod
    def empty(cls, building: Building, cell_m: float = CELL_M) -> HeatMap:
        x0, y0, x1, y1 = building.extent
        shape = (max(1, math.ceil((y1 - y0) / cell_m)), max(1, math.ceil((x1 - x0) / cell_m)))
        zero = np.zeros(shape).tolist()
        return cls(
            cell_m=cell_m,
            origin=(x0, y0),
            shape=shape,
            floors={f: [list(r) for r in zero] for f in building.floor_levels},
        )

    @classmethod
    def from_traces(
        cls, traces: Iterable[DayTrace], building: Building, cell_m: float = CELL_M
    ) -> HeatMap:
        out = cls.empty(building, cell_m)
        grids = {f: np.array(g) for f, g in out.floors.items()}
        rows, cols = out.shape
        for tr in traces:
            for i, (t, floor, x, y, _theta, _soc) in enumerate(tr.poses):
                until = tr.poses[i + 1][0] if i + 1 < len(tr.poses) else tr.end
                grid = grids.get(floor)
                if grid is None:
                    continue
                r = int((y - out.origin[1]) // cell_m)
                c = int((x - out.origin[0]) // cell_m)
                if 0 <= r < rows and 0 <= c < cols:
                    grid[r, c] += max(0.0, until - t)
        return out.model_copy(update={"floors": {f: g.tolist() for f, g in grids.items()}})

    def array(self, floor: int) -> np.ndarray:
        return np.array(self.floors[floor], dtype=float)

    def total_s(self) -> float:
        return float(sum(self.array(f).sum() for f in self.floors))


def mean_heatmap(maps: list[HeatMap]) -> HeatMap:
    """The cell-wise mean of runs on the same building (e.g. one personality's seeds)."""
    if not maps:
        raise ValueError("mean_heatmap: no heat maps given")
    first = maps[0]
    for m in maps[1:]:
        if (
            m.shape != first.shape
            or m.cell_m != first.cell_m
            or set(m.floors) != set(first.floors)
        ):
            raise ValueError("mean_heatmap: heat maps of different grids cannot be averaged")
    floors = {
        f: (sum((m.array(f) for m in maps[1:]), first.array(f)) / len(maps)).tolist()
        for f in sorted(first.floors)
    }
    return first.model_copy(update={"floors": floors})
