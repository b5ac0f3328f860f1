"""The Gazebo export: every world loads in libsdformat's own parser (strict), its walls,
doors and slabs stand where the building's occupancy grid has them, its marker textures
decode to the right ids, and the bridge names only topics that the world and robot declare."""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from pepa_ros import topics

from pepa.agent.cli import main as pepa_main
from pepa.building.layout import (
    DEFAULT_WORLD,
    OBJECT,
    STAIRS_DOWN,
    WALL,
    Building,
    BuildingError,
    load_building,
)
from pepa.building.markers import dictionary
from pepa.sim.camera import CameraConfig
from pepa.sim.gazebo import names
from pepa.sim.gazebo.bridge import Direction
from pepa.sim.gazebo.export import MARKER_QUAD_OBJ, OutputDirectoryError, export_gazebo
from pepa.sim.gazebo.robot import spawn_pose
from pepa.sim.gazebo.world import SLAB_M
from pepa.sim.generator import generate_building, write_building

CHECKER = Path(sys.prefix) / "bin" / "pepa-sdf-check"
BODY_HEIGHT_M = 0.3  # where a wall must stop the robot: above the ramps' low ends
GENERATED = [(11, 3, 0), (12, 2, 1), (13, 4, 2), (14, 1, 0), (15, 3, 1)]


def sdf_check(*files: Path) -> subprocess.CompletedProcess[str]:
    if not CHECKER.exists():
        pytest.fail(f"{CHECKER} is missing: `make test` builds it from sim/gazebo/sdf_check.cpp")
    return subprocess.run(
        [str(CHECKER), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def _generated(tmp: Path, seed: int, floors: int, basements: int) -> Path:
    data = generate_building(seed, floors=floors, basements=basements)
    return write_building(data, tmp / f"generated_{seed}.yaml")


@pytest.fixture(scope="module")
def buildings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | None]:
    tmp = tmp_path_factory.mktemp("buildings")
    out: dict[str, Path | None] = {"office": None}
    for seed, floors, basements in GENERATED:
        out[f"generated_{seed}_b{basements}"] = _generated(tmp, seed, floors, basements)
    return out


@pytest.fixture(scope="module")
def exported(
    buildings: dict[str, Path | None], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Building, Path]]:
    tmp = tmp_path_factory.mktemp("gazebo")
    return {
        name: (load_building(src), export_gazebo(src, tmp / name).out)
        for name, src in buildings.items()
    }


# --- the strict libsdformat check ------------------------------------------------------------


