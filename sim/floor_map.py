"""Top-down map image of one floor: rooms (labelled), walls, doors, elevators coloured by
state, stairs, landmarks with their marker ids, people, and the robot with its camera's view.

Operators and the console read these images; they are drawn with OpenCV so that writing a
PNG needs nothing else. Images are RGB like the camera's; :func:`save_floor_map` converts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from pepa.building import layout as bld
from pepa.building.layout import Building
from pepa.sim.world import World

logger = logging.getLogger(__name__)

_CELL_RGB: dict[int, tuple[int, int, int]] = {
    bld.FREE: (248, 246, 240),
    bld.WALL: (55, 55, 60),
    bld.DOOR: (176, 124, 74),
    bld.ELEVATOR_DOOR: (150, 160, 172),
    bld.ELEVATOR_CAR: (205, 212, 220),
    bld.STAIRS_UP: (170, 200, 235),
    bld.STAIRS_DOWN: (140, 175, 220),
    bld.STAIRS_LANDING: (190, 215, 240),
    bld.OBJECT: (235, 190, 120),
    bld.FORBIDDEN: (245, 200, 200),
    bld.DOCK: (150, 220, 150),
}
ELEVATOR_STATE_RGB: dict[str, tuple[int, int, int]] = {
    "idle": (90, 170, 90),
    "moving": (70, 120, 220),
    "doors_opening": (240, 190, 40),
    "doors_open": (250, 140, 20),
    "doors_closing": (240, 190, 40),
    "out_of_service": (210, 40, 40),
}
ROBOT_RGB = (220, 30, 120)
PERSON_RGB = (30, 110, 200)
LANDMARK_RGB = (200, 120, 0)
TEXT_RGB = (40, 40, 40)


def draw_floor_map(
    building: Building,
    floor: int,
    world: World | None = None,
    pixels_per_m: float = 20.0,
    camera_hfov_deg: float | None = 75.0,
) -> np.ndarray:
    """RGB image of ``floor``, north up; with ``world``, its robot, people and elevators now."""
    if floor not in building.floor_levels:
        raise ValueError(
            f"floor map: floor {floor} is not in building {building.name!r} "
            f"(floors {building.floor_levels})"
        )
    if not (math.isfinite(pixels_per_m) and 2.0 <= pixels_per_m <= 200.0):
        raise ValueError(f"floor map: pixels_per_m must be in [2, 200], got {pixels_per_m}")
    grid = building.grid(floor)
    res = grid.resolution_m
    rows, cols = grid.cells.shape
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:] = (255, 0, 255)  # a code without a colour shows up at once
    for code, rgb in _CELL_RGB.items():
        lut[code] = rgb
    small = lut[grid.cells[::-1]]  # row 0 of the image is the north edge
    scale = pixels_per_m * res
    width, height = max(1, round(cols * scale)), max(1, round(rows * scale))
    image: np.ndarray = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)

    def px(x: float, y: float) -> tuple[int, int]:
        return (
            round((x - grid.origin[0]) * pixels_per_m),
            round(height - (y - grid.origin[1]) * pixels_per_m),
        )

    font = cv2.FONT_HERSHEY_SIMPLEX
    text_scale = max(0.3, pixels_per_m / 50.0)
    for room in building.rooms_on(floor):
        if room.kind == "corridor":
            continue
        cx, cy = room.center
        _label(image, room.name, px(cx, cy), font, text_scale, TEXT_RGB)
    for e in building.elevators:
        if floor not in e.floors:
            continue
        x0, y0, x1, y1 = e.shaft
        state, where = "idle", ""
        if world is not None:
            status = world.elevator_status(e.id)
            state = "out_of_service" if status.out_of_service else status.state
            where = f" @{status.floor}"
        colour = ELEVATOR_STATE_RGB.get(state, (128, 128, 128))
        p0, p1 = px(x0, y1), px(x1, y0)
        overlay = image.copy()
        cv2.rectangle(overlay, p0, p1, colour, thickness=-1)
        cv2.addWeighted(overlay, 0.55, image, 0.45, 0, dst=image)
        cv2.rectangle(image, p0, p1, (60, 60, 60), thickness=1)
        _label(
            image,
            f"{e.name.split()[-1]}{where}",
            px((x0 + x1) / 2, (y0 + y1) / 2),
            font,
            text_scale,
            TEXT_RGB,
        )
        panel = e.door(floor).panel
        cv2.circle(image, px(*panel), max(2, round(pixels_per_m * 0.12)), (20, 20, 20), -1)
    for lm in building.landmarks:
        if lm.floor != floor:
            continue
        x0, y0, x1, y1 = lm.footprint()
        cv2.rectangle(image, px(x0, y1), px(x1, y0), LANDMARK_RGB, thickness=-1)
        tip = (lm.x + 0.6 * math.cos(lm.facing_rad), lm.y + 0.6 * math.sin(lm.facing_rad))
        cv2.line(image, px(lm.x, lm.y), px(*tip), LANDMARK_RGB, 1, cv2.LINE_AA)
        _label(
            image, f"#{lm.marker_id}", px(lm.x, lm.y - 0.5), font, text_scale * 0.8, LANDMARK_RGB
        )
    dock = building.dock
    if building.room(dock.room).floor == floor:
        _label(image, "dock", px(dock.x, dock.y + 0.5), font, text_scale * 0.8, (40, 130, 40))
    if world is not None:
        for person in world.people_states():
            if person.floor != floor:
                continue
            centre = px(person.x, person.y)
            radius = max(3, round(pixels_per_m * 0.25))
            cv2.circle(image, centre, radius, PERSON_RGB, -1, cv2.LINE_AA)
            tip = (
                person.x + 0.5 * math.cos(person.heading),
                person.y + 0.5 * math.sin(person.heading),
            )
            cv2.line(image, centre, px(*tip), PERSON_RGB, 1, cv2.LINE_AA)
            name = building.people_by_id[person.id].name.split()[0]
            _label(
                image,
                name,
                (centre[0], centre[1] - radius - 4),
                font,
                text_scale * 0.8,
                PERSON_RGB,
            )
        robot = world.robot_state()
        if robot.floor == floor:
            _draw_robot(image, px, robot.x, robot.y, robot.theta, pixels_per_m, camera_hfov_deg)
    return image


def save_floor_map(path: str | Path, image: np.ndarray) -> Path:
    """Write an RGB floor map (or camera frame) as PNG; returns the path written."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"floor map: {path}: expected a .png file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f"floor map: {path}: could not write the PNG")
    return path


