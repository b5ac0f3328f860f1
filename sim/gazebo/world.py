"""A building description as an SDFormat 1.9 world.

Everything comes from the description, so any valid building becomes a world: each floor a
static model at its elevation (a slab with holes over elevator shafts and descending
flights, walls of the file's thickness with openings at doors and lintels above them, the
railing and blocked ends of each stairwell as the occupancy grid has them), stairs as
inclined ramps meeting a mid landing, landmarks as boxes carrying their ArUco markers as
textures, elevator call panels with theirs, the dock and forbidden zones as markings on the
floor, and a light per room. Each elevator is a model whose car rides a prismatic joint and
whose landing doors slide on joints of their own, all driven by Gazebo's joint position
controller from the topics of :mod:`pepa.sim.gazebo.names`. Collisions coincide with the grid's
walls: cells are walls where the description's walls are, so the robot's maps and Gazebo's
geometry agree.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pepa.building.layout import Building, ElevatorSpec, Rect, StairsSpec, _on_edge
from pepa.building.markers import quiet_scale
from pepa.sim.camera_adapter import PANEL_HEIGHT_M, PANEL_MARKER_SIZE_M
from pepa.sim.gazebo import names
from pepa.sim.gazebo.sdf import (
    CAR_BITMASK,
    DOOR_BITMASK,
    box,
    document,
    inertial,
    intervals_minus,
    material,
    merge_intervals,
    plugin,
    pose,
    prism,
    rect_minus,
    sub,
    vec,
)

SLAB_M = 0.2
DOOR_HEIGHT_M = 2.1
#: Storey height of the top floor (and of a one-floor building): nothing above says otherwise.
TOP_STOREY_M = 3.0
RAMP_M = 0.1
GUARD_HEIGHT_M = 1.0
CAR_PLATE_M = 0.1
CAR_CLEARANCE_M = 0.05
MESH_DIR = "meshes"
TEXTURE_DIR = "textures"
MARKER_MESH = f"{MESH_DIR}/marker_quad.obj"

WALL_RGBA = (0.85, 0.85, 0.8, 1.0)
SLAB_RGBA = (0.55, 0.55, 0.55, 1.0)
STAIRS_RGBA = (0.6, 0.5, 0.4, 1.0)
OBJECT_RGBA = (0.35, 0.4, 0.5, 1.0)
DOCK_RGBA = (0.1, 0.6, 0.2, 1.0)
FORBIDDEN_RGBA = (0.9, 0.1, 0.1, 1.0)
CAR_RGBA = (0.7, 0.7, 0.75, 1.0)
DOOR_RGBA = (0.5, 0.55, 0.6, 1.0)
WHITE = (1.0, 1.0, 1.0, 1.0)


def marker_texture_path(dictionary: str, marker_id: int) -> str:
    return f"{TEXTURE_DIR}/aruco_{dictionary.lower()}_{marker_id}.png"


@dataclass(frozen=True)
class Storey:
    level: int
    elevation_m: float
    height_m: float  # floor to the next floor's slab top


def storeys(building: Building) -> dict[int, Storey]:
    """Each floor's elevation and height (up to the floor above, in order of elevation)."""
    floors = sorted(building.floors, key=lambda f: f.elevation_m)
    out: dict[int, Storey] = {}
    for i, f in enumerate(floors):
        if i + 1 < len(floors):
            h = floors[i + 1].elevation_m - f.elevation_m
        elif i > 0:
            h = f.elevation_m - floors[i - 1].elevation_m
        else:
            h = TOP_STOREY_M
        out[f.level] = Storey(f.level, f.elevation_m, h)
    return out


@dataclass(frozen=True)
class Opening:
    """A gap in a wall line: ``axis`` "x" for walls along x (at y = ``line``), else "y"."""

    axis: str
    line: float
    span: tuple[float, float]


@dataclass(frozen=True)
class WallPiece:
    axis: str
    line: float
    span: tuple[float, float]  # the wall's extent along its axis, corners included


def _key(v: float) -> float:
    return round(v, 6)


def _door_opening(edge_rect: Rect, center: tuple[float, float], width: float) -> Opening:
    side = _on_edge(edge_rect, center)
    if side in ("east", "west"):
        return Opening("y", center[0], (center[1] - width / 2, center[1] + width / 2))
    return Opening("x", center[1], (center[0] - width / 2, center[0] + width / 2))


