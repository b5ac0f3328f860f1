"""Camera scenes built from the simulated office: the building's static floors plus the
world's moving parts (elevator doors, blocked corridors, people, objects that appeared).

The static part of a floor (its looks grid, landmark boxes and markers, call panels) is
prepared once per building and floor; each call then only applies what changed.
"""

from __future__ import annotations

import logging
import math
import weakref
import zlib
from dataclasses import dataclass

import numpy as np

from pepa.building import layout as bld
from pepa.building.layout import Building
from pepa.sim.camera_scene import Look, Scene, SceneBox, SceneMarker, ScenePerson
from pepa.sim.world import World

logger = logging.getLogger(__name__)

#: Call panels carry no size in the building file: an A4-sized plaque beside the doors.
PANEL_MARKER_SIZE_M = 0.25
PANEL_HEIGHT_M = 1.2
#: Objects that appear during the day: a small crate with the marker on its front.
OBJECT_SIZE_M = (0.5, 0.4)
OBJECT_HEIGHT_M = 0.8
OBJECT_MARKER_SIZE_M = 0.25

#: Cell codes of the building mapped to how the camera draws them. Objects are drawn as boxes
#: of their real height (not as full-height walls), so their footprint is free for the rays.
_LOOK_OF_CODE: dict[int, Look] = {
    bld.FREE: Look.FREE,
    bld.WALL: Look.WALL,
    bld.DOOR: Look.DOORWAY,
    bld.ELEVATOR_DOOR: Look.ELEVATOR_CLOSED,
    bld.ELEVATOR_CAR: Look.FREE,
    bld.STAIRS_UP: Look.FREE,
    bld.STAIRS_DOWN: Look.FREE,
    bld.STAIRS_LANDING: Look.FREE,
    bld.OBJECT: Look.FREE,
    bld.FORBIDDEN: Look.FREE,
    bld.DOCK: Look.FREE,
}

_KIND_COLOURS: dict[str, tuple[int, int, int]] = {
    "printer": (205, 205, 200),
    "coffee_machine": (60, 60, 64),
    "plant": (60, 130, 60),
    "whiteboard": (240, 240, 240),
    "fire_extinguisher": (200, 30, 30),
    "bookshelf": (120, 85, 50),
    "vending_machine": (180, 40, 40),
    "water_cooler": (170, 200, 230),
    "workbench": (110, 110, 120),
    "tv_screen": (30, 30, 35),
    "mailboxes": (150, 150, 160),
}
_DEFAULT_BOX = (110, 120, 135)


@dataclass(frozen=True)
class _Floor:
    scene: Scene
    elevator_cells: dict[str, np.ndarray]  # elevator id -> flat indices of its door cells


