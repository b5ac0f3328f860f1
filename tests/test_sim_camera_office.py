"""The camera and floor map on the default office: the real ArUco detector over a scripted
tour, elevator doors and blocked corridors in the scene, and the floor map PNG."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.camera import Renderer
from pepa.sim.camera_adapter import CameraScenes, scene_for
from pepa.sim.camera_scene import Look
from pepa.sim.floor_map import ROBOT_RGB, draw_floor_map, save_floor_map
from pepa.sim.tour import TourController
from pepa.sim.world import World


@pytest.fixture(scope="module")
def building():  # type: ignore[no-untyped-def]
    return load_building()


def test_aruco_finds_nine_in_ten_markers_in_view_over_a_tour(building) -> None:  # type: ignore[no-untyped-def]
    world = World(building, seed=3, start_time=at(0, 8.0))
    tour = TourController(world)
    renderer = Renderer()
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, building.aruco_dictionary))
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    in_view = found = frames = 0
    kinds: set[str] = set()
    floors: set[int] = set()
    end = world.now + 5 * 3600.0
    while world.now < end and frames < 500:
        tour.run(world.now + 1.5)
        if not world.robot.moving:
            continue
        state = world.robot_state()
        scene = scene_for(world)
        frame = renderer.render(scene, state.x, state.y, state.theta)
        frames += 1
        floors.add(state.floor)
        expected = renderer.markers_in_view(scene, state.x, state.y, state.theta)
        if not expected:
            continue
        _, ids, _ = detector.detectMarkers(cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY))
        seen = set() if ids is None else {int(i) for i in ids.ravel()}
        for marker in expected:
            in_view += 1
            found += marker.marker_id in seen
            kinds.add(marker.kind)
    assert frames >= 200 and len(floors) >= 2
    assert in_view >= 40 and {"box", "wall"} <= kinds
    print(f"tour: {frames} frames, {found}/{in_view} markers in view detected, kinds {kinds}")
    assert found / in_view >= 0.9, f"{found}/{in_view} markers in view were detected"


def test_open_elevator_doors_and_blocked_corridors_change_the_scene(building) -> None:  # type: ignore[no-untyped-def]
    world = World(building, seed=1, start_time=at(0, 8.0))
    scenes = CameraScenes(building)
    closed = scenes.scene(0, world)
    assert int(Look.ELEVATOR_CLOSED) in np.unique(closed.looks)
    elevator = building.elevators[0]
    world.call_elevator(elevator.id, 0)
    for _ in range(200):
        world.step(0.1)
        status = world.elevator_status(elevator.id)
        if status.doors_open and status.floor == 0:
            break
    else:
        pytest.fail("the elevator never opened its doors on floor 0")
    opened = scenes.scene(0, world)
    assert int(Look.ELEVATOR_OPEN) in np.unique(opened.looks)
    assert int(Look.ELEVATOR_OPEN) not in np.unique(scenes.static(0).looks)


def test_landmarks_are_boxes_with_their_marker_on_the_front(building) -> None:  # type: ignore[no-untyped-def]
    scene = CameraScenes(building).static(0)
    landmarks = [lm for lm in building.landmarks if lm.floor == 0]
    assert len(scene.boxes) == len(landmarks)
    ids = {m.marker_id for m in scene.markers}
    assert {lm.marker_id for lm in landmarks} <= ids
    panels = {e.door(0).panel_marker_id for e in building.elevators if 0 in e.floors}
    assert panels <= ids
    with pytest.raises(ValueError, match="floor 9"):
        CameraScenes(building).static(9)


def test_floor_map_shows_the_robot_and_writes_a_png(building, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = World(building, seed=1, start_time=at(0, 9.0))
    state = world.robot_state()
    ppm = 20.0
    image = draw_floor_map(building, state.floor, world, pixels_per_m=ppm)
    grid = building.grid(state.floor)
    assert image.shape[:2] == (
        round(grid.cells.shape[0] * grid.resolution_m * ppm),
        round(grid.cells.shape[1] * grid.resolution_m * ppm),
    )
    col = round((state.x - grid.origin[0]) * ppm)
    row = round(image.shape[0] - (state.y - grid.origin[1]) * ppm)
    patch = image[row - 2 : row + 3, col - 2 : col + 3].reshape(-1, 3)
    assert any(np.abs(p.astype(int) - ROBOT_RGB).max() <= 10 for p in patch)
    path = save_floor_map(tmp_path / "floor.png", image)
    back = cv2.imread(str(path))
    assert back is not None and back.shape == image.shape
    with pytest.raises(ValueError, match=r"\.png"):
        save_floor_map(tmp_path / "floor.jpg", image)
    with pytest.raises(ValueError, match="floor 7"):
        draw_floor_map(building, 7)


def test_frames_of_the_office_are_deterministic_for_a_seed(building) -> None:  # type: ignore[no-untyped-def]
    images = []
    for _ in range(2):
        world = World(building, seed=5, start_time=at(0, 10.0))
        world.skip(world.now + 600.0)
        state = world.robot_state()
        frame = Renderer().render(scene_for(world), state.x, state.y, state.theta + math.pi / 3)
        images.append(frame.image)
    assert np.array_equal(images[0], images[1])
