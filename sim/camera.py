"""First-person camera for the simulated office: a raycaster over a floor's grid.

One ray per image column is cast through the grid with a vectorised DDA: for every column at
once, the successive crossings of vertical and of horizontal cell boundaries are computed in
chunks, and the first blocking cell entered gives the column's depth. Because each ray's
direction has a forward component of exactly one, its parameter at a hit *is* the depth along
the optical axis, so walls come out in correct pinhole perspective with no fisheye fix-up.
Objects that are not grid cells (ArUco markers, landmark boxes, people) are vertical textured
quads, drawn far to near and depth-tested per column against the walls. Markers are real
``cv2.aruco`` textures, so the robot's detector runs unchanged on these frames.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.camera_scene import (
    BLOCKING_LOOKS,
    DOORWAY_LOOKS,
    LOOK_COLOURS,
    Look,
    Scene,
    SceneBox,
    SceneMarker,
    ScenePerson,
)
from sim.markers import marker_texture, quiet_scale

logger = logging.getLogger(__name__)

FLOOR_RGB = (122, 116, 108)
CEILING_RGB = (236, 236, 230)
BASEBOARD_M = 0.1
#: Crossings examined per ray and per step of the DDA; most rays in an office hit a wall
#: within the first chunk, and the loop stops as soon as every ray has hit.
DDA_CHUNK = 48
#: Sub-pixel offsets sampled per axis for marker quads (anti-aliased edges).
SUPERSAMPLE: tuple[float, ...] = (0.0,)


class CameraConfig(BaseModel):
    """A forward-looking pinhole camera with square pixels and no distortion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(320, ge=16, le=4096, description="image width (px)")
    height: int = Field(240, ge=16, le=4096, description="image height (px)")
    hfov_deg: float = Field(75.0, gt=20.0, lt=150.0, description="horizontal field of view")
    mount_height_m: float = Field(0.5, gt=0.0, lt=2.5, description="optical centre height")
    max_range_m: float = Field(25.0, gt=0.5, le=200.0, description="far clipping distance")
    near_m: float = Field(0.05, gt=0.0, lt=1.0, description="near clipping distance")
    frame_id: str = Field("camera_optical_frame", min_length=1)

    @property
    def fx(self) -> float:
        return (self.width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def fy(self) -> float:
        return self.fx

    @property
    def cx(self) -> float:
        return (self.width - 1) / 2.0

    @property
    def cy(self) -> float:
        return (self.height - 1) / 2.0

    @property
    def vfov_deg(self) -> float:
        return math.degrees(2.0 * math.atan((self.height / 2.0) / self.fy))

    def k_matrix(self) -> np.ndarray:
        """The 3x3 intrinsic matrix (pixel centres at integer coordinates, as in ROS)."""
        return np.array(
            [[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]], dtype=np.float64
        )

    def camera_info(self) -> dict[str, object]:
        """Fields of a ``sensor_msgs/CameraInfo`` for this camera (plumb-bob, no distortion)."""
        k = self.k_matrix()
        p = np.hstack([k, np.zeros((3, 1))])
        return {
            "width": self.width,
            "height": self.height,
            "distortion_model": "plumb_bob",
            "d": [0.0] * 5,
            "k": k.ravel().tolist(),
            "r": np.eye(3).ravel().tolist(),
            "p": p.ravel().tolist(),
            "frame_id": self.frame_id,
        }


@dataclass(frozen=True)
class Frame:
    """A rendered image (RGB, HxWx3 uint8) and the wall depth of each column (m, inf: none).

    ``labels`` (when asked for) holds, per pixel, the index into ``label_names`` of the quad
    drawn there, or -1 for walls, floor and ceiling.
    """

    image: np.ndarray
    column_depth: np.ndarray
    labels: np.ndarray | None = None
    label_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisibleMarker:
    """A marker the camera should be able to read: in the image, facing it and unoccluded."""

    marker_id: int
    distance_m: float
    corners_px: np.ndarray  # 4x2, ArUco order: top-left, top-right, bottom-right, bottom-left
    kind: str  # "wall", "box" or "badge"


@dataclass(frozen=True)
class _Quad:
    """A vertical textured rectangle: centre, unit tangent (texture left to right when seen
    from the front), half width, bottom and top heights."""

    cx: float
    cy: float
    tx: float
    ty: float
    half_w: float
    bottom: float
    top: float
    texture: np.ndarray  # HxWx3 uint8
    alpha: np.ndarray | None
    label: str
    supersample: bool = False


class Renderer:
    """Renders first-person frames of a :class:`Scene`; reuse one renderer for many frames."""

    def __init__(self, config: CameraConfig | None = None) -> None:
        self.config = config or CameraConfig()
        c = self.config
        u = np.arange(c.width, dtype=np.float64)
        # leftward offset of each column's ray per metre of depth (camera y is left)
        self._lateral = -(u - c.cx) / c.fx
        self._rows = np.arange(c.height, dtype=np.float64)
        self._row_col = self._rows[:, None]
        self._backgrounds: dict[float, np.ndarray] = {}

    # -- public API ---------------------------------------------------------------------------

    def render(
        self,
        scene: Scene,
        x: float,
        y: float,
        yaw: float,
        people: Sequence[ScenePerson] | None = None,
        with_labels: bool = False,
    ) -> Frame:
        """The frame seen from map pose (x, y, yaw); ``people`` overrides ``scene.people``."""
        if not all(math.isfinite(v) for v in (x, y, yaw)):
            raise ValueError(f"camera pose: x, y and yaw must be finite, got {(x, y, yaw)}")
        c = self.config
        image = self._background(scene.wall_height_m).copy()
        cos_y, sin_y = math.cos(yaw), math.sin(yaw)
        dir_x = cos_y - sin_y * self._lateral
        dir_y = sin_y + cos_y * self._lateral
        hit = _cast(scene, x, y, dir_x, dir_y, c.max_range_m)
        self._draw_walls(image, scene, hit)
        labels = np.full((c.height, c.width), -1, dtype=np.int16) if with_labels else None
        names: list[str] = []
        quads = self._quads(scene, x, y, yaw, scene.people if people is None else people)
        ordered = sorted(quads, key=lambda q: -((q.cx - x) ** 2 + (q.cy - y) ** 2))
        for quad in ordered:
            drawn = self._draw_quad(image, hit.depth, quad, x, y, cos_y, sin_y)
            if drawn is not None and labels is not None:
                rows, cols, mask = drawn
                names.append(quad.label)
                labels[rows, cols][mask] = len(names) - 1
        return Frame(image=image, column_depth=hit.depth, labels=labels, label_names=tuple(names))

    def markers_in_view(
        self,
        scene: Scene,
        x: float,
        y: float,
        yaw: float,
        people: Sequence[ScenePerson] | None = None,
        max_distance_m: float = 5.0,
        max_angle_deg: float = 60.0,
        margin_px: float = 2.0,
    ) -> list[VisibleMarker]:
        """Markers the geometry says are readable: every corner inside the image, within
        ``max_distance_m``, facing the camera within ``max_angle_deg``, and with clear lines of
        sight to the centre and all four corners (walls, lintels, boxes and people occlude).

        This is computed from the scene geometry alone (not from a rendered frame), so it can
        judge the renderer and the detector.
        """
        c = self.config
        people = tuple(scene.people if people is None else people)
        cam = np.array([x, y, c.mount_height_m])
        forward = np.array([math.cos(yaw), math.sin(yaw), 0.0])
        left = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
        up = np.array([0.0, 0.0, 1.0])
        candidates: list[tuple[SceneMarker, str, int | None]] = [
            (m, "wall" if m.snap_to_wall else "box", None) for m in scene.placed_markers
        ]
        for index, person in enumerate(people):
            badge = _badge_marker(person, x, y)
            if badge is not None:
                candidates.append((badge, "badge", index))
        quiet = quiet_scale(scene.dictionary)
        found: list[VisibleMarker] = []
        for marker, kind, owner in candidates:
            normal = np.array([math.cos(marker.facing_rad), math.sin(marker.facing_rad), 0.0])
            centre = np.array([marker.x, marker.y, marker.centre_height_m])
            to_cam = cam - centre
            distance = float(np.linalg.norm(to_cam))
            if distance > max_distance_m or distance < 1e-6:
                continue
            if float(normal @ to_cam) / distance < math.cos(math.radians(max_angle_deg)):
                continue
            tangent = np.array([-normal[1], normal[0], 0.0])  # to the viewer's right
            half = marker.size_m / 2.0
            square = np.array([[-1.0, 1.0], [1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
            corners = centre + half * (square[:, :1] * tangent + square[:, 1:] * up)
            # the white quiet zone must be in the image too, or the border cannot be found
            outer = centre + half * quiet * (square[:, :1] * tangent + square[:, 1:] * up)
            u, v, depth = _project(c, cam, forward, left, np.vstack([corners, outer]))
            if np.any(depth <= c.near_m):
                continue
            inside = (
                (u >= margin_px)
                & (u <= c.width - 1 - margin_px)
                & (v >= margin_px)
                & (v <= c.height - 1 - margin_px)
            )
            if not np.all(inside):
                continue
            u, v = u[:4], v[:4]
            targets = np.vstack([centre[None, :], corners])
            if not _lines_clear(scene, people, cam, targets, skip_person=owner):
                continue
            found.append(
                VisibleMarker(
                    marker_id=marker.marker_id,
                    distance_m=distance,
                    corners_px=np.stack([u, v], axis=1),
                    kind=kind,
                )
            )
        return found

    # -- drawing ------------------------------------------------------------------------------

    def _background(self, wall_height: float) -> np.ndarray:
        cached = self._backgrounds.get(wall_height)
        if cached is not None:
            return cached
        c = self.config
        rows = self._rows - c.cy
        image = np.empty((c.height, c.width, 3), dtype=np.uint8)
        with np.errstate(divide="ignore"):
            floor_dist = np.where(rows > 0, c.mount_height_m * c.fy / np.maximum(rows, 1e-9), 0)
            ceil_dist = np.where(
                rows < 0, (wall_height - c.mount_height_m) * c.fy / np.maximum(-rows, 1e-9), 0
            )
        floor_shade = _shade(floor_dist)
        ceil_shade = _shade(ceil_dist) * 0.9
        floor = np.asarray(FLOOR_RGB, dtype=np.float64)[None, :] * floor_shade[:, None]
        ceiling = np.asarray(CEILING_RGB, dtype=np.float64)[None, :] * ceil_shade[:, None]
        column = np.where((rows > 0)[:, None], floor, ceiling)
        image[:] = np.clip(column, 0, 255).astype(np.uint8)[:, None, :]
        image.setflags(write=False)
        self._backgrounds[wall_height] = image
        return image

    def _draw_walls(self, image: np.ndarray, scene: Scene, hit: _Hit) -> None:
        c = self.config
        hc = c.mount_height_m
        depth = hit.depth
        finite = np.isfinite(depth)
        safe = np.where(finite, depth, np.inf)
        scale = c.fy / np.maximum(safe, c.near_m)
        top = c.cy - (scene.wall_height_m - hc) * scale
        bottom = c.cy + hc * scale
        base = c.cy - (BASEBOARD_M - hc) * scale
        shade = _shade(depth) * np.where(hit.x_side, 1.0, 0.8)
        colours = _look_colours()[hit.look] * shade[:, None]
        wall_rgb = np.clip(colours, 0, 255).astype(np.uint8)
        base_rgb = np.clip(colours * 0.45, 0, 255).astype(np.uint8)
        rows = self._row_col
        wall = (rows >= top) & (rows <= bottom)
        np.copyto(image, wall_rgb[None, :, :], where=wall[:, :, None])
        skirting = (rows >= base) & (rows <= bottom)
        np.copyto(image, base_rgb[None, :, :], where=skirting[:, :, None])
        # lintels over doorways seen in front of the wall
        door_cols = np.flatnonzero(hit.door_depth < depth)
        if door_cols.size:
            zd = hit.door_depth[door_cols]
            d_scale = c.fy / np.maximum(zd, c.near_m)
            l_top = c.cy - (scene.wall_height_m - hc) * d_scale
            l_bot = c.cy - (scene.door_height_m - hc) * d_scale
            lintel = (rows >= l_top) & (rows <= l_bot)
            shade_d = _shade(zd) * np.where(hit.door_x_side[door_cols], 1.0, 0.8)
            lintel_rgb = np.clip(
                _look_colours()[Look.DOOR_FRAME][None, :] * shade_d[:, None], 0, 255
            ).astype(np.uint8)
            block = image[:, door_cols]
            np.copyto(block, lintel_rgb[None, :, :], where=lintel[:, :, None])
            image[:, door_cols] = block

    def _quads(
        self, scene: Scene, x: float, y: float, yaw: float, people: Sequence[ScenePerson]
    ) -> list[_Quad]:
        max_r2 = self.config.max_range_m**2
        quads: list[_Quad] = []
        for marker in scene.placed_markers:
            if (marker.x - x) ** 2 + (marker.y - y) ** 2 > max_r2:
                continue
            quads.append(_marker_quad(marker, scene.dictionary, f"marker:{marker.marker_id}"))
        for box in scene.boxes:
            if (box.x - x) ** 2 + (box.y - y) ** 2 > max_r2:
                continue
            quads.extend(_box_quads(box))
        for index, person in enumerate(people):
            if (person.x - x) ** 2 + (person.y - y) ** 2 > max_r2:
                continue
            quads.extend(_person_quads(person, index, x, y, scene.dictionary))
        return quads

    def _draw_quad(
        self,
        image: np.ndarray,
        wall_depth: np.ndarray,
        quad: _Quad,
        x: float,
        y: float,
        cos_y: float,
        sin_y: float,
    ) -> tuple[slice, slice, np.ndarray] | None:
        """Draw one quad; returns the image block and the mask of pixels it covered."""
        c = self.config
        # back-face culling: the viewer must be on the front side of the quad
        nx, ny = quad.ty, -quad.tx  # front normal (tangent turned clockwise)
        if (x - quad.cx) * nx + (y - quad.cy) * ny <= 0:
            return None
        ends = []
        for sgn in (-1.0, 1.0):
            ex = quad.cx + sgn * quad.half_w * quad.tx - x
            ey = quad.cy + sgn * quad.half_w * quad.ty - y
            ends.append((ex * cos_y + ey * sin_y, -ex * sin_y + ey * cos_y))
        (z1, l1), (z2, l2) = ends
        near = c.near_m
        if z1 <= near and z2 <= near:
            return None
        # clip the segment to the near plane before projecting its ends
        if z1 < near:
            f = (near - z1) / (z2 - z1)
            z1, l1 = near, l1 + f * (l2 - l1)
        elif z2 < near:
            f = (near - z2) / (z1 - z2)
            z2, l2 = near, l2 + f * (l1 - l2)
        u1 = c.cx - c.fx * l1 / z1
        u2 = c.cx - c.fx * l2 / z2
        c0 = max(0, math.ceil(min(u1, u2) - 0.5))
        c1 = min(c.width - 1, math.floor(max(u1, u2) + 0.5))
        if c1 < c0:
            return None
        offsets = SUPERSAMPLE if quad.supersample else (0.0,)
        cols = np.arange(c0, c1 + 1, dtype=np.float64)
        walls = wall_depth[c0 : c1 + 1] + 1e-6
        rx, ry = quad.cx - x, quad.cy - y

        def sample(du: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            lateral = -(cols + du - c.cx) / c.fx
            dx = cos_y - sin_y * lateral
            dy = sin_y + cos_y * lateral
            det = -dx * quad.ty + quad.tx * dy
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (-rx * quad.ty + quad.tx * ry) / det
                s = (dx * ry - dy * rx) / det
                ok = np.isfinite(t) & (t > near) & (np.abs(s) <= quad.half_w) & (t <= walls)
            tex_u = (np.where(ok, s, 0.0) + quad.half_w) / (2.0 * quad.half_w)
            return np.where(ok, t, np.nan), tex_u * quad.texture.shape[1], ok

        t_mid, _, visible_col = sample(0.0)
        if not visible_col.any():
            return None
        samples = [sample(du) for du in offsets] if quad.supersample else [sample(0.0)]
        hc = c.mount_height_m
        with np.errstate(invalid="ignore"):
            t_all = np.where(visible_col, t_mid, np.nan)
            v_top = np.nanmin(c.cy - c.fy * (quad.top - hc) / t_all)
            v_bot = np.nanmax(c.cy - c.fy * (quad.bottom - hc) / t_all)
        r0 = max(0, math.ceil(v_top - 0.5))
        r1 = min(c.height - 1, math.floor(v_bot + 0.5))
        if r1 < r0:
            return None
        rows = np.arange(r0, r1 + 1, dtype=np.float64)[:, None]
        tex_h, tex_w = quad.texture.shape[:2]
        span = quad.top - quad.bottom
        acc: np.ndarray | None = None
        cover: np.ndarray | None = None
        for t, tex_u, ok in samples:
            tu = np.clip(tex_u.astype(np.int64), 0, tex_w - 1)[None, :]
            t_safe = np.where(ok, t, 1.0)[None, :]
            for dv in offsets:
                height = hc + (c.cy - (rows + dv)) * t_safe / c.fy
                tv_f = (quad.top - height) / span * tex_h
                inside = (tv_f >= 0) & (tv_f < tex_h) & ok[None, :]
                tv = np.clip(tv_f.astype(np.int64), 0, tex_h - 1)
                if quad.alpha is not None:
                    inside &= quad.alpha[tv, tu]
                texel = quad.texture[tv, tu].astype(np.float32)
                texel *= inside[:, :, None]
                acc = texel if acc is None else acc + texel
                hits = inside.astype(np.float32)
                cover = hits if cover is None else cover + hits
        assert acc is not None and cover is not None
        mask = cover > 0
        if not mask.any():
            return None
        shade = _shade(np.where(np.isfinite(t_mid), t_mid, 0.0), strength=0.04)
        n = float(len(offsets) ** 2)
        block = image[r0 : r1 + 1, c0 : c1 + 1]
        # partial coverage blends with what is behind (anti-aliased marker edges)
        weight = (cover / n)[:, :, None]
        colour = acc / np.maximum(cover, 1.0)[:, :, None] * shade[None, :, None]
        mixed = colour * weight + block.astype(np.float32) * (1.0 - weight)
        np.copyto(block, np.clip(mixed, 0, 255).astype(np.uint8), where=mask[:, :, None])
        return slice(r0, r1 + 1), slice(c0, c1 + 1), mask


# -- ray casting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    depth: np.ndarray  # per column, m along the optical axis; inf when nothing within range
    look: np.ndarray  # Look of the cell hit (FREE when nothing)
    x_side: np.ndarray  # hit a face perpendicular to x
    door_depth: np.ndarray  # depth of the first doorway entered before the hit (inf: none)
    door_x_side: np.ndarray


@lru_cache(maxsize=1)
def _look_colours() -> np.ndarray:
    table = np.zeros((256, 3), dtype=np.float64)
    for look, rgb in LOOK_COLOURS.items():
        table[int(look)] = rgb
    return table


@lru_cache(maxsize=1)
def _look_tables() -> tuple[np.ndarray, np.ndarray]:
    blocking = np.zeros(256, dtype=bool)
    doorway = np.zeros(256, dtype=bool)
    blocking[[int(v) for v in BLOCKING_LOOKS]] = True
    doorway[[int(v) for v in DOORWAY_LOOKS]] = True
    return blocking, doorway


def _cast(
    scene: Scene, x: float, y: float, dir_x: np.ndarray, dir_y: np.ndarray, max_t: float
) -> _Hit:
    """Cast one ray per column (directions per metre of depth) through the scene's grid."""
    res = scene.resolution_m
    gx = (x - scene.origin[0]) / res
    gy = (y - scene.origin[1]) / res
    # directions in cells per metre of depth
    cdx = dir_x / res
    cdy = dir_y / res
    tx, lx, dx_door = _axis(scene, gx, gy, cdx, cdy, max_t, along_x=True)
    ty, ly, dy_door = _axis(scene, gy, gx, cdy, cdx, max_t, along_x=False)
    x_side = tx <= ty
    depth = np.where(x_side, tx, ty)
    look = np.where(x_side, lx, ly)
    door_x_side = dx_door <= dy_door
    door = np.where(door_x_side, dx_door, dy_door)
    return _Hit(depth=depth, look=look, x_side=x_side, door_depth=door, door_x_side=door_x_side)


def _axis(
    scene: Scene,
    g_main: float,
    g_other: float,
    d_main: np.ndarray,
    d_other: np.ndarray,
    max_t: float,
    along_x: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First blocking and first doorway cell entered through boundaries of one axis.

    With ``along_x`` the crossings are of vertical grid lines (x = integer): the entered cell's
    column steps by one each time and its row follows the ray. Returns (depth of the first
    blocking entry, its look, depth of the first doorway entry), inf where none.
    """
    padded = scene.padded
    prow, pcol = padded.shape
    flat = padded.ravel()
    blocking, doorway = _look_tables()
    n = d_main.shape[0]
    positive = d_main > 0
    step = np.where(positive, 1, -1)
    first_boundary = np.where(positive, math.floor(g_main) + 1.0, math.floor(g_main))
    with np.errstate(divide="ignore"):
        inv = np.where(d_main != 0, 1.0 / np.where(d_main != 0, d_main, 1.0), np.inf)
    t0 = (first_boundary - g_main) * inv
    dt = np.abs(inv)
    first_cell = np.where(positive, first_boundary, first_boundary - 1).astype(np.int64)
    hit_t = np.full(n, np.inf)
    hit_look = np.zeros(n, dtype=np.uint8)
    door_t = np.full(n, np.inf)
    active = np.flatnonzero(np.isfinite(t0) & (t0 <= max_t))
    main_lim = (pcol if along_x else prow) - 2
    other_lim = (prow if along_x else pcol) - 2
    k = np.arange(DDA_CHUNK, dtype=np.float64)
    start = 0
    while active.size:
        kk = k[None, :] + start
        t = t0[active, None] + dt[active, None] * kk
        cell_main = first_cell[active, None] + step[active, None] * kk.astype(np.int64)
        cell_other = np.floor(g_other + t * d_other[active, None]).astype(np.int64)
        np.clip(cell_main, -1, main_lim, out=cell_main)
        np.clip(cell_other, -1, other_lim, out=cell_other)
        if along_x:
            index = (cell_other + 1) * pcol + (cell_main + 1)
        else:
            index = (cell_main + 1) * pcol + (cell_other + 1)
        looks = flat[index]
        in_range = t <= max_t
        blocked = blocking[looks] & in_range
        any_hit = blocked.any(axis=1)
        first = blocked.argmax(axis=1)
        rows = np.arange(active.size)
        t_first = np.where(any_hit, t[rows, first], np.inf)
        hit_t[active] = t_first
        hit_look[active] = np.where(any_hit, looks[rows, first], 0)
        door = doorway[looks] & in_range & (t < t_first[:, None])
        pending = ~np.isfinite(door_t[active])
        door_any = door.any(axis=1) & pending
        if door_any.any():
            door_first = door.argmax(axis=1)
            door_t[active[door_any]] = t[rows, door_first][door_any]
        more = ~any_hit & in_range[:, -1]
        active = active[more]
        start += DDA_CHUNK
    return hit_t, hit_look, door_t


# -- quads ------------------------------------------------------------------------------------


def _shade(distance: np.ndarray, strength: float = 0.09) -> np.ndarray:
    """Light falling off with distance (a lamp on the robot and a dim far end)."""
    return 1.0 / (1.0 + strength * np.asarray(distance, dtype=np.float64))


def _marker_quad(marker: SceneMarker, dictionary: str, label: str) -> _Quad:
    half = marker.size_m * quiet_scale(dictionary) / 2.0
    nx, ny = math.cos(marker.facing_rad), math.sin(marker.facing_rad)
    return _Quad(
        cx=marker.x,
        cy=marker.y,
        tx=-ny,
        ty=nx,
        half_w=half,
        bottom=marker.centre_height_m - half,
        top=marker.centre_height_m + half,
        texture=_rgb_marker(dictionary, marker.marker_id),
        alpha=None,
        label=label,
        supersample=True,
    )


@lru_cache(maxsize=1024)
def _rgb_marker(dictionary: str, marker_id: int) -> np.ndarray:
    grey = marker_texture(dictionary, marker_id)
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    rgb.setflags(write=False)
    return rgb


@lru_cache(maxsize=64)
def _solid(colour: tuple[int, int, int]) -> np.ndarray:
    texture = np.empty((32, 32, 3), dtype=np.uint8)
    texture[:] = colour
    # a darker rim so that faces read as separate surfaces
    rim = tuple(int(v * 0.6) for v in colour)
    texture[0, :] = rim
    texture[-1, :] = rim
    texture[:, 0] = rim
    texture[:, -1] = rim
    texture.setflags(write=False)
    return texture


def _box_quads(box: SceneBox) -> list[_Quad]:
    nx, ny = math.cos(box.facing_rad), math.sin(box.facing_rad)
    faces = []
    # (normal, offset along it, half width of the face)
    for fx, fy, off, half, factor in (
        (nx, ny, box.depth_m / 2, box.width_m / 2, 1.0),
        (-nx, -ny, box.depth_m / 2, box.width_m / 2, 0.7),
        (-ny, nx, box.width_m / 2, box.depth_m / 2, 0.85),
        (ny, -nx, box.width_m / 2, box.depth_m / 2, 0.85),
    ):
        colour = tuple(int(v * factor) for v in box.colour)
        faces.append(
            _Quad(
                cx=box.x + fx * off,
                cy=box.y + fy * off,
                tx=-fy,
                ty=fx,
                half_w=half,
                bottom=0.0,
                top=box.height_m,
                texture=_solid(colour),  # type: ignore[arg-type]
                alpha=None,
                label="box",
            )
        )
    return faces


@lru_cache(maxsize=64)
def _person_sprite(colour: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A 32x140 sprite: legs, torso in the person's colour, arms, head; with its alpha mask."""
    h, w = 140, 32
    texture = np.zeros((h, w, 3), dtype=np.uint8)
    alpha = np.zeros((h, w), dtype=bool)
    yy, xx = np.mgrid[0:h, 0:w]
    height = (h - yy) / h * 1.75  # metres above the floor for a 1.75 m person
    lateral = (xx + 0.5 - w / 2) / w * 0.5
    head = (lateral / 0.1) ** 2 + ((height - 1.62) / 0.12) ** 2 <= 1.0
    torso = (height >= 0.85) & (height <= 1.48) & (np.abs(lateral) <= 0.19)
    arms = (
        (height >= 0.8) & (height <= 1.45) & (np.abs(lateral) > 0.19) & (np.abs(lateral) <= 0.24)
    )
    legs = (height < 0.85) & (np.abs(lateral) <= 0.16) & (np.abs(lateral) >= 0.015)
    texture[legs] = (40, 42, 55)
    texture[torso] = colour
    texture[arms] = tuple(int(v * 0.8) for v in colour)
    texture[head] = (224, 182, 150)
    alpha[:] = head | torso | arms | legs
    texture.setflags(write=False)
    alpha.setflags(write=False)
    return texture, alpha


def _badge_marker(person: ScenePerson, x: float, y: float) -> SceneMarker | None:
    """The person's badge as a marker facing the camera at (x, y), if it can be seen."""
    if person.badge_marker_id is None:
        return None
    to_cam = math.atan2(y - person.y, x - person.x)
    if person.facing_rad is not None and math.cos(person.facing_rad - to_cam) <= 0.0:
        return None  # seen from behind
    offset = 0.02  # the badge hangs just in front of the body
    return SceneMarker(
        marker_id=person.badge_marker_id,
        x=person.x + offset * math.cos(to_cam),
        y=person.y + offset * math.sin(to_cam),
        facing_rad=to_cam,
        size_m=person.badge_size_m,
        centre_height_m=person.badge_height_m,
        snap_to_wall=False,
    )


def _person_quads(
    person: ScenePerson, index: int, x: float, y: float, dictionary: str
) -> list[_Quad]:
    to_cam = math.atan2(y - person.y, x - person.x)
    texture, alpha = _person_sprite(person.colour)
    scale = person.height_m / 1.75
    quads = [
        _Quad(
            cx=person.x,
            cy=person.y,
            tx=-math.sin(to_cam),
            ty=math.cos(to_cam),
            half_w=person.width_m / 2 * scale,
            bottom=0.0,
            top=person.height_m,
            texture=texture,
            alpha=alpha,
            label=f"person:{index}",
        )
    ]
    badge = _badge_marker(person, x, y)
    if badge is not None:
        quads.append(_marker_quad(badge, dictionary, f"badge:{badge.marker_id}"))
    return quads


def _project(
    c: CameraConfig, cam: np.ndarray, forward: np.ndarray, left: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pinhole projection of map points (Nx3): pixel u, v and depth along the optical axis."""
    rel = points - cam
    depth = rel @ forward
    safe = np.where(depth > 0, depth, np.nan)
    u = c.cx - c.fx * (rel @ left) / safe
    v = c.cy - c.fy * rel[:, 2] / safe
    return u, v, depth


# -- line of sight ----------------------------------------------------------------------------


def _lines_clear(
    scene: Scene,
    people: Sequence[ScenePerson],
    cam: np.ndarray,
    targets: np.ndarray,
    skip_person: int | None,
) -> bool:
    """Whether straight 3-D segments from ``cam`` to each target pass no wall, lintel, box
    or person (the last 2 cm before a target belong to the target's own surface)."""
    res = scene.resolution_m
    for target in targets:
        span = target - cam
        length = float(np.linalg.norm(span[:2]))
        n = max(2, int(length / (res / 4)))
        f = np.linspace(0.0, 1.0, n, endpoint=False)
        f = f[f * length <= length - 0.02]
        pts = cam[None, :] + f[:, None] * span[None, :]
        rows = np.floor((pts[:, 1] - scene.origin[1]) / res).astype(np.int64) + 1
        cols = np.floor((pts[:, 0] - scene.origin[0]) / res).astype(np.int64) + 1
        prow, pcol = scene.padded.shape
        rows = np.clip(rows, 0, prow - 1)
        cols = np.clip(cols, 0, pcol - 1)
        looks = scene.padded[rows, cols]
        blocking, doorway = _look_tables()
        if blocking[looks].any():
            return False
        if np.any(doorway[looks] & (pts[:, 2] >= scene.door_height_m)):
            return False
        for box in scene.boxes:
            bx, by = pts[:, 0] - box.x, pts[:, 1] - box.y
            c, s = math.cos(box.facing_rad), math.sin(box.facing_rad)
            along = bx * c + by * s
            across = -bx * s + by * c
            inside = (np.abs(along) <= box.depth_m / 2) & (np.abs(across) <= box.width_m / 2)
            if np.any(inside & (pts[:, 2] <= box.height_m)):
                return False
        for index, person in enumerate(people):
            if index == skip_person:
                continue
            near = np.hypot(pts[:, 0] - person.x, pts[:, 1] - person.y) <= person.width_m / 2
            if np.any(near & (pts[:, 2] <= person.height_m)):
                return False
    return True