class CameraScenes:
    """Camera scenes of one building; reuse one per building (it caches the static floors)."""

    def __init__(self, building: Building) -> None:
        self.building = building
        self._floors: dict[int, _Floor] = {}
        self._dynamic: dict[int, tuple[object, Scene]] = {}

    def static(self, floor: int) -> Scene:
        """The floor with every elevator closed, nobody about and nothing blocked."""
        return self._floor(floor).scene

    def scene(self, floor: int, world: World | None = None) -> Scene:
        """The floor as the camera sees it now in ``world`` (or its static form)."""
        prepared = self._floor(floor)
        if world is None:
            return prepared.scene
        open_ids = tuple(
            sorted(
                e.id
                for e in self.building.elevators
                if e.id in prepared.elevator_cells
                and (status := world.elevator_status(e.id)).doors_open
                and status.floor == floor
            )
        )
        blocks = tuple(
            sorted((b.id, tuple(b.rect)) for b in world.blocked.values() if b.floor == floor)
        )
        objects = tuple(
            sorted(
                (o.object_id, o.x, o.y, o.facing_deg, o.marker_id)
                for o in world.extra_objects.values()
                if o.floor == floor
            )
        )
        key = (open_ids, blocks, objects)
        cached = self._dynamic.get(floor)
        if cached is not None and cached[0] == key:
            scene = cached[1]
        else:
            scene = self._apply(prepared, open_ids, world, floor, objects)
            self._dynamic[floor] = (key, scene)
        return scene.with_people(self.people(world, floor))

    def people(self, world: World, floor: int) -> tuple[ScenePerson, ...]:
        """People on ``floor`` now, as camera billboards wearing their badges."""
        out = []
        for state in world.people_states():
            if state.floor != floor:
                continue
            spec = self.building.people_by_id[state.id]
            out.append(
                ScenePerson(
                    x=state.x,
                    y=state.y,
                    badge_marker_id=spec.badge_marker_id,
                    facing_rad=state.heading,
                    colour=_colour_of(state.id),
                    badge_size_m=spec.badge_size_m,
                    badge_height_m=spec.badge_height_m,
                )
            )
        return tuple(out)

    # -- preparation --------------------------------------------------------------------------

    def _floor(self, floor: int) -> _Floor:
        prepared = self._floors.get(floor)
        if prepared is None:
            if floor not in self.building.floor_levels:
                raise ValueError(
                    f"camera scene: floor {floor} is not in building {self.building.name!r} "
                    f"(floors {self.building.floor_levels})"
                )
            prepared = self._prepare(floor)
            self._floors[floor] = prepared
        return prepared

    def _prepare(self, floor: int) -> _Floor:
        b = self.building
        grid = b.grid(floor)
        lut = np.zeros(256, dtype=np.uint8)
        for code, look in _LOOK_OF_CODE.items():
            lut[code] = int(look)
        unknown = set(np.unique(grid.cells).tolist()) - set(_LOOK_OF_CODE)
        if unknown:
            raise ValueError(f"camera scene: floor {floor} has unknown cell codes {unknown}")
        looks = lut[grid.cells]
        markers: list[SceneMarker] = []
        boxes: list[SceneBox] = []
        for lm in b.landmarks:
            if lm.floor != floor:
                continue
            width, depth = lm.size_m
            boxes.append(
                SceneBox(
                    x=lm.x,
                    y=lm.y,
                    facing_rad=lm.facing_rad,
                    width_m=width,
                    depth_m=depth,
                    height_m=lm.height_m,
                    colour=_KIND_COLOURS.get(lm.kind, _DEFAULT_BOX),
                )
            )
            markers.append(_front_marker(lm.x, lm.y, lm.facing_rad, depth, lm))
        elevator_cells: dict[str, np.ndarray] = {}
        for e in b.elevators:
            if floor not in e.floors:
                continue
            door = e.door(floor)
            elevator_cells[e.id] = _door_cells(grid, door.center, door.width_m)
            markers.append(
                SceneMarker(
                    marker_id=door.panel_marker_id,
                    x=door.panel[0],
                    y=door.panel[1],
                    facing_rad=e.panel_facing_rad(floor),
                    size_m=PANEL_MARKER_SIZE_M,
                    centre_height_m=PANEL_HEIGHT_M,
                )
            )
        scene = Scene(
            looks=looks,
            resolution_m=grid.resolution_m,
            origin=(float(grid.origin[0]), float(grid.origin[1])),
            markers=tuple(markers),
            boxes=tuple(boxes),
            dictionary=b.aruco_dictionary,
        )
        return _Floor(scene=scene, elevator_cells=elevator_cells)

    def _apply(
        self,
        prepared: _Floor,
        open_ids: tuple[str, ...],
        world: World,
        floor: int,
        objects: tuple[tuple[str, float, float, float, int | None], ...],
    ) -> Scene:
        base = prepared.scene
        looks = base.looks.copy()
        flat = looks.ravel()
        for eid in open_ids:
            flat[prepared.elevator_cells[eid]] = int(Look.ELEVATOR_OPEN)
        grid = self.building.grid(floor)
        for blocked in world.blocked.values():
            if blocked.floor != floor:
                continue
            x0, y0, x1, y1 = blocked.rect
            r0, c0 = grid.to_cell(x0, y0)
            r1, c1 = grid.to_cell(x1, y1)
            region = looks[max(r0, 0) : max(r1 + 1, 0), max(c0, 0) : max(c1 + 1, 0)]
            region[region == int(Look.FREE)] = int(Look.OBSTACLE)
        markers = list(base.markers)
        boxes = list(base.boxes)
        for _object_id, x, y, facing_deg, marker_id in objects:
            facing = math.radians(facing_deg)
            width, depth = OBJECT_SIZE_M
            boxes.append(SceneBox(x, y, facing, width, depth, OBJECT_HEIGHT_M, (160, 120, 70)))
            if marker_id is not None:
                markers.append(
                    SceneMarker(
                        marker_id=marker_id,
                        x=x + (depth / 2 + 0.005) * math.cos(facing),
                        y=y + (depth / 2 + 0.005) * math.sin(facing),
                        facing_rad=facing,
                        size_m=OBJECT_MARKER_SIZE_M,
                        centre_height_m=OBJECT_HEIGHT_M / 2,
                        snap_to_wall=False,
                    )
                )
        return Scene(
            looks=looks,
            resolution_m=base.resolution_m,
            origin=base.origin,
            markers=tuple(markers),
            boxes=tuple(boxes),
            dictionary=base.dictionary,
            wall_height_m=base.wall_height_m,
            door_height_m=base.door_height_m,
        )


