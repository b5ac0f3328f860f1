"""Simulated-office speed: how many simulated seconds run per wall-clock second.

    python bench/sim_speed.py [--hours 16] [--seed 1]

A 16-hour day (from 07:00) of the default office: the robot drives its scripted rounds of every
floor (elevator rides included) and charges in between, people follow their schedules, other
passengers ride the elevators, events arrive; nothing is rendered. Building the world (grids,
configuration space, route graph) is timed apart. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

from render_speed import measure_render_fps  # bench/ is the script's directory

from pepa.building.layout import load_building
from pepa.clock import at
from pepa.sim.tour import TourController
from pepa.sim.world import World


def measure_real_time_factor(hours: float = 16.0, seed: int = 1) -> dict[str, float]:
    building = load_building()
    t0 = time.perf_counter()
    world = World(building, seed=seed, start_time=at(0, 7.0))
    tour = TourController(world)
    t1 = time.perf_counter()
    end = world.now + hours * 3600.0
    seen = 0
    while world.now < end:
        tour.run(min(end, world.now + 60.0))
        # everyone's position once a simulated minute, as a map or the agent would ask
        seen += len(world.people_states())
    t2 = time.perf_counter()
    s = world.summary()
    return {
        "real_time_factor": round(hours * 3600.0 / (t2 - t1), 1),
        "sim_hours": hours,
        "wall_s": round(t2 - t1, 3),
        "setup_s": round(t1 - t0, 3),
        "robot_distance_m": float(s["distance_m"]),  # type: ignore[arg-type]
        "elevator_rides": float(s["elevator_rides"]),  # type: ignore[arg-type]
        "person_positions_sampled": float(seen),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=16.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result: dict[str, float] = {}
    result.update(measure_real_time_factor(args.hours, args.seed))
    result.update(measure_render_fps(seed=args.seed))
    for k, v in result.items():
        print(f"{k:>26}: {v}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
