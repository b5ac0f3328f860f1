"""What the robot sees, as the console shows it: the latest frame, small, with its markers.

Both console backends hand their newest camera frame to one :class:`CameraViews` (the
in-process agent renders one when asked, the ROS bridge keeps the last ``/camera/image_raw``
message). It holds that one frame and nothing older: a browser that asks slowly just gets a
later frame, so a slow client never makes anything queue up. Markers are found with Sys1's
own detector on the full frame, then outlined in the pixels of the downscaled image served.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from pepa.agent.console.backend import CameraView, MarkerView
from pepa.agent.sys1.perception import MarkerTable, marker_detector
from pepa.building.layout import Building

JPEG_QUALITY = 70
MIN_WIDTH = 32
MAX_WIDTH = 1280
"""The widths a page may ask for; the camera's own width caps it further."""


@dataclass(frozen=True)
class Frame:
    """One camera frame as a backend got it."""

    image: np.ndarray  # HxWx3 uint8, RGB
    time: float
    floor: int


class CameraViews:
    """The latest frame and what was made from it (markers once, a JPEG per width asked)."""

    def __init__(self, building: Building) -> None:
        self._table = MarkerTable(building)
        self._detector = marker_detector(building)
        self._names = {p.id: p.name for p in building.people} | {
            lm.id: lm.name for lm in building.landmarks
        }
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._markers: list[tuple[int, str, str, np.ndarray]] | None = None
        self._views: dict[int, CameraView] = {}

    @property
    def latest(self) -> Frame | None:
        return self._frame

    def offer(self, frame: Frame) -> None:
        """Take a newer frame; the previous one and its views are dropped."""
        with self._lock:
            self._frame = frame
            self._markers = None
            self._views = {}

    def view(self, width: int) -> CameraView | None:
        """The latest frame at ``width`` pixels (at most the frame's own), None before any."""
        with self._lock:
            frame = self._frame
            if frame is None:
                return None
            h, w = frame.image.shape[:2]
            width = max(1, min(width, w))
            if width in self._views:
                return self._views[width]
            if self._markers is None:
                self._markers = self._detect(frame.image)
            markers = self._markers
        scale = width / w
        height = max(1, round(h * scale))
        small = frame.image
        if width != w:
            small = cv2.resize(frame.image, (width, height), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(
            ".jpg",
            cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
        )
        if not ok:
            raise RuntimeError("could not encode the camera frame as JPEG")
        view = CameraView(
            time=frame.time,
            floor=frame.floor,
            width=width,
            height=height,
            image="data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii"),
            markers=[
                MarkerView(
                    marker_id=mid,
                    kind=kind,
                    name=name,
                    corners=[
                        (round(float(x) * scale, 1), round(float(y) * scale, 1)) for x, y in q
                    ],
                )
                for mid, kind, name, q in markers
            ],
        )
        with self._lock:
            if self._frame is frame:
                self._views[width] = view
        return view

    def _detect(self, image: np.ndarray) -> list[tuple[int, str, str, np.ndarray]]:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        corners, ids, _ = self._detector.detectMarkers(grey)
        if ids is None:
            return []
        out = []
        for quad, mid in zip(corners, ids.ravel(), strict=True):
            entry = self._table.get(int(mid))
            if entry is None:
                kind, name = "object", f"unknown marker {int(mid)}"
            else:
                kind, ident = entry[0], entry[1]
                name = self._names.get(ident, ident.replace("@", " at floor "))
            out.append((int(mid), kind, name, quad.reshape(4, 2)))
        return out