_SCENES: weakref.WeakKeyDictionary[Building, CameraScenes] = weakref.WeakKeyDictionary()


def scene_for(source: World | Building, floor: int | None = None) -> Scene:
    """The camera scene of ``floor`` (default: the robot's floor) of a world or building."""
    if isinstance(source, World):
        building = source.building
        world: World | None = source
        if floor is None:
            floor = source.robot_state().floor
    elif isinstance(source, Building):
        building, world = source, None
        if floor is None:
            raise ValueError("camera scene: a floor is needed when the source is a building")
    else:
        raise TypeError(f"camera scene: expected a World or Building, got {type(source)!r}")
    scenes = _SCENES.get(building)
    if scenes is None:
        scenes = CameraScenes(building)
        _SCENES[building] = scenes
    return scenes.scene(floor, world)


def _front_marker(
    x: float, y: float, facing: float, depth: float, lm: bld.LandmarkSpec
) -> SceneMarker:
    """The landmark's marker on the front face of its box, just proud of the surface."""
    offset = depth / 2 + 0.005
    return SceneMarker(
        marker_id=lm.marker_id,
        x=x + offset * math.cos(facing),
        y=y + offset * math.sin(facing),
        facing_rad=facing,
        size_m=lm.marker_size_m,
        centre_height_m=lm.marker_height_m,
        snap_to_wall=False,
    )


def _door_cells(grid: bld.OccupancyGrid, centre: tuple[float, float], width: float) -> np.ndarray:
    """Flat indices of the elevator-door cells belonging to the door at ``centre``."""
    rows, cols = np.nonzero(grid.cells == bld.ELEVATOR_DOOR)
    xs = grid.origin[0] + (cols + 0.5) * grid.resolution_m
    ys = grid.origin[1] + (rows + 0.5) * grid.resolution_m
    reach = width / 2 + 2 * grid.resolution_m
    near = (np.abs(xs - centre[0]) <= reach) & (np.abs(ys - centre[1]) <= reach)
    flat: np.ndarray = rows[near] * grid.cells.shape[1] + cols[near]
    return flat


def _colour_of(person_id: str) -> tuple[int, int, int]:
    """A stable shirt colour per person (no global RNG, same on every run)."""
    h = zlib.crc32(person_id.encode())
    hue = (h % 180) / 180.0
    r, g, b = (int(128 + 100 * math.cos(2 * math.pi * (hue + k / 3))) for k in range(3))
    return (r, g, b)