def _label(
    image: np.ndarray,
    text: str,
    centre: tuple[int, int],
    font: int,
    scale: float,
    colour: tuple[int, int, int],
) -> None:
    """Text centred on a point, on a light halo so it reads over walls."""
    (w, h), _ = cv2.getTextSize(text, font, scale, 1)
    rows, cols = image.shape[:2]
    # keep the whole label inside the image
    x = min(max(2, centre[0] - w // 2), max(2, cols - w - 2))
    y = min(max(h + 2, centre[1] + h // 2), rows - 3)
    org = (x, y)
    cv2.putText(image, text, org, font, scale, (255, 255, 255), 3, cv2.LINE_AA)
    cv2.putText(image, text, org, font, scale, colour, 1, cv2.LINE_AA)


def _draw_robot(
    image: np.ndarray,
    px: Callable[[float, float], tuple[int, int]],
    x: float,
    y: float,
    theta: float,
    pixels_per_m: float,
    hfov_deg: float | None,
) -> None:
    if hfov_deg is not None:
        half = math.radians(hfov_deg) / 2
        reach = 5.0
        wedge = [px(x, y)]
        for k in range(9):
            a = theta - half + 2 * half * k / 8
            wedge.append(px(x + reach * math.cos(a), y + reach * math.sin(a)))
        overlay = image.copy()
        cv2.fillPoly(overlay, [np.array(wedge, dtype=np.int32)], (255, 170, 210))
        cv2.addWeighted(overlay, 0.35, image, 0.65, 0, dst=image)
    radius = max(4, round(pixels_per_m * 0.3))
    centre = px(x, y)
    cv2.circle(image, centre, radius, ROBOT_RGB, -1, cv2.LINE_AA)
    nose = px(x + 0.6 * math.cos(theta), y + 0.6 * math.sin(theta))
    cv2.line(image, centre, nose, (255, 255, 255), 2, cv2.LINE_AA)
