"""The robot base: a velocity-commanded unicycle that collides, climbs stairs and has odometry.

Commands are what ``/cmd_vel`` would carry (m/s, rad/s). NaN or infinite commands are
rejected with an error; commands beyond the limits are clamped and counted. Motion is
integrated in sub-steps of at most ``max_substep_m`` so the robot never tunnels through a wall;
a blocked sub-step stops the robot where it was and counts a collision.

Stairs: a stairwell has an *up* flight leaving each floor, a mid landing and a *down* flight
arriving from the floor below (the same footprint on every floor). While on a flight the robot
is between floors: ``stair_base`` is the floor the flight pair starts from, ``z`` the height in
storeys, and collision is checked on the grid of the floor that owns the cell (the up flight
belongs to ``stair_base``, the down flight to ``stair_base + 1``). Stairs limit the speed and
multiply the energy drawn.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.building.layout import Building, StairsSpec

Region = Literal["floor", "up", "down", "mid"]


class RobotConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    radius_m: float = Field(default=0.3, gt=0)
    max_v: float = Field(default=1.0, gt=0)
    max_reverse_v: float = Field(default=0.3, ge=0)
    max_w: float = Field(default=1.5, gt=0)
    max_substep_m: float = Field(default=0.1, gt=0)  # <= grid cell: no tunnelling
    odom_noise_v: float = Field(default=0.02, ge=0)  # relative, per metre travelled
    odom_noise_w: float = Field(default=0.02, ge=0)  # relative, per radian turned
    odom_drift_w: float = Field(default=0.001, ge=0)  # rad per metre


class CommandError(ValueError):
    """A velocity command that cannot be executed (NaN, infinite)."""


class RobotBase:
    """Pose in the building, the last command, odometry and counters."""

    def __init__(
        self,
        building: Building,
        config: RobotConfig | None = None,
        seed: int = 0,
        x: float = 0.0,
        y: float = 0.0,
        theta: float = 0.0,
        floor: int = 0,
    ) -> None:
        self.building = building
        self.config = config or RobotConfig()
        self.x, self.y, self.theta = x, y, theta
        self.floor = floor
        self.z = float(floor)
        self.stair_base: int | None = None
        self.region: Region = "floor"
        self.stairs: StairsSpec | None = None
        self.v = 0.0
        self.w = 0.0
        self.odom_x, self.odom_y, self.odom_theta = x, y, theta
        self._rng = random.Random(seed)
        self.clamped_commands = 0
        self.rejected_commands = 0
        self.collisions = 0
        self.collided = False
        self.distance_m = 0.0
        self.stairs_distance_m = 0.0
        self.stopped = False  # battery empty: ignores commands
        # every flight and landing as (x0, y0, x1, y1, region, stairs), in the order
        # _region_of tries them: it runs for every substep of motion
        self._stair_rects: list[tuple[float, float, float, float, Region, StairsSpec]] = [
            (*rect, name, s)  # type: ignore[misc]
            for s in building.stairs
            for name, rect in (
                ("up", s.up_flight),
                ("down", s.down_flight),
                ("mid", s.mid_landing),
            )
        ]

    # --- commands --------------------------------------------------------------------------

    def set_cmd_vel(self, v: float, w: float) -> None:
        if not (math.isfinite(v) and math.isfinite(w)):
            self.rejected_commands += 1
            raise CommandError(f"cmd_vel rejected: v={v!r}, w={w!r} (must be finite numbers)")
        c = self.config
        cv = min(c.max_v, max(-c.max_reverse_v, v))
        cw = min(c.max_w, max(-c.max_w, w))
        if cv != v or cw != w:
            self.clamped_commands += 1
        self.v, self.w = (0.0, 0.0) if self.stopped else (cv, cw)

    def stop(self) -> None:
        self.v = self.w = 0.0

    @property
    def moving(self) -> bool:
        return self.v != 0.0 or self.w != 0.0

    @property
    def on_stairs(self) -> bool:
        return self.region != "floor"

    @property
    def speed_limit(self) -> float:
        return self.stairs.speed_limit_mps if self.on_stairs and self.stairs else self.config.max_v

    @property
    def energy_factor(self) -> float:
        return self.stairs.energy_factor if self.on_stairs and self.stairs else 1.0

    # --- stairs geometry ------------------------------------------------------------------

    def _region_of(self, x: float, y: float) -> tuple[Region, StairsSpec | None]:
        for x0, y0, x1, y1, name, s in self._stair_rects:
            if x0 <= x <= x1 and y0 <= y <= y1:
                return name, s
        return "floor", None

    def _resolve(self, x: float, y: float) -> tuple[Region, StairsSpec | None, int, int | None]:
        """Region, stairs, grid floor and stair base the robot would have at (x, y)."""
        region, stairs = self._region_of(x, y)
        base = self.stair_base
        if base is None and stairs is not None and self.floor not in stairs.floors:
            # the same footprint on a level this stairwell does not serve is an ordinary room
            region, stairs = "floor", None
        if region == "floor":
            if self.region in ("floor", "mid"):
                return "floor", None, (self.floor if base is None else base), None
            if base is None:
                return "floor", None, self.floor, None
            return "floor", None, base if self.region == "up" else base + 1, None
        if base is None:
            if region == "up":
                base = self.floor
            elif region == "down":
                base = self.floor - 1
            else:
                base = self.floor
        if region == "down":
            return region, stairs, base + 1, base
        return region, stairs, base, base

    # --- motion ---------------------------------------------------------------------------

    def integrate(
        self, dt: float, free: Callable[[int, float, float], bool]
    ) -> tuple[float, float]:
        """Move for ``dt`` seconds; ``free(floor, x, y)`` says whether the centre may stand there.

        Returns (distance travelled, seconds of that spent on stairs).
        """
        self.collided = False
        v, w = self.v, self.w
        if dt <= 0 or (v == 0.0 and w == 0.0):
            return 0.0, 0.0
        limit = self.speed_limit
        if abs(v) > limit:
            v = math.copysign(limit, v)
        n = max(1, math.ceil(abs(v) * dt / self.config.max_substep_m))
        h = dt / n
        travelled = 0.0
        stairs_time = 0.0
        for _ in range(n):
            th = self.theta + 0.5 * w * h
            nx = self.x + v * h * math.cos(th)
            ny = self.y + v * h * math.sin(th)
            if v != 0.0:
                region, stairs, gfloor, base = self._resolve(nx, ny)
                ok = free(gfloor, nx, ny)
                if not ok and region == "mid" and base is not None:
                    # the mid landing joins two floors' flights: either floor's grid may hold it
                    ok = free(base + 1, nx, ny)
                if not ok:
                    self.collided = True
                    self.collisions += 1
                    self.v = 0.0
                    v = 0.0
                    self.theta = _wrap(self.theta + w * h)
                    continue
                self.x, self.y = nx, ny
                self.region, self.stairs, self.floor, self.stair_base = (
                    region,
                    stairs,
                    gfloor,
                    base,
                )
                if region != "floor":
                    limit = stairs.speed_limit_mps if stairs else limit
                    if abs(v) > limit:
                        v = math.copysign(limit, v)
                    stairs_time += h
                    self.stairs_distance_m += abs(v) * h
                self.z = self._height()
            self.theta = _wrap(self.theta + w * h)
            travelled += abs(v) * h
        self.distance_m += travelled
        self._odometry(travelled * (1 if v >= 0 else -1), w * dt)
        return travelled, stairs_time

    def _height(self) -> float:
        if self.region == "floor" or self.stairs is None or self.stair_base is None:
            return float(self.floor)
        if self.region == "up":
            return self.stair_base + self.stairs.lift(self.x, "up")
        if self.region == "down":
            return self.stair_base + 1.0 - self.stairs.lift(self.x, "down")
        return self.stair_base + 0.5

    def _odometry(self, ds: float, dth: float) -> None:
        c = self.config
        rng = self._rng
        if ds == 0.0 and dth == 0.0:
            return
        n_ds = ds * (1.0 + rng.gauss(0.0, c.odom_noise_v)) if c.odom_noise_v else ds
        # relative turn noise and a drift proportional to the distance, in one draw
        sd = math.hypot(c.odom_noise_w * dth, c.odom_drift_w * ds)
        n_dth = dth + rng.gauss(0.0, sd) if sd > 0 else dth
        mid = self.odom_theta + 0.5 * n_dth
        self.odom_x += n_ds * math.cos(mid)
        self.odom_y += n_ds * math.sin(mid)
        self.odom_theta = _wrap(self.odom_theta + n_dth)

    def carry(self, floor: int) -> None:
        """Move with an elevator car to ``floor`` (the robot stands still inside the car)."""
        self.floor = floor
        self.z = float(floor)


def _wrap(a: float) -> float:
    return (a + math.pi) % (2.0 * math.pi) - math.pi
