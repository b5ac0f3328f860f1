"""ArUco marker textures for the simulated camera.

The renderer draws markers as real textures so that the same ``cv2.aruco`` detector that runs
on the robot finds them in simulated frames. Textures are generated once per (dictionary, id)
and cached: generation is slow compared with a frame.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np

logger = logging.getLogger(__name__)

#: Dictionary used when a building does not name one: 4x4 bits are the easiest to read at
#: the low resolutions of a robot's camera, and 100 ids cover a building's landmarks,
#: badges and elevator panels.
DEFAULT_DICTIONARY = "DICT_4X4_100"

#: Pixels per marker cell in the cached texture; sampling is nearest-neighbour, so the exact
#: value only has to be large enough that no cell is lost when a marker fills the frame.
PIXELS_PER_CELL = 8

#: White quiet zone around the black border, in marker cells (the detector needs contrast
#: outside the border to find the square).
QUIET_CELLS = 1


def dictionary(name: str) -> cv2.aruco.Dictionary:
    """The predefined ArUco dictionary called ``name`` (e.g. ``"DICT_4X4_100"``)."""
    return _dictionary(name)


@lru_cache(maxsize=16)
def _dictionary(name: str) -> cv2.aruco.Dictionary:
    if not name.startswith("DICT_") or not hasattr(cv2.aruco, name):
        raise ValueError(
            f"aruco dictionary: unknown name {name!r}; expected one of cv2.aruco's predefined "
            "dictionaries such as 'DICT_4X4_50' or 'DICT_4X4_100'"
        )
    return cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))


def dictionary_size(name: str) -> int:
    """How many marker ids the dictionary holds."""
    return int(dictionary(name).bytesList.shape[0])


def marker_cells(name: str) -> int:
    """Cells across a marker of this dictionary, black border included (4x4 bits -> 6)."""
    return int(dictionary(name).markerSize) + 2


def texture_cells(name: str) -> int:
    """Cells across a marker texture, quiet zone included."""
    return marker_cells(name) + 2 * QUIET_CELLS


def quiet_scale(name: str) -> float:
    """Texture side over marker side: a marker of size s occupies s * quiet_scale metres."""
    return texture_cells(name) / marker_cells(name)


def marker_texture(name: str, marker_id: int) -> np.ndarray:
    """Grey (uint8, HxW) texture of marker ``marker_id`` with its white quiet border.

    The returned array is shared by the cache and marked read-only.
    """
    return _marker_texture(name, int(marker_id))


@lru_cache(maxsize=1024)
def _marker_texture(name: str, marker_id: int) -> np.ndarray:
    size = dictionary_size(name)
    if not 0 <= marker_id < size:
        raise ValueError(
            f"aruco marker id: {marker_id} is outside dictionary {name} (ids 0..{size - 1})"
        )
    cells = marker_cells(name)
    image = cv2.aruco.generateImageMarker(dictionary(name), marker_id, cells * PIXELS_PER_CELL)
    pad = QUIET_CELLS * PIXELS_PER_CELL
    texture = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    texture.setflags(write=False)
    return texture
