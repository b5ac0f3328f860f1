"""The first-person camera: geometry, markers readable by the real ArUco detector, occlusion,
doors, determinism, bad input, and the scenes built from the default office."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from pepa.sim.camera import CameraConfig, Renderer
from pepa.sim.camera_scene import LOOK_COLOURS, Look, Scene, SceneBox, SceneMarker, ScenePerson

DICT = "DICT_4X4_50"


def _room(width_m: float = 10.0, depth_m: float = 8.0, res: float = 0.1) -> np.ndarray:
    """A walled rectangle of free cells."""
    looks = np.zeros((round(depth_m / res), round(width_m / res)), dtype=np.uint8)
    looks[0, :] = looks[-1, :] = looks[:, 0] = looks[:, -1] = int(Look.WALL)
    return looks


def _detector() -> cv2.aruco.ArucoDetector:
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICT))
    return cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())


def _detect(image: np.ndarray) -> dict[int, np.ndarray]:
    corners, ids, _ = _detector().detectMarkers(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    if ids is None:
        return {}
    return {int(i): c.reshape(4, 2) for i, c in zip(ids.ravel(), corners, strict=True)}


def test_intrinsics_follow_the_field_of_view_and_fill_a_camera_info() -> None:
    config = CameraConfig(width=320, height=240, hfov_deg=90.0)
    assert config.fx == pytest.approx(160.0)
    assert config.fy == config.fx
    assert (config.cx, config.cy) == (159.5, 119.5)
    info = config.camera_info()
    assert info["k"] == pytest.approx([160.0, 0.0, 159.5, 0.0, 160.0, 119.5, 0.0, 0.0, 1.0])
    assert info["width"] == 320 and info["distortion_model"] == "plumb_bob"
    assert len(info["p"]) == 12  # type: ignore[arg-type]


def test_a_flat_wall_ahead_has_the_same_depth_in_every_column() -> None:
    # wall face at x = 9.9 m (last column of cells starts there); camera at x = 4.9 facing +x
    scene = Scene(_room(), 0.1)
    renderer = Renderer(CameraConfig(width=320, height=240, hfov_deg=60.0))
    frame = renderer.render(scene, 4.9, 4.0, 0.0)
    assert np.allclose(frame.column_depth, 5.0, atol=1e-6)


def test_wall_top_and_bottom_land_on_the_projected_rows() -> None:
    config = CameraConfig(width=320, height=240, hfov_deg=60.0, mount_height_m=0.5)
    scene = Scene(_room(), 0.1, wall_height_m=2.5)
    frame = Renderer(config).render(scene, 4.9, 4.0, 0.0)
    column = frame.image[:, 160].astype(int)
    wall_rgb = np.array(LOOK_COLOURS[Look.WALL])
    is_wall = np.all(np.abs(column - wall_rgb * (1 / (1 + 0.09 * 5.0))) <= 2, axis=1)
    rows = np.flatnonzero(is_wall)
    top = config.cy - config.fy * (2.5 - 0.5) / 5.0
    assert rows.min() == math.ceil(top - 0.5)
    # the skirting board starts 10 cm above the floor, below it the wall is darker
    skirting = config.cy - config.fy * (0.1 - 0.5) / 5.0
    assert rows.max() == math.ceil(skirting - 0.5) - 1


def test_detected_marker_corners_match_the_pinhole_projection() -> None:
    marker = SceneMarker(7, 5.0, 7.95, math.pi / 2 * -1, 0.3, 1.0)
    scene = Scene(_room(), 0.1, markers=(marker,), dictionary=DICT)
    renderer = Renderer()
    pose = (4.2, 5.0, math.pi / 2 + 0.2)
    frame = renderer.render(scene, *pose)
    seen = renderer.markers_in_view(scene, *pose)
    assert [v.marker_id for v in seen] == [7]
    found = _detect(frame.image)
    assert set(found) == {7}
    # the detector returns the black square's outer pixel edges: within a pixel of geometry
    assert np.abs(found[7] - seen[0].corners_px).max() < 1.5
    # and pose recovery from those corners gives the true distance
    half = 0.15
    obj = np.array([[-half, half, 0], [half, half, 0], [half, -half, 0], [-half, -half, 0]])
    ok, _, tvec = cv2.solvePnP(
        obj, found[7].astype(np.float64), renderer.config.k_matrix(), np.zeros(5)
    )
    assert ok
    assert float(np.linalg.norm(tvec)) == pytest.approx(seen[0].distance_m, rel=0.03)


def test_markers_are_snapped_onto_the_wall_face_behind_them() -> None:
    # given 5 cm inside the wall (wall face at y = 7.9), the marker ends up just in front of it
    scene = Scene(_room(), 0.1, markers=(SceneMarker(3, 5.0, 7.95, -math.pi / 2, 0.25, 1.0),))
    placed = scene.placed_markers[0]
    assert placed.y == pytest.approx(7.9 - 0.005, abs=1e-3)
    assert placed.snap_to_wall


def test_a_person_in_front_hides_a_marker_and_a_wall_hides_the_far_side() -> None:
    looks = _room()
    looks[:, 60] = int(Look.WALL)  # a wall at x = 6.0 .. 6.1 splits the room
    markers = (
        SceneMarker(1, 3.0, 7.95, -math.pi / 2, 0.3, 1.0),  # on the north wall, west part
        SceneMarker(2, 8.0, 0.05, math.pi / 2, 0.3, 1.0),  # east part, behind the split
    )
    scene = Scene(looks, 0.1, markers=markers, dictionary=DICT)
    renderer = Renderer()
    pose = (3.0, 4.5, math.pi / 2)
    assert [v.marker_id for v in renderer.markers_in_view(scene, *pose)] == [1]
    assert set(_detect(renderer.render(scene, *pose).image)) == {1}
    blocker = ScenePerson(3.0, 6.0, badge_marker_id=None)
    assert renderer.markers_in_view(scene, *pose, people=(blocker,)) == []
    assert _detect(renderer.render(scene, *pose, people=(blocker,)).image) == {}
    # from the west part looking east, the far marker is behind the split wall
    east = (3.0, 1.0, 0.3)
    assert 2 not in {v.marker_id for v in renderer.markers_in_view(scene, *east)}
    assert 2 not in _detect(renderer.render(scene, *east).image)


def test_badges_show_only_when_the_person_faces_the_camera() -> None:
    scene = Scene(_room(), 0.1, dictionary=DICT)
    renderer = Renderer()
    facing = ScenePerson(5.0, 4.0, badge_marker_id=33, facing_rad=math.pi)
    away = ScenePerson(5.0, 4.0, badge_marker_id=33, facing_rad=0.0)
    pose = (2.5, 4.0, 0.0)
    assert [v.marker_id for v in renderer.markers_in_view(scene, *pose, people=(facing,))] == [33]
    assert set(_detect(renderer.render(scene, *pose, people=(facing,)).image)) == {33}
    assert renderer.markers_in_view(scene, *pose, people=(away,)) == []
    assert _detect(renderer.render(scene, *pose, people=(away,)).image) == {}


def test_a_doorway_shows_its_lintel_and_the_room_beyond() -> None:
    looks = _room(12.0)
    looks[:, 60] = int(Look.WALL)
    looks[35:47, 60] = int(Look.DOORWAY)  # a 1.2 m doorway centred on y = 4.1
    scene = Scene(looks, 0.1)
    config = CameraConfig(width=320, height=240, hfov_deg=60.0)
    frame = Renderer(config).render(scene, 0.5, 4.1, 0.0)
    centre = 160
    # the ray through the doorway travels on to the far wall (x = 11.9)
    assert frame.column_depth[centre] == pytest.approx(11.4, abs=1e-6)
    frame_rgb = np.array(LOOK_COLOURS[Look.DOOR_FRAME]) / (1 + 0.09 * 5.5)
    lintel_row = round(config.cy - config.fy * (2.4 - config.mount_height_m) / 5.5)
    assert np.abs(frame.image[lintel_row, centre].astype(int) - frame_rgb).max() <= 2
    # jambs: the wall cells beside the opening are drawn as door frame too
    assert scene.padded[35 + 1 - 1, 60 + 1] == int(Look.DOOR_FRAME)


def test_boxes_have_their_height_and_hide_what_is_behind() -> None:
    box = SceneBox(6.0, 4.0, math.pi, 1.0, 0.6, 1.0, colour=(200, 40, 40))
    scene = Scene(_room(), 0.1, boxes=(box,))
    config = CameraConfig(width=320, height=240, hfov_deg=60.0)
    frame = Renderer(config).render(scene, 3.0, 4.0, 0.0)
    column = frame.image[:, 160].astype(int)
    red = (column[:, 0] > 100) & (column[:, 1] < 60)
    depth = 3.0 - 0.3  # front face at x = 5.7
    top = config.cy - config.fy * (1.0 - config.mount_height_m) / depth
    bottom = config.cy + config.fy * config.mount_height_m / depth
    rows = np.flatnonzero(red)
    assert abs(rows.min() - top) <= 1.5 and abs(rows.max() - bottom) <= 1.5


def test_frames_are_deterministic() -> None:
    scene = Scene(
        _room(),
        0.1,
        markers=(SceneMarker(4, 5.0, 7.95, -math.pi / 2, 0.25, 1.1),),
        people=(ScenePerson(6.0, 6.0, badge_marker_id=35, facing_rad=-2.0),),
        dictionary=DICT,
    )
    a = Renderer().render(scene, 4.0, 3.0, 1.2).image
    b = Renderer().render(scene, 4.0, 3.0, 1.2).image
    assert np.array_equal(a, b)
    assert not np.array_equal(a, Renderer().render(scene, 4.0, 3.0, 1.25).image)


def test_bad_scenes_and_poses_are_rejected_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="unknown look codes"):
        Scene(np.full((4, 4), 42, dtype=np.uint8), 0.1)
    with pytest.raises(ValueError, match="resolution_m"):
        Scene(_room(), 0.0)
    with pytest.raises(ValueError, match="marker id 60"):
        Scene(_room(), 0.1, markers=(SceneMarker(60, 1, 1, 0, 0.2, 1),), dictionary=DICT)
    with pytest.raises(ValueError, match="badge id 77"):
        Scene(_room(), 0.1, people=(ScenePerson(1, 1, badge_marker_id=77),), dictionary=DICT)
    with pytest.raises(ValueError, match="aruco dictionary"):
        Scene(_room(), 0.1, dictionary="DICT_NOPE")
    with pytest.raises(ValueError, match="camera pose"):
        Renderer().render(Scene(_room(), 0.1), math.nan, 1.0, 0.0)
    with pytest.raises(ValueError, match="hfov_deg"):
        CameraConfig(hfov_deg=200)
