"""Camera render speed: first-person frames per second along the robot's office tour.

    python bench/render_speed.py [--frames 400] [--seed 1]

Poses and scenes (people, elevator doors) are recorded first from the scripted tour of the
default office; then only rendering is timed, at 320x240 and at the camera's default size.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.camera import CameraConfig, Renderer
from pepa.sim.camera_adapter import scene_for
from pepa.sim.camera_scene import Scene
from pepa.sim.tour import TourController
from pepa.sim.world import World


def _tour_views(frames: int, seed: int) -> list[tuple[Scene, float, float, float]]:
    world = World(load_building(), seed=seed, start_time=at(0, 8.0))
    tour = TourController(world)
    views: list[tuple[Scene, float, float, float]] = []
    end = world.now + 8 * 3600.0
    while len(views) < frames and world.now < end:
        tour.run(world.now + 1.0)
        if world.robot.moving:
            s = world.robot_state()
            views.append((scene_for(world), s.x, s.y, s.theta))
    return views


def _fps(views: list[tuple[Scene, float, float, float]], config: CameraConfig) -> dict[str, float]:
    renderer = Renderer(config)
    for scene, x, y, yaw in views[:10]:  # warm the texture caches
        renderer.render(scene, x, y, yaw)
    times = []
    start = time.perf_counter()
    for scene, x, y, yaw in views:
        t = time.perf_counter()
        renderer.render(scene, x, y, yaw)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    arr = np.asarray(times)
    return {
        "fps": round(len(views) / total, 1),
        "fps_median_frame": round(1.0 / float(np.median(arr)), 1),
        "fps_fastest_tenth": round(1.0 / float(np.percentile(arr, 10)), 1),
    }


def measure_render_fps(frames: int = 400, seed: int = 1) -> dict[str, float]:
    """Render speed at 320x240 (``render_fps``) and at the default camera size."""
    views = _tour_views(frames, seed)
    small = _fps(views, CameraConfig(width=320, height=240))
    default = CameraConfig()
    large = _fps(views, default)
    size = f"{default.width}x{default.height}"
    return {
        "render_fps": small["fps"],
        "render_fps_median_frame": small["fps_median_frame"],
        "render_fps_fastest_tenth": small["fps_fastest_tenth"],
        f"render_fps_{size}": large["fps"],
        "render_frames": float(len(views)),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = measure_render_fps(args.frames, args.seed)
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
