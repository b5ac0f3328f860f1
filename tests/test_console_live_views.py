"""The console's camera view, trail and day at a glance: over the real in-process agent, with
the real renderer and ArUco detector, and their bad input and bounds."""

from __future__ import annotations

import base64
import math
import tracemalloc
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from pepa.agent.console.app import create_app
from pepa.agent.console.camera_view import CameraViews, Frame
from pepa.agent.console.day_glance import battery, places
from pepa.agent.console.inprocess import InProcessBackend
from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.camera import Renderer
from pepa.sim.camera_adapter import scene_for

LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def client(console_backend: InProcessBackend) -> Iterator[TestClient]:
    with TestClient(create_app(console_backend), base_url=LOCAL) as c:
        yield c


def _jpeg(view: dict[str, object]) -> np.ndarray:
    prefix = "data:image/jpeg;base64,"
    image = str(view["image"])
    assert image.startswith(prefix)
    raw = np.frombuffer(base64.b64decode(image[len(prefix) :]), dtype=np.uint8)
    decoded = cv2.imdecode(raw, cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


# --- camera -------------------------------------------------------------------------------------


def test_the_camera_frame_is_a_small_jpeg_of_the_width_asked(client: TestClient) -> None:
    r = client.get("/api/v1/camera", params={"width": 200})
    assert r.status_code == 200, r.text
    view = r.json()
    img = _jpeg(view)
    assert img.shape[1] == view["width"] == 200
    assert img.shape[0] == view["height"] == 150  # the camera's 4:3
    assert view["time"] > 0 and isinstance(view["markers"], list)
    big = client.get("/api/v1/camera", params={"width": 1280}).json()
    assert big["width"] <= 640, "a frame is never wider than the camera's own"


@pytest.mark.parametrize("width", ["10", "5000", "wide", "2.5"])
def test_a_malformed_frame_size_is_422_naming_the_width(client: TestClient, width: str) -> None:
    r = client.get("/api/v1/camera", params={"width": width})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "width"


def test_markers_in_a_frame_are_outlined_and_named() -> None:
    building = load_building()
    landmark = building.landmarks[0]
    facing = math.radians(landmark.facing_deg)
    x = landmark.x + 2.0 * math.cos(facing)
    y = landmark.y + 2.0 * math.sin(facing)
    frame = Renderer().render(scene_for(building, landmark.floor), x, y, facing + math.pi)
    views = CameraViews(building)
    views.offer(Frame(frame.image, time=100.0, floor=landmark.floor))
    view = views.view(320)
    assert view is not None and view.width == 320
    found = {m.marker_id: m for m in view.markers}
    assert landmark.marker_id in found, f"markers found: {sorted(found)}"
    m = found[landmark.marker_id]
    assert m.kind == "landmark" and m.name == landmark.name
    assert all(0 <= cx <= view.width and 0 <= cy <= view.height for cx, cy in m.corners)
    assert views.view(320) is view, "a frame is encoded once per width"


def test_frames_nobody_reads_are_dropped_not_kept() -> None:
    """A slow browser: frames keep coming, none is read; memory holds only the latest."""
    views = CameraViews(load_building())
    size = 480 * 640 * 3
    tracemalloc.start()
    try:
        views.offer(Frame(np.zeros((480, 640, 3), np.uint8), time=0.0, floor=0))
        before, _ = tracemalloc.get_traced_memory()
        for i in range(200):
            views.offer(Frame(np.full((480, 640, 3), i % 255, np.uint8), time=float(i), floor=0))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 2 * size, f"grew by {after - before} bytes over 200 unread frames"
    latest = views.latest
    assert latest is not None and latest.time == 199.0


def test_frames_come_at_the_agents_pace_not_the_browsers(client: TestClient) -> None:
    first = client.get("/api/v1/camera", params={"width": 160}).json()
    again = client.get("/api/v1/camera", params={"width": 160}).json()
    assert again["time"] == first["time"], "the agent did not move: no new frame is rendered"


# --- trail --------------------------------------------------------------------------------------


def test_the_trail_covers_the_last_hour_only(
    client: TestClient, console_backend: InProcessBackend
) -> None:
    now = console_backend.status().agent.time
    points = client.get("/api/v1/trail").json()
    assert points, "the robot has lived an hour: it has a trail"
    assert all(now - 3600.0 <= p["t"] <= now for p in points)
    assert [p["t"] for p in points] == sorted(p["t"] for p in points)
    short = client.get("/api/v1/trail", params={"seconds": 60}).json()
    assert len(short) <= len(points)
    floor = points[-1]["floor"]
    on_floor = client.get("/api/v1/trail", params={"floor": floor}).json()
    assert on_floor and all(p["floor"] == floor for p in on_floor)


@pytest.mark.parametrize("floor", [7, -1])
def test_a_trail_on_an_unknown_floor_is_404_naming_it(client: TestClient, floor: int) -> None:
    r = client.get("/api/v1/trail", params={"floor": floor})
    assert r.status_code == 404 and f"floor {floor}" in r.json()["error"]


def test_a_malformed_trail_span_is_422_naming_it(client: TestClient) -> None:
    r = client.get("/api/v1/trail", params={"seconds": "-5"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "seconds"


# --- a day at a glance --------------------------------------------------------------------------


def test_a_past_day_at_a_glance_has_activities_places_battery_and_requests(
    client: TestClient,
) -> None:
    g = client.get("/api/v1/days/0/glance").json()
    assert g["day"] == 0 and not g["live"]
    assert g["activities"] and all(a["end"] >= a["start"] for a in g["activities"])
    assert {a["category"] for a in g["activities"]} - {"idle"}, "it did something that day"
    assert g["places"] and sum(p["seconds"] for p in g["places"]) > 0
    assert all(p["room"] is None or isinstance(p["room"], str) for p in g["places"])
    assert g["battery"] and all(0.0 <= soc <= 1.0 for _, soc in g["battery"])
    assert all(g["start"] <= r["time"] < at(1, 0.0) for r in g["requests"])


def test_the_current_day_at_a_glance_is_live_up_to_now(
    client: TestClient, console_backend: InProcessBackend
) -> None:
    day = console_backend.status().day
    g = client.get(f"/api/v1/days/{day}/glance").json()
    assert g["live"] and g["day"] == day
    assert g["end"] >= g["start"]
    assert g["activities"], "the running activity is shown up to now"


def test_a_day_never_lived_is_404(client: TestClient) -> None:
    r = client.get("/api/v1/days/99/glance")
    assert r.status_code == 404 and "day 99" in r.json()["error"]


def test_time_per_place_is_split_between_the_rooms_the_poses_were_in() -> None:
    building = load_building()
    room = building.rooms[0]
    (cx, cy), floor = room.center, room.floor
    corridor = next(
        (x, y)
        for x in np.arange(0.5, 80.0, 0.5)
        for y in np.arange(0.5, 80.0, 0.5)
        if building.room_at(floor, float(x), float(y)) is None
    )
    poses = [
        (0.0, floor, cx, cy, 0.0, 1.0),
        (600.0, floor, float(corridor[0]), float(corridor[1]), 0.0, 0.9),
        (660.0, floor, cx, cy, 0.0, 0.8),
    ]
    spent = {(p.floor, p.room): p.seconds for p in places(poses, 1000.0, building)}
    assert spent == {(floor, room.id): 600.0 + 340.0, (floor, None): 60.0}


def test_the_battery_curve_is_thinned_keeping_both_ends() -> None:
    poses = [(float(t), 0, 0.0, 0.0, 0.0, 1.0 - t / 2000) for t in range(1000)]
    curve = battery(poses, max_points=50)
    assert len(curve) <= 51
    assert curve[0] == (0.0, 1.0) and curve[-1] == (999.0, round(1.0 - 999 / 2000, 4))