def openings(building: Building, level: int) -> list[Opening]:
    """Every door and elevator door of a floor, as gaps in wall lines."""
    out = []
    for d in building.doors:
        if d.floor == level:
            room = building.room(d.between[0])
            out.append(_door_opening(room.rect, d.center, d.width_m))
    for e in building.elevators:
        if level in e.floors:
            door = e.door(level)
            out.append(_door_opening(e.shaft, door.center, door.width_m))
    return out


def wall_pieces(building: Building, level: int) -> list[WallPiece]:
    """The walls of a floor: every room edge and served shaft edge, merged along each line,
    minus the openings; ends away from an opening reach over the corner by half a wall."""
    lines: dict[tuple[str, float], list[tuple[float, float]]] = {}
    rects = [r.rect for r in building.rooms_on(level)]
    rects += [e.shaft for e in building.elevators if level in e.floors]
    for x0, y0, x1, y1 in rects:
        lines.setdefault(("x", _key(y0)), []).append((x0, x1))
        lines.setdefault(("x", _key(y1)), []).append((x0, x1))
        lines.setdefault(("y", _key(x0)), []).append((y0, y1))
        lines.setdefault(("y", _key(x1)), []).append((y0, y1))
    gaps: dict[tuple[str, float], list[tuple[float, float]]] = {}
    for o in openings(building, level):
        gaps.setdefault((o.axis, _key(o.line)), []).append(o.span)
    half = building.spec.wall_thickness_m / 2
    out = []
    for (axis, line), spans in sorted(lines.items()):
        holes = gaps.get((axis, line), [])
        for span in merge_intervals(spans):
            for a, b in intervals_minus(span, holes):
                ext_a = 0.0 if any(abs(a - h1) < 1e-6 for _, h1 in holes) else half
                ext_b = 0.0 if any(abs(b - h0) < 1e-6 for h0, _ in holes) else half
                out.append(WallPiece(axis, line, (a - ext_a, b + ext_b)))
    return out


def slab_holes(building: Building, level: int) -> list[Rect]:
    """Where a floor has no slab: over each elevator shaft the car rises through, and over
    each stairs' flight that descends from the floor."""
    elevation = {f.level: f.elevation_m for f in building.floors}
    half = building.spec.wall_thickness_m / 2
    holes = []
    for e in building.elevators:
        served = [elevation[f] for f in e.floors]
        if min(served) < elevation[level] <= max(served):
            x0, y0, x1, y1 = e.shaft
            holes.append((x0 + half, y0 + half, x1 - half, y1 - half))
    for s in building.stairs:
        if level in s.floors and level != _bottom(s, elevation):
            holes.append(s.down_flight)
    return holes


def _bottom(s: StairsSpec, elevation: dict[int, float]) -> int:
    return min(s.floors, key=elevation.__getitem__)


def _top(s: StairsSpec, elevation: dict[int, float]) -> int:
    return max(s.floors, key=elevation.__getitem__)


