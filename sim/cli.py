"""``pepa sim``: describe the building, or run the office alone with the robot on its tour."""

from __future__ import annotations

import argparse
import json
import logging
import math
from pathlib import Path

from pydantic import ValidationError

from pepa.building.layout import load_building
from pepa.clock import at, format_time
from pepa.sim.generator import Shape, generate_building, write_building
from pepa.sim.tour import TourConfig, TourController
from pepa.sim.world import World

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sim",
        help="the simulated multi-floor office",
        description="Describe the simulated office or run it with the robot on a scripted tour.",
    )
    p.add_argument("--world", metavar="FILE", help="building file (default: the office)")
    p.add_argument("--describe", action="store_true", help="print the building's counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--hours", type=float, default=1.0, help="simulated hours to run")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--start-hour", type=float, default=7.5, help="hour of day 0 to start at")
    p.add_argument("--render", metavar="DIR", help="save first-person frames and floor maps")
    p.add_argument("--render-every", type=float, default=60.0, help="seconds between saved frames")
    p.set_defaults(func=run)
    commands = p.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    g = commands.add_parser(
        "generate",
        help="write a random but valid building file",
        description="Write a random building (wings, corridors both ways, elevators, stairs, "
        "landmarks, people, forbidden zones, the dock); the same seed gives the same file.",
    )
    g.add_argument("--seed", type=int, required=True, help="random seed")
    g.add_argument("--floors", type=int, default=3, help="levels from the ground up (default 3)")
    g.add_argument("--basements", type=int, default=0, help="levels below ground (default 0)")
    g.add_argument("--shape", choices=[s.value for s in Shape], help="footprint (default: drawn)")
    g.add_argument("--people", type=int, help="number of people (default: from the offices)")
    g.add_argument("--stairwells", type=int, help="1-3 (default: drawn)")
    g.add_argument("--elevators", type=int, help="0-4 (default: drawn)")
    g.add_argument("--out", metavar="FILE", required=True, help="where to write the YAML")
    g.set_defaults(func=run_generate)
    gz = commands.add_parser(
        "export-gazebo",
        help="write a building's Gazebo world, robot model and ros_gz_bridge configuration",
        description="Export a building as a Gazebo (SDFormat 1.9) world directory.",
    )
    gz.add_argument("--world", metavar="FILE", help="building file (default: the office)")
    gz.add_argument("--out", metavar="DIR", required=True, help="output directory")
    gz.add_argument("--force", action="store_true", help="write into a non-empty directory")
    gz.set_defaults(func=export_gazebo)


def describe(world_file: str | None) -> dict[str, object]:
    b = load_building(world_file)
    return {
        "name": b.name,
        "floors": len(b.floors),
        "rooms": len(b.rooms),
        "elevators": len(b.elevators),
        "stairs": len(b.stairs),
        "landmarks": len(b.landmarks),
        "people": len(b.people),
        "doors": len(b.doors),
        "forbidden_zones": len(b.forbidden_zones),
        "aruco_dictionary": b.aruco_dictionary,
    }


def export_gazebo(args: argparse.Namespace) -> int:
    from pepa.sim.gazebo.export import export_gazebo as export

    result = export(args.world, Path(args.out), force=args.force)
    print(f"Gazebo world of {len(result.textures)} markers written to {result.out}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    options = {
        k: getattr(args, k)
        for k in ("people", "stairwells", "elevators")
        if getattr(args, k) is not None
    }
    try:
        data = generate_building(
            args.seed, floors=args.floors, basements=args.basements, shape=args.shape, **options
        )
    except ValidationError as exc:
        problems = "; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors() if e["loc"])
        raise ValueError(f"cannot generate a building: {problems}") from None
    path = write_building(data, args.out)
    b = load_building(path)
    print(
        f"wrote {path}: {b.name}, levels {min(b.floor_levels)}..{max(b.floor_levels)}, "
        f"{len(b.rooms)} rooms, {len(b.elevators)} elevators, {len(b.stairs)} stairwells, "
        f"{len(b.landmarks)} landmarks, {len(b.people)} people, {b.aruco_dictionary}"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.describe:
        counts = describe(args.world)
        if args.json:
            print(json.dumps(counts))
        else:
            for k, v in counts.items():
                print(f"{k:>16}: {v}")
        return 0
    if not (math.isfinite(args.hours) and args.hours > 0):
        raise ValueError(f"--hours must be a positive number, got {args.hours}")
    building = load_building(args.world)
    world = World(building, seed=args.seed, start_time=at(0, args.start_hour))
    tour = TourController(world, TourConfig())
    end = world.now + args.hours * 3600.0
    if args.render:
        _run_rendering(world, tour, end, Path(args.render), args.render_every)
    else:
        tour.run(end)
    summary = world.summary()
    summary.update(
        {
            "hours": args.hours,
            "seed": args.seed,
            "end": format_time(world.now),
            "tour_rounds": tour.rounds,
            "targets_reached": tour.targets_reached,
            "targets_skipped": tour.targets_skipped,
        }
    )
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:>20}: {v}")
    return 0


def _run_rendering(
    world: World, tour: TourController, end: float, out: Path, every_s: float
) -> None:
    """Run the tour, saving a camera frame and the robot's floor map every ``every_s`` seconds,
    and every floor's map at the end."""
    from pepa.sim.camera import Renderer
    from pepa.sim.camera_adapter import CameraScenes
    from pepa.sim.floor_map import draw_floor_map, save_floor_map

    if not (math.isfinite(every_s) and every_s > 0):
        raise ValueError(f"--render-every must be a positive number of seconds, got {every_s}")
    scenes = CameraScenes(world.building)
    renderer = Renderer()
    n = 0
    t = world.now
    while t < end:
        t = min(end, t + every_s)
        tour.run(t)
        r = world.robot
        frame = renderer.render(scenes.scene(r.floor, world), r.x, r.y, r.theta)
        save_floor_map(out / f"frame_{n:05d}.png", frame.image)
        save_floor_map(
            out / f"map_{n:05d}_floor{r.floor}.png",
            draw_floor_map(world.building, r.floor, world),
        )
        n += 1
    for level in world.building.floor_levels:
        save_floor_map(out / f"floor_{level}.png", draw_floor_map(world.building, level, world))
    log.info("saved %d frames and floor maps to %s", n, out)