def test_the_checker_is_strict_about_unknown_elements(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sdf"
    bad.write_text(
        '<?xml version="1.0"?><sdf version="1.9"><world name="w"><pepa_unknown/></world></sdf>'
    )
    result = sdf_check(bad)
    assert result.returncode == 1
    assert "pepa_unknown" in result.stdout


def test_every_exported_world_and_robot_load_without_errors(
    exported: dict[str, tuple[Building, Path]],
) -> None:
    basements = [b for b, _ in exported.values() if min(b.floor_levels) < 0]
    assert basements, "no building with a basement among the exported ones"
    files = [d / f for _, d in exported.values() for f in ("world.sdf", "robot.sdf")]
    result = sdf_check(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("worlds=1") == len(exported)
    assert result.stdout.count("models=1") == len(exported)


# --- geometry against the occupancy grid -----------------------------------------------------


@dataclass(frozen=True)
class Box:
    model: str
    name: str
    center: tuple[float, float, float]
    size: tuple[float, float, float]
    rpy: tuple[float, float, float]

    def covers(self, x: float, y: float, z: float, eps: float = 1e-6) -> bool:
        assert self.rpy == (0.0, 0.0, 0.0), self
        return all(
            abs(p - c) <= s / 2 + eps
            for p, c, s in zip((x, y, z), self.center, self.size, strict=True)
        )


def _floats(text: str | None) -> tuple[float, ...]:
    return tuple(float(v) for v in (text or "").split())


def collision_boxes(world: Path) -> list[Box]:
    """Every box collision of the static models (their model and link poses are identity)."""
    out = []
    for model in ET.parse(world).getroot().iter("model"):
        if model.findtext("static") != "true":
            continue
        assert model.find("pose") is None and model.find("link/pose") is None
        for col in model.iterfind("link/collision"):
            size = col.findtext("geometry/box/size")
            p = _floats(col.findtext("pose"))
            out.append(
                Box(
                    model.get("name", ""),
                    col.get("name", ""),
                    p[:3],  # type: ignore[arg-type]
                    _floats(size),  # type: ignore[arg-type]
                    p[3:],  # type: ignore[arg-type]
                )
            )
    return out


def _inside_building(b: Building, level: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    rects = [r.rect for r in b.rooms_on(level)]
    rects += [e.shaft for e in b.elevators if level in e.floors]
    out = np.zeros(xs.shape, bool)
    for x0, y0, x1, y1 in rects:
        out |= (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return out


def _cover(boxes: list[Box], xs: np.ndarray, ys: np.ndarray, grow: float) -> np.ndarray:
    """Cells whose centre lies in a box grown by ``grow`` on each side (shrunk if < 0)."""
    out = np.zeros(xs.shape, bool)
    for bx in boxes:
        hx, hy = bx.size[0] / 2 + grow, bx.size[1] / 2 + grow
        out |= (np.abs(xs - bx.center[0]) <= hx) & (np.abs(ys - bx.center[1]) <= hy)
    return out


@pytest.mark.parametrize("name", ["office", "generated_12_b1", "generated_13_b2"])
def test_walls_doors_and_landmarks_stand_where_the_grid_has_them(
    exported: dict[str, tuple[Building, Path]], name: str
) -> None:
    """At the robot's body height, a cell is solid in the world exactly where the grid has a
    wall or an object (cell centres within a fifth of a cell of a face may go either way)."""
    b, out = exported[name]
    boxes = collision_boxes(out / "world.sdf")
    elevation = {f.level: f.elevation_m for f in b.floors}
    checked = 0
    for level in b.floor_levels:
        g = b.grid(level)
        z = elevation[level] + BODY_HEIGHT_M
        solid_boxes = [
            bx
            for bx in boxes
            if bx.rpy == (0.0, 0.0, 0.0)
            and bx.center[2] - bx.size[2] / 2 <= z <= bx.center[2] + bx.size[2] / 2
        ]
        rows, cols = np.indices(g.cells.shape)
        xs = g.origin[0] + (cols + 0.5) * g.resolution_m
        ys = g.origin[1] + (rows + 0.5) * g.resolution_m
        inside = _inside_building(b, level, xs, ys)
        solid = np.isin(g.cells, (WALL, OBJECT))
        tol = 0.2 * g.resolution_m
        surely_in = _cover(solid_boxes, xs, ys, -tol)
        maybe_in = _cover(solid_boxes, xs, ys, tol)
        missing = inside & solid & ~maybe_in
        extra = inside & ~solid & surely_in
        where = [
            (level, *g.to_point(int(r), int(c)))
            for r, c in zip(*np.nonzero(missing | extra), strict=True)
        ]
        assert not where, where[:10]
        checked += int(inside.sum())
    assert checked > 1000


@pytest.mark.parametrize("name", ["office", "generated_12_b1"])
def test_slabs_are_under_every_floor_but_over_shafts_and_descending_flights(
    exported: dict[str, tuple[Building, Path]], name: str
) -> None:
    b, out = exported[name]
    slabs = [bx for bx in collision_boxes(out / "world.sdf") if bx.name.startswith("slab_")]
    elevation = {f.level: f.elevation_m for f in b.floors}
    half = b.spec.wall_thickness_m / 2
    holes = 0
    for level in b.floor_levels:
        g = b.grid(level)
        rows, cols = np.indices(g.cells.shape)
        xs = g.origin[0] + (cols + 0.5) * g.resolution_m
        ys = g.origin[1] + (rows + 0.5) * g.resolution_m
        expect_hole = g.cells == STAIRS_DOWN
        for e in b.elevators:
            served = [elevation[f] for f in e.floors]
            if min(served) < elevation[level] <= max(served):  # the car rises through here
                x0, y0, x1, y1 = e.shaft
                inner = (x0 + half, y0 + half, x1 - half, y1 - half)
                expect_hole |= _inside(inner, xs, ys)
        tol = 0.2 * g.resolution_m
        passable = g.cells != WALL
        here = [bx for bx in slabs if bx.model == f"floor_{names.level_token(level)}"]
        assert all(math.isclose(bx.center[2], elevation[level] - SLAB_M / 2) for bx in here)
        missing = passable & ~expect_hole & ~_cover(here, xs, ys, tol)
        extra = expect_hole & _cover(here, xs, ys, -tol)
        where = [
            (level, *g.to_point(int(r), int(c)))
            for r, c in zip(*np.nonzero(missing | extra), strict=True)
        ]
        assert not where, where[:10]
        holes += int((expect_hole & passable).sum())
    assert holes > 0


def _inside(rect: tuple[float, float, float, float], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return (xs >= rect[0]) & (xs <= rect[2]) & (ys >= rect[1]) & (ys <= rect[3])


def test_floors_stand_at_their_elevations_with_the_basement_below_ground(
    exported: dict[str, tuple[Building, Path]],
) -> None:
    b, out = exported["generated_12_b1"]
    boxes = collision_boxes(out / "world.sdf")
    for f in b.floors:
        slabs = [
            bx
            for bx in boxes
            if bx.model == f"floor_{names.level_token(f.level)}" and bx.name.startswith("slab_")
        ]
        assert slabs
        for bx in slabs:
            assert math.isclose(bx.center[2] + bx.size[2] / 2, f.elevation_m, abs_tol=1e-3)
    assert min(f.elevation_m for f in b.floors) < 0


@pytest.mark.parametrize("name", ["office", "generated_13_b2"])
def test_flights_are_ramps_at_the_heights_the_simulator_gives_the_stairs(
    exported: dict[str, tuple[Building, Path]], name: str
) -> None:
    """Each flight's top surface meets its floor at one end and the mid landing at the other,
    at the height sim.robot computes from StairsSpec.lift."""
    b, out = exported[name]
    boxes = {(bx.model, bx.name): bx for bx in collision_boxes(out / "world.sdf")}
    elevation = {f.level: f.elevation_m for f in b.floors}
    flights = 0
    for s in b.stairs:
        order = sorted(s.floors, key=elevation.__getitem__)
        for lower, upper in itertools.pairwise(order):
            storey = elevation[upper] - elevation[lower]
            for flight, rect, tok in (
                ("up", s.up_flight, names.level_token(lower)),
                ("down", s.down_flight, names.level_token(upper)),
            ):
                bx = boxes[(f"stairs_{s.id}", f"flight_{flight}_{tok}")]
                pitch = bx.rpy[1]
                top = np.array(bx.center) + (bx.size[2] / 2) * np.array(
                    [math.sin(pitch), 0.0, math.cos(pitch)]
                )
                along = np.array([math.cos(pitch), 0.0, -math.sin(pitch)]) * bx.size[0] / 2
                for end in (top - along, top + along):
                    x = float(end[0])
                    lift = s.lift(x, flight)  # type: ignore[arg-type]
                    frac = lift if flight == "up" else 1.0 - lift
                    assert math.isclose(end[2], elevation[lower] + frac * storey, abs_tol=2e-3)
                    assert rect[0] - 1e-3 <= x <= rect[2] + 1e-3
                flights += 2
    assert flights > 0


# --- markers --------------------------------------------------------------------------------


def _detect(image: np.ndarray, dictionary_name: str) -> list[int]:
    detector = cv2.aruco.ArucoDetector(dictionary(dictionary_name))
    border = cv2.copyMakeBorder(image, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    big = cv2.resize(border, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    _, ids, _ = detector.detectMarkers(big)
    return [] if ids is None else [int(i) for i in ids.ravel()]


@pytest.mark.parametrize("name", ["office", "generated_11_b0"])
def test_marker_textures_decode_to_the_ids_of_their_landmarks_and_panels(
    exported: dict[str, tuple[Building, Path]], name: str
) -> None:
    b, out = exported[name]
    expected = {lm.marker_id for lm in b.landmarks}
    expected |= {d.panel_marker_id for e in b.elevators for d in e.doors}
    world = ET.parse(out / "world.sdf").getroot()
    used = {el.text for el in world.iter("albedo_map")}
    found = set()
    for uri in used:
        assert uri is not None
        image = cv2.imread(str(out / uri), cv2.IMREAD_GRAYSCALE)
        assert image is not None, uri
        marker_id = int(re.search(r"_(\d+)\.png$", uri).group(1))  # type: ignore[union-attr]
        assert _detect(image, b.aruco_dictionary) == [marker_id], uri
        found.add(marker_id)
    assert found == expected


def test_the_marker_quad_shows_its_texture_unmirrored_from_the_front() -> None:
    """Render the quad as a viewer in front of it sees it (right = +y, up = +z) through the
    mesh's own texture coordinates, and read the marker back."""
    vs = [_floats(line[2:]) for line in MARKER_QUAD_OBJ.splitlines() if line.startswith("v ")]
    vts = [_floats(line[3:]) for line in MARKER_QUAD_OBJ.splitlines() if line.startswith("vt ")]
    normals = [_floats(line[3:]) for line in MARKER_QUAD_OBJ.splitlines() if line.startswith("vn")]
    assert normals == [(1.0, 0.0, 0.0)]
    # u and v are affine in (y, z) over the quad: solve from its vertices
    a = np.array([[v[1], v[2], 1.0] for v in vs])
    uv = np.array(vts)
    coef, *_ = np.linalg.lstsq(a, uv, rcond=None)
    texture = cv2.aruco.generateImageMarker(dictionary("DICT_4X4_50"), 7, 60)
    n = 120
    seen = np.zeros((n, n), np.uint8)
    for row in range(n):
        for col in range(n):
            y, z = -0.5 + (col + 0.5) / n, 0.5 - (row + 0.5) / n
            u, v = np.array([y, z, 1.0]) @ coef
            tr = min(59, int((1.0 - v) * 60))  # image rows run down, v up
            tc = min(59, int(u * 60))
            seen[row, col] = texture[tr, tc]
    assert _detect(seen, "DICT_4X4_50") == [7]
    assert _detect(cv2.flip(seen, 1), "DICT_4X4_50") == []


def test_markers_face_out_of_their_landmarks_and_walls(
    exported: dict[str, tuple[Building, Path]],
) -> None:
    b, out = exported["office"]
    boxes = [bx for bx in collision_boxes(out / "world.sdf") if bx.rpy == (0.0, 0.0, 0.0)]
    world = ET.parse(out / "world.sdf").getroot()
    markers = {
        m.get("name"): _floats(m.findtext("link/visual/pose"))
        for m in world.iter("model")
        if (m.get("name") or "").startswith(("marker_", "panel_"))
    }
    assert len(markers) == len(b.landmarks) + sum(len(e.doors) for e in b.elevators)
    for lm in b.landmarks:
        x, y, z, _, _, yaw = markers[f"marker_{lm.id}"]
        assert math.isclose(yaw, lm.facing_rad, abs_tol=1e-3)
        assert not any(bx.covers(x, y, z, eps=0.0) for bx in boxes), lm.id
        # a step back along the facing direction is inside the landmark's body
        bx_, by_ = x - 0.01 * math.cos(yaw), y - 0.01 * math.sin(yaw)
        assert any(bx.model == f"landmark_{lm.id}" and bx.covers(bx_, by_, z) for bx in boxes)


# --- bridge --------------------------------------------------------------------------------


def declared_gz_topics(world: Path, robot: Path) -> tuple[set[str], set[str]]:
    """(topics Gazebo publishes, topics it subscribes to) by the world's and robot's systems
    and sensors; camera_info sits beside each camera's image topic, the clock under the
    world's name."""
    pub: set[str] = set()
    sub: set[str] = set()
    w = ET.parse(world).getroot()
    r = ET.parse(robot).getroot()
    for name in [el.get("name") for el in w.iter("world")]:
        pub.add(f"/world/{name}/clock")
    for root in (w, r):
        for plugin in root.iter("plugin"):
            for tag in ("odom_topic", "tf_topic"):
                if plugin.findtext(tag):
                    pub.add(plugin.findtext(tag))  # type: ignore[arg-type]
            if plugin.findtext("topic"):
                sub.add(plugin.findtext("topic"))  # type: ignore[arg-type]
        for sensor in root.iter("sensor"):
            image = sensor.findtext("topic")
            assert image
            pub |= {image, image.rsplit("/", 1)[0] + "/camera_info"}
    return pub, sub


def test_the_bridge_names_only_topics_the_world_and_robot_declare(
    exported: dict[str, tuple[Building, Path]],
) -> None:
    robot_interface = {t.name: t.type for t in (topics.CMD_VEL, topics.ODOM, topics.IMAGE)}
    robot_interface |= {t.name: t.type for t in (topics.CAMERA_INFO, topics.CLOCK)}
    for b, out in exported.values():
        pub, sub = declared_gz_topics(out / "world.sdf", out / "robot.sdf")
        entries = yaml.safe_load((out / "bridge.yaml").read_text())
        joints = {names.car_topic(e.id) for e in b.elevators}
        joints |= {names.door_topic(e.id, f) for e in b.elevators for f in e.floors}
        bridged_ros = set()
        for entry in entries:
            gz, ros = entry["gz_topic_name"], entry["ros_topic_name"]
            if entry["direction"] == Direction.GZ_TO_ROS:
                assert gz in pub, gz
            else:
                assert gz in sub, gz
            if ros in robot_interface:
                assert entry["ros_type_name"] == robot_interface[ros]
            else:
                assert ros in joints and entry["ros_type_name"] == "std_msgs/msg/Float64", ros
            bridged_ros.add(ros)
        assert set(robot_interface) | joints == bridged_ros


# --- bad input -------------------------------------------------------------------------------


def test_an_invalid_building_fails_with_its_own_errors_and_writes_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_WORLD.read_text())
    data["dock"]["room"] = "no_such_room"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(BuildingError, match=r"dock\.room: unknown room 'no_such_room'"):
        export_gazebo(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_non_empty_output_directory_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirectoryError, match="not empty; pass --force"):
        export_gazebo(None, out)
    assert pepa_main(["sim", "export-gazebo", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert pepa_main(["sim", "export-gazebo", "--out", str(out), "--force"]) == 0
    assert (out / "world.sdf").exists() and (out / "notes.txt").read_text() == "mine"


# --- robot ---------------------------------------------------------------------------------


def test_the_robot_camera_has_the_simulators_intrinsics_and_spawns_on_the_dock(
    exported: dict[str, tuple[Building, Path]],
) -> None:
    b, out = exported["generated_12_b1"]
    camera = ET.parse(out / "robot.sdf").getroot().find(".//sensor[@type='camera']/camera")
    assert camera is not None
    config = CameraConfig()
    info = config.camera_info()
    k = info["k"]
    intr = camera.find("lens/intrinsics")
    assert intr is not None
    got = [float(intr.findtext(t) or "nan") for t in ("fx", "cx", "fy", "cy")]
    assert got == pytest.approx([k[0], k[2], k[4], k[5]], abs=1e-3)  # type: ignore[index]
    assert int(camera.findtext("image/width") or 0) == info["width"]
    assert int(camera.findtext("image/height") or 0) == info["height"]
    hfov = float(camera.findtext("horizontal_fov") or "nan")
    assert math.isclose(hfov, math.radians(config.hfov_deg), abs_tol=1e-4)
    pose = spawn_pose(b)
    dock = b.spec.dock
    level = b.room(dock.room).floor
    assert (pose.x, pose.y, pose.yaw) == (dock.x, dock.y, dock.theta_rad)
    assert 0 < pose.z - {f.level: f.elevation_m for f in b.floors}[level] < 0.2
    assert pose.world == ET.parse(out / "world.sdf").getroot().find("world").get("name")  # type: ignore[union-attr]
