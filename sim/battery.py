"""The robot's battery: energy drawn by motion, idling and sensing; charged at the dock.

Power is constant between control updates, so a long idle or charging stretch is integrated
in one call instead of step by step (the world skips ahead while nothing moves). Charging is
constant-current up to ``taper_from`` and then tapers linearly, as a Li-ion pack does.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

#: The robot charges while it stands still within this distance of the dock's centre.
DOCK_REACH_M = 0.25


class BatteryConfig(BaseModel):
    """Defaults are close to a quadruped's ~430 Wh pack."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    capacity_wh: float = Field(default=430.0, gt=0)
    initial_soc: float = Field(default=1.0, ge=0.0, le=1.0)
    idle_w: float = Field(default=20.0, ge=0)
    sensing_w: float = Field(default=15.0, ge=0)
    motion_w_per_mps: float = Field(default=90.0, ge=0)
    turn_w_per_radps: float = Field(default=15.0, ge=0)
    charge_w: float = Field(default=180.0, gt=0)
    taper_from: float = Field(default=0.8, gt=0.0, le=1.0)
    taper_min_fraction: float = Field(default=0.1, gt=0.0, le=1.0)


class Battery:
    """State of charge in watt-hours; never below zero or above capacity."""

    def __init__(self, config: BatteryConfig | None = None) -> None:
        self.config = config or BatteryConfig()
        self.energy_wh = self.config.capacity_wh * self.config.initial_soc
        self.drawn_wh = 0.0
        self.charged_wh = 0.0
        self.sensing = True

    @property
    def soc(self) -> float:
        """State of charge, 0..1."""
        return self.energy_wh / self.config.capacity_wh

    @property
    def empty(self) -> bool:
        return self.energy_wh <= 0.0

    def load_w(self, v: float, w: float, factor: float = 1.0) -> float:
        """Electrical load at speeds ``v`` (m/s) and ``w`` (rad/s); ``factor`` for stairs."""
        c = self.config
        motion = (c.motion_w_per_mps * abs(v) + c.turn_w_per_radps * abs(w)) * factor
        return c.idle_w + (c.sensing_w if self.sensing else 0.0) + motion

    def drain(self, watts: float, seconds: float) -> float:
        """Draw ``watts`` for ``seconds``; returns the seconds until empty (<= ``seconds``)."""
        if seconds <= 0 or watts <= 0:
            return max(0.0, seconds)
        need = watts * seconds / 3600.0
        if need >= self.energy_wh:
            lasted = self.energy_wh * 3600.0 / watts
            self.drawn_wh += self.energy_wh
            self.energy_wh = 0.0
            return lasted
        self.energy_wh -= need
        self.drawn_wh += need
        return seconds

    def charge_power_w(self) -> float:
        """Charger power at the present state of charge (tapering near full)."""
        c = self.config
        soc = self.soc
        if soc >= 1.0:
            return 0.0
        if soc <= c.taper_from:
            return c.charge_w
        frac = (1.0 - soc) / (1.0 - c.taper_from)
        return c.charge_w * max(c.taper_min_fraction, frac)

    def charge(self, seconds: float, load_w: float) -> None:
        """Sit on the charger for ``seconds`` while the robot draws ``load_w``."""
        left = seconds
        while left > 1e-9:
            step = min(left, 30.0)
            # the charger feeds the load first; the battery takes what the BMS allows
            net = min(self.charge_power_w(), self.config.charge_w - load_w)
            if net >= 0:
                gained = min(net * step / 3600.0, self.config.capacity_wh - self.energy_wh)
                self.energy_wh += gained
                self.charged_wh += gained
            else:
                self.drain(-net, step)
            left -= step

    def seconds_to_empty(self, watts: float) -> float:
        return float("inf") if watts <= 0 else self.energy_wh * 3600.0 / watts


def on_charger(dock_xy: tuple[float, float], x: float, y: float, moving: bool) -> bool:
    """Whether a robot at (x, y) on the dock's floor charges: still, and on the dock."""
    return not moving and math.hypot(x - dock_xy[0], y - dock_xy[1]) <= DOCK_REACH_M
