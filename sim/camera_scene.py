"""What the simulated camera sees on one floor: a grid of cell looks plus textured objects.

The scene is the renderer's own description, independent of how a building is stored, so the
renderer can be tested on synthetic scenes and fed from any building model by an adapter
(:func:`pepa.sim.camera_adapter.scene_for`). Static parts (the padded grid, the look tables, marker
positions snapped onto wall faces) are prepared once when the scene is built; people change
every frame and are swapped in cheaply with :meth:`Scene.with_people`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np

from pepa.building.markers import DEFAULT_DICTIONARY, dictionary_size

RGB = tuple[int, int, int]


class Look(IntEnum):
    """How a grid cell is drawn. Blocking looks stop a camera ray; doorways let it through
    under a lintel."""

    FREE = 0
    WALL = 1
    DOORWAY = 2
    DOOR_CLOSED = 3
    ELEVATOR_CLOSED = 4
    ELEVATOR_OPEN = 5
    OBSTACLE = 6
    DOOR_FRAME = 7  # derived: a wall cell beside a doorway
    GLASS = 8


#: Looks that stop a ray (the first one hit gives the column's depth).
BLOCKING_LOOKS: frozenset[Look] = frozenset(
    {Look.WALL, Look.DOOR_CLOSED, Look.ELEVATOR_CLOSED, Look.OBSTACLE, Look.DOOR_FRAME, Look.GLASS}
)
#: Passable looks drawn with a lintel above the opening.
DOORWAY_LOOKS: frozenset[Look] = frozenset({Look.DOORWAY, Look.ELEVATOR_OPEN})

LOOK_COLOURS: dict[Look, RGB] = {
    Look.FREE: (0, 0, 0),
    Look.WALL: (214, 206, 188),
    Look.DOORWAY: (120, 78, 44),
    Look.DOOR_CLOSED: (139, 90, 43),
    Look.ELEVATOR_CLOSED: (170, 178, 186),
    Look.ELEVATOR_OPEN: (150, 158, 166),
    Look.OBSTACLE: (230, 120, 30),
    Look.DOOR_FRAME: (96, 62, 36),
    Look.GLASS: (150, 190, 205),
}

#: How far behind a marker position the renderer looks for the wall it hangs on (m).
MARKER_SNAP_M = 1.0
#: Gap between a wall face and a marker drawn on it (m), so that the marker wins depth tests.
MARKER_OFFSET_M = 0.005


@dataclass(frozen=True)
class SceneMarker:
    """A square ArUco marker on a vertical surface; ``facing_rad`` is its outward normal."""

    marker_id: int
    x: float
    y: float
    facing_rad: float
    size_m: float
    centre_height_m: float
    snap_to_wall: bool = True


@dataclass(frozen=True)
class SceneBox:
    """A solid object (printer, plant, shelf) drawn as a box of vertical faces.

    ``width_m`` runs along the front face, ``depth_m`` along ``facing_rad``.
    """

    x: float
    y: float
    facing_rad: float
    width_m: float
    depth_m: float
    height_m: float
    colour: RGB = (90, 110, 130)


@dataclass(frozen=True)
class ScenePerson:
    """A person drawn as a camera-facing billboard, wearing a badge on the chest.

    ``facing_rad`` None means the badge is always towards the camera; otherwise the badge
    shows only when the person faces the camera (within 90 degrees).
    """

    x: float
    y: float
    badge_marker_id: int | None = None
    facing_rad: float | None = None
    colour: RGB = (60, 90, 160)
    height_m: float = 1.75
    width_m: float = 0.5
    badge_size_m: float = 0.25
    badge_height_m: float = 1.2


@dataclass(frozen=True)
class Scene:
    """One floor as the camera sees it. ``looks`` is row=y, col=x, values from :class:`Look`;
    ``origin`` is the map position (m) of the outer corner of cell (0, 0)."""

    looks: np.ndarray
    resolution_m: float
    origin: tuple[float, float] = (0.0, 0.0)
    markers: tuple[SceneMarker, ...] = ()
    boxes: tuple[SceneBox, ...] = ()
    people: tuple[ScenePerson, ...] = ()
    dictionary: str = DEFAULT_DICTIONARY
    wall_height_m: float = 2.7
    door_height_m: float = 2.1
    _padded: np.ndarray = field(init=False, repr=False, compare=False)
    _placed_markers: tuple[SceneMarker, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        looks = np.asarray(self.looks)
        if looks.ndim != 2 or looks.size == 0:
            raise ValueError(
                f"scene looks: expected a non-empty 2-D grid, got shape {looks.shape}"
            )
        if not np.issubdtype(looks.dtype, np.integer):
            raise ValueError(f"scene looks: expected integer cell looks, got dtype {looks.dtype}")
        unknown = set(np.unique(looks).tolist()) - {int(v) for v in Look}
        if unknown:
            raise ValueError(f"scene looks: unknown look codes {sorted(unknown)}")
        if not (math.isfinite(self.resolution_m) and self.resolution_m > 0):
            raise ValueError(f"scene resolution_m: must be > 0, got {self.resolution_m}")
        if not 0 < self.door_height_m <= self.wall_height_m:
            raise ValueError(
                f"scene door_height_m: must be in (0, wall_height_m={self.wall_height_m}], "
                f"got {self.door_height_m}"
            )
        ids = dictionary_size(self.dictionary)
        for marker in self.markers:
            _check_marker_id(marker.marker_id, ids, self.dictionary, "marker")
            if marker.size_m <= 0:
                raise ValueError(f"scene marker {marker.marker_id}: size_m must be > 0")
        for person in self.people:
            if person.badge_marker_id is not None:
                _check_marker_id(person.badge_marker_id, ids, self.dictionary, "badge")
        looks = looks.astype(np.uint8)
        object.__setattr__(self, "looks", looks)
        object.__setattr__(self, "_padded", _pad_with_frames(looks))
        object.__setattr__(
            self, "_placed_markers", tuple(self._snap_to_wall(m) for m in self.markers)
        )

    # -- prepared data used by the renderer --------------------------------------------------

    @property
    def padded(self) -> np.ndarray:
        """Looks with a one-cell wall border and door frames, C-contiguous (rows+2, cols+2)."""
        return self._padded

    @property
    def placed_markers(self) -> tuple[SceneMarker, ...]:
        """Markers moved onto the face of the wall behind them (when there is one)."""
        return self._placed_markers

    def with_people(self, people: tuple[ScenePerson, ...]) -> Scene:
        """The same floor with other people, without preparing the grid again."""
        clone = object.__new__(Scene)
        for name in self.__dataclass_fields__:
            object.__setattr__(clone, name, getattr(self, name))
        object.__setattr__(clone, "people", tuple(people))
        return clone

    def with_looks(self, looks: np.ndarray) -> Scene:
        """The same floor with a changed grid (a door closed, a corridor blocked)."""
        return replace(self, looks=looks)

    # -- geometry helpers ---------------------------------------------------------------------

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell containing map point (x, y); may be outside the grid."""
        return (
            math.floor((y - self.origin[1]) / self.resolution_m),
            math.floor((x - self.origin[0]) / self.resolution_m),
        )

    def blocks(self, x: float, y: float) -> bool:
        """Whether the cell at (x, y) stops a camera ray (outside the grid counts as wall)."""
        row, col = self.cell_of(x, y)
        rows, cols = self.looks.shape
        if not (0 <= row < rows and 0 <= col < cols):
            return True
        return Look(int(self._padded[row + 1, col + 1])) in BLOCKING_LOOKS

    def _snap_to_wall(self, marker: SceneMarker) -> SceneMarker:
        """Put a wall marker exactly on the face of the wall behind it.

        Building files give positions to the nearest few centimetres; on a 10 cm grid the
        wall face can be a cell away, and a marker behind the face would be hidden.
        """
        if not marker.snap_to_wall:
            return marker
        nx, ny = math.cos(marker.facing_rad), math.sin(marker.facing_rad)
        step = self.resolution_m / 4
        if self.blocks(marker.x, marker.y):
            # inside the wall: walk out along the normal to the first free point
            inside, outside = 0.0, None
            for i in range(1, int(MARKER_SNAP_M / step) + 1):
                if not self.blocks(marker.x + nx * i * step, marker.y + ny * i * step):
                    outside = i * step
                    break
                inside = i * step
            if outside is None:
                return marker
            free_s, wall_s = outside, inside
        else:
            free_s, first_wall = 0.0, None
            for i in range(1, int(MARKER_SNAP_M / step) + 1):
                if self.blocks(marker.x - nx * i * step, marker.y - ny * i * step):
                    first_wall = -i * step
                    break
                free_s = -i * step
            if first_wall is None:
                return replace(marker, snap_to_wall=False)
            wall_s = first_wall
        for _ in range(20):  # bisect the face between the last free and first wall sample
            mid = (free_s + wall_s) / 2
            if self.blocks(marker.x + nx * mid, marker.y + ny * mid):
                wall_s = mid
            else:
                free_s = mid
        s = free_s + MARKER_OFFSET_M
        return replace(marker, x=marker.x + nx * s, y=marker.y + ny * s)


def _check_marker_id(marker_id: int, ids: int, name: str, what: str) -> None:
    if not 0 <= marker_id < ids:
        raise ValueError(f"scene {what} id {marker_id}: outside dictionary {name} (0..{ids - 1})")


def _pad_with_frames(looks: np.ndarray) -> np.ndarray:
    """Pad with a wall border and turn wall cells next to a doorway into door frames."""
    padded = np.pad(looks, 1, mode="constant", constant_values=int(Look.WALL))
    doorway = np.isin(padded, [int(v) for v in DOORWAY_LOOKS])
    near = np.zeros_like(doorway)
    near[1:, :] |= doorway[:-1, :]
    near[:-1, :] |= doorway[1:, :]
    near[:, 1:] |= doorway[:, :-1]
    near[:, :-1] |= doorway[:, 1:]
    padded[near & (padded == int(Look.WALL))] = int(Look.DOOR_FRAME)
    return np.ascontiguousarray(padded)
