"""A floor's static map as the console draws it: the PNG and how to place metres on it.

Shared by every console backend (in-process, or the ROS console bridge): the map comes from
the building description alone, so both draw the same picture.
"""

from __future__ import annotations

import cv2

from pepa.agent.console.backend import FloorInfo, Footprint, NotFoundError
from pepa.building.layout import Building
from pepa.sim.floor_map import draw_floor_map

MAP_PIXELS_PER_M = 16.0


def floor_map(
    building: Building, floor: int, pixels_per_m: float = MAP_PIXELS_PER_M
) -> tuple[FloorInfo, bytes]:
    """The map of ``floor`` (walls, rooms, doors) as PNG bytes, with its placement."""
    if floor not in building.floor_levels:
        raise NotFoundError("floor", floor)
    image = draw_floor_map(building, floor, None, pixels_per_m=pixels_per_m, camera_hfov_deg=None)
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"could not encode the map of floor {floor}")
    grid = building.grid(floor)
    h, w = image.shape[:2]
    name = next((f.name for f in building.floors if f.level == floor), f"floor {floor}")
    info = FloorInfo(
        floor=floor,
        name=name,
        origin_x=grid.origin[0],
        origin_y=grid.origin[1],
        width_m=w / pixels_per_m,
        height_m=h / pixels_per_m,
        image_width=w,
        image_height=h,
        elevators=[
            Footprint.of(e.id, e.name, e.shaft) for e in building.elevators if floor in e.floors
        ],
        rooms=[Footprint.of(r.id, r.name, r.rect) for r in building.rooms_on(floor)],
    )
    return info, png.tobytes()


class FloorMaps:
    """Each floor's map drawn once, on first request (the building does not change)."""

    def __init__(self, building: Building, pixels_per_m: float = MAP_PIXELS_PER_M) -> None:
        self.building = building
        self.pixels_per_m = pixels_per_m
        self._maps: dict[int, tuple[FloorInfo, bytes]] = {}

    def floors(self) -> list[FloorInfo]:
        return [self.get(f)[0] for f in self.building.floor_levels]

    def png(self, floor: int) -> bytes:
        return self.get(floor)[1]

    def get(self, floor: int) -> tuple[FloorInfo, bytes]:
        if floor not in self._maps:
            self._maps[floor] = floor_map(self.building, floor, self.pixels_per_m)
        return self._maps[floor]
