"""Where the robot stands in the building, from its pose in Gazebo's world frame (which is
the building's frame: x, y in metres as in the description, z the height of its base)."""

from __future__ import annotations

from pepa.building.layout import Building

#: A pose this far above a floor's slab still counts as on that floor (the body's origin is
#: at the floor; a car's plate and odometry noise lift it a little).
FLOOR_TOLERANCE_M = 0.5


def level_at_height(building: Building, z: float) -> int | None:
    """The highest floor whose slab is at or below ``z`` (None: below the lowest floor)."""
    below = [f for f in building.floors if f.elevation_m <= z + FLOOR_TOLERANCE_M]
    return max(below, key=lambda f: f.elevation_m).level if below else None


def stairs_energy_factor(building: Building, x: float, y: float, z: float) -> float:
    """The energy factor of the flight under the robot, 1 when it is not on a flight."""
    level = level_at_height(building, z)
    for s in building.stairs:
        if level not in s.floors:
            continue
        for x0, y0, x1, y1 in (s.up_flight, s.down_flight):
            if x0 <= x <= x1 and y0 <= y <= y1:
                return s.energy_factor
    return 1.0