class WorldBuilder:
    """Writes one building's world; :meth:`sdf` is the document, :attr:`markers` the ids whose
    textures it refers to."""

    def __init__(self, building: Building) -> None:
        self.b = building
        self.storeys = storeys(building)
        self.elevation = {lvl: s.elevation_m for lvl, s in self.storeys.items()}
        self.name = names.world_name(building.name)
        self.markers: set[int] = set()
        self.world = ET.Element("world", name=self.name)

    def sdf(self) -> str:
        w = self.world
        self._scene()
        for level in sorted(self.storeys, key=self.elevation.__getitem__):
            self._floor(level)
        for s in self.b.stairs:
            self._stairs(s)
        for lm in self.b.landmarks:
            self._landmark(lm.id, lm.floor, lm.footprint(), lm.height_m)
            self._marker_model(
                f"marker_{lm.id}",
                lm.marker_id,
                self._face(lm.x, lm.y, lm.facing_rad, lm.size_m[1] / 2),
                lm.facing_rad,
                self.elevation[lm.floor] + lm.marker_height_m,
                lm.marker_size_m,
            )
        for e in self.b.elevators:
            self._elevator(e)
        self._dock()
        self._forbidden()
        return document(w)

    # --- scene, physics and systems ---------------------------------------------------------

    def _scene(self) -> None:
        w = self.world
        physics = sub(w, "physics", name="default", type="dart")
        sub(physics, "max_step_size", 0.004)
        sub(physics, "real_time_factor", 1.0)
        for filename, name in (
            ("gz-sim-physics-system", "gz::sim::systems::Physics"),
            ("gz-sim-user-commands-system", "gz::sim::systems::UserCommands"),
            ("gz-sim-scene-broadcaster-system", "gz::sim::systems::SceneBroadcaster"),
        ):
            plugin(w, filename, name)
        plugin(w, "gz-sim-sensors-system", "gz::sim::systems::Sensors", render_engine="ogre2")
        sub(w, "gravity", vec(0, 0, -9.8))
        scene = sub(w, "scene")
        sub(scene, "ambient", vec(0.6, 0.6, 0.6, 1))
        sub(scene, "background", vec(0.7, 0.8, 0.9, 1))
        sub(scene, "shadows", "false")
        sun = sub(w, "light", type="directional", name="sun")
        sub(sun, "cast_shadows", "false")
        top = max(self.elevation.values()) + TOP_STOREY_M + 10
        pose(sun, 0, 0, top)
        sub(sun, "diffuse", vec(0.8, 0.8, 0.8, 1))
        sub(sun, "specular", vec(0.2, 0.2, 0.2, 1))
        sub(sun, "direction", vec(-0.5, 0.1, -0.9))

    # --- floors -------------------------------------------------------------------------------

    def _floor(self, level: int) -> None:
        st = self.storeys[level]
        z0 = st.elevation_m
        model = sub(self.world, "model", name=f"floor_{names.level_token(level)}")
        sub(model, "static", "true")
        link = sub(model, "link", name="structure")
        for i, rect in enumerate(rect_minus(self.b.extent, slab_holes(self.b, level))):
            prism(link, f"slab_{i}", rect, z0 - SLAB_M, z0, SLAB_RGBA)
        t = self.b.spec.wall_thickness_m
        wall_h = st.height_m - SLAB_M
        for i, w in enumerate(wall_pieces(self.b, level)):
            self._wall(link, f"wall_{i}", w.axis, w.line, w.span, t, z0, z0 + wall_h)
        door_top = min(DOOR_HEIGHT_M, wall_h)
        if wall_h > door_top:
            for i, o in enumerate(openings(self.b, level)):
                self._wall(
                    link, f"lintel_{i}", o.axis, o.line, o.span, t, z0 + door_top, z0 + wall_h
                )
        for room in self.b.rooms_on(level):
            cx, cy = room.center
            light = sub(self.world, "light", type="point", name=f"light_{room.id}")
            pose(light, cx, cy, z0 + wall_h - 0.3)
            sub(light, "cast_shadows", "false")
            sub(light, "diffuse", vec(0.5, 0.5, 0.5, 1))
            sub(light, "specular", vec(0.1, 0.1, 0.1, 1))
            att = sub(light, "attenuation")
            sub(att, "range", max(room.rect[2] - room.rect[0], room.rect[3] - room.rect[1]) + 4)
            sub(att, "constant", 0.5)
            sub(att, "linear", 0.05)
            sub(att, "quadratic", 0.01)

    @staticmethod
    def _wall(
        link: ET.Element,
        name: str,
        axis: str,
        line: float,
        span: tuple[float, float],
        thickness: float,
        z0: float,
        z1: float,
    ) -> None:
        a, b = span
        length = b - a
        mid = (a + b) / 2
        size = (length, thickness, z1 - z0) if axis == "x" else (thickness, length, z1 - z0)
        at = (mid, line, (z0 + z1) / 2) if axis == "x" else (line, mid, (z0 + z1) / 2)
        box(link, name, size, at, WALL_RGBA)

    # --- stairs -------------------------------------------------------------------------------

    def _stairs(self, s: StairsSpec) -> None:
        """Between each pair of floors the stairs serve: the up flight of the lower floor
        rises to a mid landing, from which the down flight of the upper floor rises to it.
        The railing between flights is a wall; the missing flight at each end is blocked."""
        model = sub(self.world, "model", name=f"stairs_{s.id}")
        sub(model, "static", "true")
        link = sub(model, "link", name="structure")
        order = sorted(s.floors, key=self.elevation.__getitem__)
        half = self.b.spec.wall_thickness_m / 2
        ux0, uy0, ux1, uy1 = s.up_flight
        dx0, dy0, dx1, dy1 = s.down_flight
        lo, hi = (uy1, dy0) if uy1 <= dy0 else (dy1, uy0)
        rail = (min(ux0, dx0), lo - half / 2, max(ux1, dx1), hi + half / 2)
        for lower, upper in itertools.pairwise(order):
            z0, z1 = self.elevation[lower], self.elevation[upper]
            tok = names.level_token(lower)
            self._ramp(link, f"up_{tok}", s.up_flight, s, "up", z0, z1 - z0)
            self._ramp(
                link, f"down_{names.level_token(upper)}", s.down_flight, s, "down", z0, z1 - z0
            )
            mid = (z0 + z1) / 2
            prism(link, f"landing_{tok}", s.mid_landing, mid - SLAB_M, mid, STAIRS_RGBA)
        for level in order:
            z0 = self.elevation[level]
            above = self.storeys[level].height_m - SLAB_M if level != order[-1] else GUARD_HEIGHT_M
            prism(link, f"railing_{names.level_token(level)}", rail, z0, z0 + above, WALL_RGBA)
        bottom, top = order[0], order[-1]
        if len(order) > 1:
            zb = self.elevation[bottom]
            under = (self.elevation[order[1]] - zb) / 2 - RAMP_M  # below the next flight down
            prism(link, "blocked_bottom", s.down_flight, zb, zb + under, STAIRS_RGBA)
        zt = self.elevation[top]
        prism(link, "blocked_top", s.up_flight, zt, zt + GUARD_HEIGHT_M, WALL_RGBA)

    @staticmethod
    def _ramp(
        link: ET.Element,
        name: str,
        rect: Rect,
        s: StairsSpec,
        flight: str,
        z_lower: float,
        storey: float,
    ) -> None:
        """A flight as a ramp whose top surface runs at the height the simulator gives each
        point of it (``StairsSpec.lift``)."""
        x0, y0, x1, y1 = rect

        def height(x: float) -> float:
            lift = s.lift(x, "up" if flight == "up" else "down")
            frac = lift if flight == "up" else 1.0 - lift
            return z_lower + frac * storey

        h0, h1 = height(x0), height(x1)
        run = x1 - x0
        length = math.hypot(run, h1 - h0)
        pitch = -math.atan2(h1 - h0, run)
        # the box's top face passes through both ends of the flight
        zc = (h0 + h1) / 2 - (RAMP_M / 2) * math.cos(pitch)
        xc = (x0 + x1) / 2 - (RAMP_M / 2) * math.sin(pitch)
        box(
            link,
            f"flight_{name}",
            (length, y1 - y0, RAMP_M),
            (xc, (y0 + y1) / 2, zc),
            STAIRS_RGBA,
            rpy=(0.0, pitch, 0.0),
        )

    # --- landmarks and markers ----------------------------------------------------------------

    def _landmark(self, lid: str, level: int, footprint: Rect, height: float) -> None:
        model = sub(self.world, "model", name=f"landmark_{lid}")
        sub(model, "static", "true")
        link = sub(model, "link", name="body")
        z0 = self.elevation[level]
        prism(link, "body", footprint, z0, z0 + height, OBJECT_RGBA)

    @staticmethod
    def _face(x: float, y: float, facing: float, depth: float) -> tuple[float, float]:
        """The point just in front of a surface ``depth`` ahead of (x, y) along ``facing``."""
        d = depth + 0.003
        return x + d * math.cos(facing), y + d * math.sin(facing)

    def _marker_model(
        self,
        name: str,
        marker_id: int,
        at: tuple[float, float],
        facing: float,
        z: float,
        marker_size_m: float,
    ) -> None:
        """A marker as the unit quad mesh (facing +x, upright) scaled to the texture's size."""
        self.markers.add(marker_id)
        side = marker_size_m * quiet_scale(self.b.aruco_dictionary)
        model = sub(self.world, "model", name=name)
        sub(model, "static", "true")
        link = sub(model, "link", name="plaque")
        visual = sub(link, "visual", name="marker")
        pose(visual, at[0], at[1], z, 0, 0, facing)
        mesh = sub(sub(visual, "geometry"), "mesh")
        sub(mesh, "uri", MARKER_MESH)
        sub(mesh, "scale", vec(side, side, side))
        material(visual, WHITE, marker_texture_path(self.b.aruco_dictionary, marker_id))

    # --- elevators ---------------------------------------------------------------------------

    def _elevator(self, e: ElevatorSpec) -> None:
        """The car on a vertical prismatic joint and a sliding landing door per served floor;
        joint positions are metres from the start floor (car) and from closed (doors)."""
        model = sub(self.world, "model", name=f"elevator_{e.id}")
        half = self.b.spec.wall_thickness_m / 2
        x0, y0, x1, y1 = e.shaft
        inset = half + CAR_CLEARANCE_M
        size = (x1 - x0 - 2 * inset, y1 - y0 - 2 * inset, CAR_PLATE_M)
        z_start = self.elevation[e.start_floor]
        car = sub(model, "link", name="car")
        pose(car, (x0 + x1) / 2, (y0 + y1) / 2, z_start - CAR_PLATE_M / 2)
        sub(car, "gravity", "false")
        inertial(car, 300.0, size)
        box(car, "platform", size, (0, 0, 0), CAR_RGBA, bitmask=CAR_BITMASK)
        served = [self.elevation[f] for f in e.floors]
        self._slider(
            model,
            "lift",
            "car",
            (0, 0, 1),
            (min(served) - z_start, max(served) - z_start),
            names.car_topic(e.id),
            max_speed=2 * max(self.storeys[f].height_m for f in e.floors) / e.travel_s_per_floor,
        )
        t = self.b.spec.wall_thickness_m
        for level in e.floors:
            d = e.door(level)
            facing = e.panel_facing_rad(level)
            self._marker_model(
                f"panel_{e.id}_{names.level_token(level)}",
                d.panel_marker_id,
                self._face(d.panel[0], d.panel[1], facing, half),
                facing,
                self.elevation[level] + PANEL_HEIGHT_M,
                PANEL_MARKER_SIZE_M,
            )
            o = _door_opening(e.shaft, d.center, d.width_m)
            tok = names.level_token(level)
            door = sub(model, "link", name=f"door_{tok}")
            height = min(DOOR_HEIGHT_M, self.storeys[level].height_m - SLAB_M)
            pose(door, d.center[0], d.center[1], self.elevation[level] + height / 2)
            sub(door, "gravity", "false")
            dsize = (d.width_m, t / 2, height) if o.axis == "x" else (t / 2, d.width_m, height)
            inertial(door, 40.0, dsize)
            box(door, "panel", dsize, (0, 0, 0), DOOR_RGBA, bitmask=DOOR_BITMASK)
            axis = (1, 0, 0) if o.axis == "x" else (0, 1, 0)
            self._slider(
                model,
                f"door_{tok}_slide",
                f"door_{tok}",
                axis,
                (0.0, d.width_m),
                names.door_topic(e.id, level),
                max_speed=2 * d.width_m / e.door_move_s,
            )

    @staticmethod
    def _slider(
        model: ET.Element,
        name: str,
        child: str,
        axis: tuple[int, int, int],
        limits: tuple[float, float],
        topic: str,
        max_speed: float,
    ) -> None:
        joint = sub(model, "joint", name=name, type="prismatic")
        sub(joint, "parent", "world")
        sub(joint, "child", child)
        ax = sub(joint, "axis")
        sub(ax, "xyz", vec(*axis))
        limit = sub(ax, "limit")
        sub(limit, "lower", limits[0])
        sub(limit, "upper", limits[1])
        plugin(
            model,
            "gz-sim-joint-position-controller-system",
            "gz::sim::systems::JointPositionController",
            joint_name=name,
            topic=topic,
            use_velocity_commands="true",
            p_gain=5.0,
            cmd_max=max_speed,
            cmd_min=-max_speed,
        )

    # --- dock, forbidden zones ------------------------------------------------------------

    def _dock(self) -> None:
        d = self.b.spec.dock
        level = self.b.room(d.room).floor
        model = sub(self.world, "model", name="dock")
        sub(model, "static", "true")
        link = sub(model, "link", name="plate")
        z = self.elevation[level]
        box(link, "plate", (0.7, 0.7, 0.01), (d.x, d.y, z + 0.005), DOCK_RGBA, bitmask=None)
        # a bar at the back of the dock shows which way the robot parks
        back = 0.3
        bx, by = d.x - back * math.cos(d.theta_rad), d.y - back * math.sin(d.theta_rad)
        box(
            link,
            "contacts",
            (0.1, 0.5, 0.02),
            (bx, by, z + 0.011),
            WHITE,
            rpy=(0, 0, d.theta_rad),
            bitmask=None,
        )

    def _forbidden(self) -> None:
        half = self.b.spec.wall_thickness_m / 2
        for zone in self.b.forbidden_zones:
            if zone.room is not None:
                room = self.b.room(zone.room)
                level, rect = room.floor, room.rect
            elif zone.floor is not None and zone.rect is not None:
                level, rect = zone.floor, zone.rect
            else:  # the description's validation refuses such a zone
                continue
            model = sub(self.world, "model", name=f"forbidden_{zone.id}")
            sub(model, "static", "true")
            link = sub(model, "link", name="marking")
            x0, y0, x1, y1 = rect
            z = self.elevation[level]
            inner = (x0 + half, y0 + half, x1 - half, y1 - half)
            prism(
                link, "marking", inner, z, z + 0.01, FORBIDDEN_RGBA, bitmask=None, transparency=0.6
            )


def world_sdf(building: Building) -> tuple[str, set[int]]:
    """The world document and the marker ids it shows."""
    builder = WorldBuilder(building)
    return builder.sdf(), builder.markers
