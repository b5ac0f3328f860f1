"""``pepa sim export-gazebo``: write a building's Gazebo world directory.

The directory holds everything a Gazebo + ROS 2 install needs to run PEPA in that building:
``world.sdf``, ``robot.sdf``, the marker textures and the quad mesh that carries them,
``bridge.yaml`` for ``ros_gz_bridge``, and ``building.yaml``, the description itself, so the
PEPA nodes load the very building the world was made from.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
from pydantic import BaseModel, ConfigDict

from pepa.building.layout import DEFAULT_WORLD, load_building
from pepa.building.markers import marker_texture
from pepa.sim.gazebo.bridge import bridge_yaml
from pepa.sim.gazebo.robot import robot_sdf
from pepa.sim.gazebo.world import MARKER_MESH, marker_texture_path, world_sdf

log = logging.getLogger(__name__)

WORLD_FILE = "world.sdf"
ROBOT_FILE = "robot.sdf"
BRIDGE_FILE = "bridge.yaml"
BUILDING_FILE = "building.yaml"

#: A unit square in the y-z plane facing +x, textured so that a viewer in front of it sees
#: the image upright and unmirrored (OBJ texture coordinates: v grows upwards).
MARKER_QUAD_OBJ = """\
# unit marker quad: faces +x; the texture reads upright from the front
v 0 -0.5 -0.5
v 0 0.5 -0.5
v 0 0.5 0.5
v 0 -0.5 0.5
vt 0 0
vt 1 0
vt 1 1
vt 0 1
vn 1 0 0
f 1/1/1 2/2/1 3/3/1
f 1/1/1 3/3/1 4/4/1
"""


class OutputDirectoryError(ValueError):
    """The output directory holds files already and ``force`` was not given."""


class ExportResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    out: Path
    world: Path
    robot: Path
    bridge: Path
    building: Path
    textures: list[Path]


def export_gazebo(world_file: str | Path | None, out: Path, force: bool = False) -> ExportResult:
    """Export the building ``world_file`` (None: the default office) into ``out``.

    An invalid building raises its own BuildingError before anything is written; a
    non-empty ``out`` is refused unless ``force`` (then the files written here replace
    theirs, and nothing else in the directory is touched).
    """
    source = Path(world_file) if world_file is not None else DEFAULT_WORLD
    building = load_building(source)
    if out.exists() and not out.is_dir():
        raise OutputDirectoryError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputDirectoryError(
            f"--out {out}: directory is not empty; pass --force to write over its files"
        )
    world, markers = world_sdf(building)
    out.mkdir(parents=True, exist_ok=True)
    textures = []
    for marker_id in sorted(markers):
        path = out / marker_texture_path(building.aruco_dictionary, marker_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), marker_texture(building.aruco_dictionary, marker_id)):
            raise OSError(f"could not write the marker texture {path}")
        textures.append(path)
    mesh = out / MARKER_MESH
    mesh.parent.mkdir(parents=True, exist_ok=True)
    mesh.write_text(MARKER_QUAD_OBJ, encoding="utf-8")
    result = ExportResult(
        out=out,
        world=out / WORLD_FILE,
        robot=out / ROBOT_FILE,
        bridge=out / BRIDGE_FILE,
        building=out / BUILDING_FILE,
        textures=textures,
    )
    result.world.write_text(world, encoding="utf-8")
    result.robot.write_text(robot_sdf(), encoding="utf-8")
    result.bridge.write_text(bridge_yaml(building), encoding="utf-8")
    result.building.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    log.info(
        "exported %r to %s: %d floors, %d elevators, %d marker textures",
        building.name,
        out,
        len(building.floors),
        len(building.elevators),
        len(textures),
    )
    return result
