"""The visit map's coverage is kept as cells are seen, and stays the share of cells seen."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pepa.agent.sys1.visit_map import FloorVisits
from pepa.building.layout import load_building
from pepa.building.occupancy import CSpace


def _recounted(fv: FloorVisits) -> float:
    return float(np.count_nonzero(fv.counts[fv.reachable])) / int(fv.reachable.sum())


def test_coverage_is_the_share_of_reachable_cells_seen_whichever_way_they_were_seen() -> None:
    building = load_building()
    floor = building.floor_levels[0]
    fv = FloorVisits(building, CSpace(building), floor, 1.0)
    cells = np.argwhere(fv.reachable)
    assert fv.coverage() == 0.0
    for r, c in cells[:: max(1, len(cells) // 40)]:
        x, y = fv.centre(int(r), int(c))
        fv.mark(x, y, 0.3, math.radians(90), 5.0)
        fv.mark(x, y, 0.3, math.radians(90), 5.0)  # seen again: no new cell
    fv.tried(tuple(cells[1]))
    fv.been_at(tuple(cells[2]))
    fv.tried((0, 0) if not fv.reachable[0, 0] else tuple(cells[3]))  # a wall cell is no floor
    assert 0.0 < fv.coverage() == pytest.approx(_recounted(fv))
    # a saved map comes back with its coverage; the counts are not written from outside
    saved = fv.counts.copy()
    other = FloorVisits(building, CSpace(building), floor, 1.0)
    other.load(saved)
    assert other.coverage() == pytest.approx(fv.coverage())
    with pytest.raises(ValueError, match="read-only"):
        other.counts[0, 0] = 3
    with pytest.raises(ValueError, match="expected"):
        other.load(saved[:-1])
