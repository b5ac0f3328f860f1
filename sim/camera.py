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
from typing import TypedDict

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pepa.building.markers import marker_texture, quiet_scale
from pepa.sim.camera_scene import (
    BLOCKING_LOOKS,
    DOORWAY_LOOKS,
    LOOK_COLOURS,
    Look,
    Scene,
    SceneBox,
    SceneMarker,
    ScenePerson,
)

logger = logging.getLogger(__name__)

FLOOR_RGB = (122, 116, 108)
CEILING_RGB = (236, 236, 230)
BASEBOARD_M = 0.1
#: Crossings examined per ray and per step of the DDA; most rays in an office hit a wall
#: within the first chunk, and the loop stops as soon as every ray has hit.
DDA_CHUNK = 32
#: Sub-pixel offsets sampled per axis for marker quads (anti-aliased edges).
SUPERSAMPLE: tuple[float, ...] = (0.0,)


class CameraInfoFields(TypedDict):
    """The fields of a ``sensor_msgs/CameraInfo`` a camera fills."""

    width: int
    height: int
    distortion_model: str
    d: list[float]
    k: list[float]
    r: list[float]
    p: list[float]
    frame_id: str


class CameraConfig(BaseModel):
    """A forward-looking pinhole camera with square pixels and no distortion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # 640x480 by default: at 320x240 a 15 cm badge or a 25 cm plaque 5 m away spans under
    # two pixels per marker cell, the limit of what a detector can decode.
    width: int = Field(640, ge=16, le=4096, description="image width (px)")
    height: int = Field(480, ge=16, le=4096, description="image height (px)")
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

    def camera_info(self) -> CameraInfoFields:
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
        self._rows_i16 = np.arange(c.height, dtype=np.int16)[:, None]
        # remap source: background rows, then wall, skirting and lintel colour rows
        self._source = np.zeros((c.height + 3, c.width, 3), dtype=np.uint8)
        self._map = np.empty((c.height, c.width, 2), dtype=np.int16)
        self._map[..., 0] = np.arange(c.width, dtype=np.int16)[None, :]

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
        cos_y, sin_y = math.cos(yaw), math.sin(yaw)
        dir_x = cos_y - sin_y * self._lateral
        dir_y = sin_y + cos_y * self._lateral
        hit = _cast(scene, x, y, dir_x, dir_y, c.max_range_m)
        image = self._draw_walls(scene, hit)
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
        margin_px: float = 8.0,
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

    def _draw_walls(self, scene: Scene, hit: _Hit) -> np.ndarray:
        """Floor, ceiling, walls, skirting and lintels in one ``cv2.remap`` gather.

        A source image holds the background rows followed by three rows of per-column
        colours (wall, skirting, lintel); each output pixel only has to pick its source row.
        """
        c = self.config
        h = c.height
        hc = c.mount_height_m
        source = self._source
        source[:h] = self._background(scene.wall_height_m)
        depth = hit.depth
        scale = c.fy / np.maximum(depth, c.near_m)
        top = c.cy - (scene.wall_height_m - hc) * scale
        bottom = c.cy + hc * scale
        base = c.cy - (BASEBOARD_M - hc) * scale
        shade = _shade(depth) * np.where(hit.x_side, 1.0, 0.8)
        colours = _look_colours()[hit.look] * shade[:, None]
        source[h] = np.clip(colours, 0, 255).astype(np.uint8)
        source[h + 1] = np.clip(colours * 0.45, 0, 255).astype(np.uint8)
        rows = self._rows_i16
        t_row = np.ceil(np.clip(top - 0.5, -1, h)).astype(np.int16)
        b_row = np.floor(np.clip(bottom + 0.5, -1, h)).astype(np.int16)
        s_row = np.ceil(np.clip(base - 0.5, -1, h)).astype(np.int16)
        wall = (rows >= t_row) & (rows < b_row)
        pick = np.where(wall, (rows >= s_row) + np.int16(h), rows)
        # lintels over doorways seen in front of the wall
        door_cols = np.flatnonzero(hit.door_depth < depth)
        if door_cols.size:
            zd = hit.door_depth[door_cols]
            d_scale = c.fy / np.maximum(zd, c.near_m)
            l_top = np.ceil(np.clip(c.cy - (scene.wall_height_m - hc) * d_scale - 0.5, -1, h))
            l_bot = np.ceil(np.clip(c.cy - (scene.door_height_m - hc) * d_scale - 0.5, -1, h))
            lintel = (rows >= l_top.astype(np.int16)) & (rows < l_bot.astype(np.int16))
            shade_d = _shade(zd) * np.where(hit.door_x_side[door_cols], 1.0, 0.8)
            frame = _look_colours()[int(Look.DOOR_FRAME)][None, :] * shade_d[:, None]
            source[h + 2, door_cols] = np.clip(frame, 0, 255).astype(np.uint8)
            pick[:, door_cols] = np.where(lintel, np.int16(h + 2), pick[:, door_cols])
        self._map[..., 1] = pick
        return cv2.remap(source, self._map, None, cv2.INTER_NEAREST)

    def _quads(
        self, scene: Scene, x: float, y: float, yaw: float, people: Sequence[ScenePerson]
    ) -> list[_Quad]:
        """Quads that may be in view: objects out of range or outside the horizontal field
        of view (with their size as margin) are dropped before any per-pixel work."""
        c = self.config
        cos_y, sin_y = math.cos(yaw), math.sin(yaw)
        tan_half = math.tan(math.radians(c.hfov_deg) / 2)

        def maybe_visible(ox: float, oy: float, radius: float) -> bool:
            rx, ry = ox - x, oy - y
            z = rx * cos_y + ry * sin_y
            if z + radius < c.near_m or z - radius > c.max_range_m:
                return False
            lateral = -rx * sin_y + ry * cos_y
            return abs(lateral) <= (z + radius) * tan_half + radius

        quads: list[_Quad] = []
        for marker in scene.placed_markers:
            if maybe_visible(marker.x, marker.y, marker.size_m):
                quads.append(_marker_quad(marker, scene.dictionary, f"marker:{marker.marker_id}"))
        for box in scene.boxes:
            if maybe_visible(box.x, box.y, max(box.width_m, box.depth_m)):
                quads.extend(_box_quads(box))
        for index, person in enumerate(people):
            if maybe_visible(person.x, person.y, person.width_m):
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
    """Cast one ray per column (directions per metre of depth) through the scene's grid.

    Each column gives two "virtual rays": its crossings of vertical grid lines and its
    crossings of horizontal ones. The first blocking cell entered through either is the hit.
    """
    n = dir_x.shape[0]
    res = scene.resolution_m
    padded = scene.padded
    pcol = padded.shape[1]
    flat = padded.ravel()
    last = flat.shape[0] - 1
    blocking, doorway = _look_tables()
    gx = (x - scene.origin[0]) / res
    gy = (y - scene.origin[1]) / res
    # per virtual ray: main axis (stepped one cell per crossing) and the other axis
    d_main = np.concatenate([dir_x, dir_y]) / res
    d_other = np.concatenate([dir_y, dir_x]) / res
    g_main = np.repeat([gx, gy], n)
    g_other = np.repeat([gy, gx], n)
    stride_main = np.repeat(np.array([1, pcol], dtype=np.int64), n)
    stride_other = np.repeat(np.array([pcol, 1], dtype=np.int64), n)
    positive = d_main > 0
    floor_main = np.floor(g_main)
    first_boundary = np.where(positive, floor_main + 1.0, floor_main)
    with np.errstate(divide="ignore"):
        inv = np.where(d_main != 0, 1.0 / np.where(d_main != 0, d_main, 1.0), np.inf)
    t0 = (first_boundary - g_main) * inv
    dt = np.abs(inv)
    first_cell = np.where(positive, first_boundary, first_boundary - 1.0).astype(np.int64)
    # index of crossing k = a + b * k + floor(o0 + od * k) * stride_other  (padding offset in a)
    a = first_cell * stride_main + (pcol + 1)
    b = np.where(positive, 1, -1) * stride_main
    with np.errstate(invalid="ignore"):
        o0 = g_other + t0 * d_other
        od = dt * d_other
    m = 2 * n
    # crossings beyond the far clip are never looked at
    with np.errstate(invalid="ignore"):
        last_k = np.where(np.isfinite(t0), np.floor((max_t - t0) / np.maximum(dt, 1e-12)), -1)
    a32 = a.astype(np.int32)
    b32 = b.astype(np.int32)
    so32 = stride_other.astype(np.int32)
    o032 = o0.astype(np.float32)
    od32 = od.astype(np.float32)
    hit_k = np.full(m, -1, dtype=np.int64)
    hit_look = np.zeros(m, dtype=np.uint8)
    door_k = np.full(m, -1, dtype=np.int64)
    active = np.flatnonzero(last_k >= 0)
    start = 0
    chunk = DDA_CHUNK
    while active.size:
        kf = np.arange(start, start + chunk, dtype=np.float32)
        ki = np.arange(start, start + chunk, dtype=np.int32)
        other = od32[active, None] * kf
        other += o032[active, None]
        np.floor(other, out=other)
        index = other.astype(np.int32)
        index *= so32[active, None]
        index += a32[active, None]
        index += b32[active, None] * ki
        np.clip(index, 0, last, out=index)  # off the grid lands on its wall border
        looks = flat[index]
        blocked = blocking[looks]
        first = blocked.argmax(axis=1)
        rows = np.arange(active.size)
        any_hit = blocked[rows, first]
        hit_at = np.where(any_hit, first + start, -1)
        hit_k[active] = hit_at
        hit_look[active] = looks[rows, first]
        door = doorway[looks]
        if door.any():
            door_first = door.argmax(axis=1)
            fresh = door[rows, door_first] & (door_k[active] < 0)
            fresh &= ~any_hit | (door_first < first)
            door_k[active[fresh]] = door_first[fresh] + start
        reach = last_k[active]
        active = active[~any_hit & (reach >= start + chunk)]
        start += chunk
        chunk = 2 * DDA_CHUNK
    hit_t = np.where(hit_k >= 0, t0 + dt * hit_k, np.inf)
    hit_t[hit_k > last_k] = np.inf
    door_t = np.where((door_k >= 0) & (door_k <= last_k), t0 + dt * door_k, np.inf)
    tx, ty = hit_t[:n], hit_t[n:]
    x_side = tx <= ty
    door_x_side = door_t[:n] <= door_t[n:]
    depth = np.where(x_side, tx, ty)
    return _Hit(
        depth=depth,
        look=np.where(np.isfinite(depth), np.where(x_side, hit_look[:n], hit_look[n:]), 0),
        x_side=x_side,
        door_depth=np.where(door_x_side, door_t[:n], door_t[n:]),
        door_x_side=door_x_side,
    )


# -- quads ------------------------------------------------------------------------------------


def _shade(distance: np.ndarray, strength: float = 0.09) -> np.ndarray:
    """Light falling off with distance (a lamp on the robot and a dim far end)."""
    return 1.0 / (1.0 + strength * np.asarray(distance, dtype=np.float64))


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
def _box_quads(box: SceneBox) -> tuple[_Quad, ...]:
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
                texture=_solid(colour),
                alpha=None,
                label="box",
            )
        )
    return tuple(faces)


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
