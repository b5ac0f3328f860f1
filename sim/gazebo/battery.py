"""PEPA's battery model (:mod:`pepa.sim.battery`) run on the robot's odometry in Gazebo.

Gazebo's own battery plugin knows neither PEPA's load model (idle, sensing, motion, the
stairs' extra effort) nor its dock, so the battery node integrates the same model the
simulated office does: between two odometry samples the robot draws the load of the
earlier sample's speeds, or charges when it stands on the dock.
"""

from __future__ import annotations

import math

from pepa.building.layout import Building
from pepa.sim.battery import Battery, BatteryConfig, on_charger
from pepa.sim.gazebo.pose import level_at_height, stairs_energy_factor

#: Below these speeds the robot counts as standing still (odometry is never exactly zero).
STILL_MPS = 0.01
STILL_RADPS = 0.02
#: A gap in odometry longer than this is not integrated (a paused simulation, a restart).
MAX_GAP_S = 5.0


class OdometryBattery:
    """The battery, advanced by odometry samples (time, pose, speeds)."""

    def __init__(self, building: Building, config: BatteryConfig | None = None) -> None:
        self.building = building
        self.battery = Battery(config)
        dock = building.spec.dock
        self.dock_xy = (dock.x, dock.y)
        self.dock_level = building.room(dock.room).floor
        self.charging = False
        self._last: tuple[float, float] | None = None  # (time, load W) of the previous sample

    def update(self, t: float, x: float, y: float, z: float, v: float, w: float) -> None:
        """Integrate up to ``t`` at the previous sample's load; this sample sets the next."""
        moving = abs(v) > STILL_MPS or abs(w) > STILL_RADPS
        docked = level_at_height(self.building, z) == self.dock_level
        charging = docked and on_charger(self.dock_xy, x, y, moving)
        if self._last is not None:
            t0, load = self._last
            dt = t - t0
            if 0 < dt <= MAX_GAP_S and math.isfinite(dt):
                if self.charging:
                    self.battery.charge(dt, load)
                else:
                    self.battery.drain(load, dt)
        factor = stairs_energy_factor(self.building, x, y, z)
        self._last = (t, self.battery.load_w(v, w, factor))
        self.charging = charging

    @property
    def soc(self) -> float:
        return self.battery.soc
