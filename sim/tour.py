"""A scripted controller: rounds of every floor by velocity commands, then back to the dock.

It drives only through the world's controller interface (``set_cmd_vel``, elevator calls and
buttons, the robot state), following routed legs with pure pursuit: so a round exercises
collision, elevators (call, wait, board, choose a floor, leave), stairs when an elevator is out
of service, blocked corridors (replan) and charging. Between rounds it rests on the dock and
the world skips ahead.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pepa.building.routing import DriveLeg, ElevatorLeg, NoRouteError, StairsLeg
from pepa.sim.world import World

log = logging.getLogger(__name__)


class TourConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    control_dt: float = Field(default=0.1, gt=0)
    cruise_mps: float = Field(default=0.9, gt=0)
    lookahead_m: float = Field(default=0.7, gt=0)
    goal_tolerance_m: float = Field(default=0.25, gt=0)
    period_s: float = Field(default=3600.0, gt=0)  # a round starts every period
    first_hour: float = 8.0
    last_hour: float = 18.0
    targets_per_floor: int = Field(default=2, ge=1)
    recharge_below: float = Field(default=0.35, ge=0, le=1)


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


class TourController:
    """Call :meth:`run` to drive the world until a time."""

    def __init__(self, world: World, config: TourConfig | None = None) -> None:
        self.world = world
        self.config = config or TourConfig()
        self.targets: deque[str] = deque()
        self.legs: deque[Any] = deque()
        self.mode = "rest"
        self.rounds = 0
        self.targets_reached = 0
        self.targets_skipped = 0
        self.replans = 0
        self._path: list[tuple[float, float]] = []
        self._seg = 0
        self._elev_phase = ""
        self._stuck_since: float | None = None
        self._last_progress = (0.0, 0.0, 0.0)
        self._failures = 0
        self._round_index = 0
        self.next_round = self._next_round_time(world.now)

    # --- planning -------------------------------------------------------------------------

    def _next_round_time(self, t: float) -> float:
        c = self.config
        day = int(t // 86_400)
        for d in (day, day + 1, day + 2):
            h = c.first_hour
            while h <= c.last_hour:
                cand = d * 86_400 + h * 3600
                if cand > t:
                    return cand
                h += c.period_s / 3600
        return t + c.period_s

    def _plan_round(self) -> None:
        b = self.world.building
        floors = b.floor_levels
        here = self.world.robot.floor
        order = sorted(floors, key=lambda f: (f - here - 1) % len(floors))
        targets: list[str] = []
        k = self._round_index
        for f in order:
            cands = [lm.id for lm in b.landmarks if lm.floor == f]
            cands += [
                r.id
                for r in b.rooms_on(f)
                if r.kind not in ("corridor", "stairwell")
                and not any(z.room == r.id for z in b.forbidden_zones)
            ]
            for j in range(self.config.targets_per_floor):
                targets.append(cands[(k * 3 + j * 5) % len(cands)])
        targets.append("dock")
        self._round_index += 1
        self.targets = deque(targets)
        self.rounds += 1

    def _route_next(self) -> bool:
        w = self.world
        while self.targets:
            target = self.targets[0]
            r = w.robot
            try:
                route = w.router.route((r.floor, r.x, r.y), target)
            except NoRouteError as exc:
                log.info("no route to %s: %s", target, exc)
                self.targets.popleft()
                self.targets_skipped += 1
                continue
            self.legs = deque(route.legs)
            self._start_leg()
            return True
        return False

    def _start_leg(self) -> None:
        if not self.legs:
            self.mode = "arrived"
            return
        leg = self.legs[0]
        if isinstance(leg, DriveLeg | StairsLeg):
            self._follow(list(leg.points))
            self.mode = "drive"
        else:
            self.mode = "elevator"
            self._elev_phase = "call"

    def _follow(self, pts: list[tuple[float, float]]) -> None:
        self._path = pts
        self._seg = 0
        r = self.world.robot
        self._last_progress = (self.world.now, r.x, r.y)

    # --- control --------------------------------------------------------------------------

    def _pursue(self, final_speed: float = 0.0) -> bool:
        """One pure-pursuit command along the path; True when the end is reached."""
        w = self.world
        r = w.robot
        c = self.config
        pts = self._path
        end = pts[-1]
        last = self._seg >= len(pts) - 2
        if last and math.hypot(end[0] - r.x, end[1] - r.y) < c.goal_tolerance_m:
            w.set_cmd_vel(0.0, 0.0)
            return True
        # advance along the path: the lookahead point is the first one beyond the lookahead
        while (
            self._seg < len(pts) - 2
            and math.hypot(pts[self._seg + 1][0] - r.x, pts[self._seg + 1][1] - r.y)
            < c.lookahead_m
        ):
            self._seg += 1
        ax, ay = pts[self._seg]
        bx, by = pts[self._seg + 1] if self._seg + 1 < len(pts) else pts[self._seg]
        # project onto the segment and look ahead along it
        sx, sy = bx - ax, by - ay
        seg_len = math.hypot(sx, sy) or 1e-9
        u = max(0.0, min(1.0, ((r.x - ax) * sx + (r.y - ay) * sy) / seg_len**2))
        along = u * seg_len + c.lookahead_m
        if along <= seg_len:
            tx, ty = ax + sx * along / seg_len, ay + sy * along / seg_len
        else:
            tx, ty = bx, by
        err = _wrap(math.atan2(ty - r.y, tx - r.x) - r.theta)
        dist_end = math.hypot(end[0] - r.x, end[1] - r.y)
        v = c.cruise_mps * max(0.0, math.cos(err)) ** 2
        if abs(err) > 0.8:
            v = 0.0
        if self._seg >= len(pts) - 2:
            v = min(v, max(0.15, dist_end * 0.8), max(final_speed, 0.15) + dist_end)
        w.set_cmd_vel(v, max(-1.5, min(1.5, 2.5 * err)))
        return False

    def _check_stuck(self) -> bool:
        w = self.world
        r = w.robot
        t0, x0, y0 = self._last_progress
        if math.hypot(r.x - x0, r.y - y0) > 0.3:
            self._last_progress = (w.now, r.x, r.y)
            return False
        return w.now - t0 > 20.0

    def update(self) -> float | None:
        """Decide the next command; returns how long to wait (None: until the world changes)."""
        w = self.world
        c = self.config
        r = w.robot
        if r.stopped:
            w.set_cmd_vel(0.0, 0.0)
            return 600.0
        if self.mode == "rest":
            if w.now >= self.next_round:
                if w.battery.soc < c.recharge_below:
                    self.next_round = self._next_round_time(w.now)
                    return max(1.0, self.next_round - w.now)
                self._plan_round()
                self.mode = "plan"
            else:
                w.set_cmd_vel(0.0, 0.0)
                return self.next_round - w.now
        if self.mode in ("plan", "arrived"):
            if self.mode == "arrived" and self.targets:
                self.targets.popleft()
                self.targets_reached += 1
            if not self.targets or not self._route_next():
                self.mode = "dock"
                self._dock_phase = "turn"
                return c.control_dt
            return c.control_dt
        if self.mode == "drive":
            if self._pursue():
                self.legs.popleft()
                self._start_leg()
            elif self._check_stuck():
                return self._replan()
            return c.control_dt
        if self.mode == "elevator":
            return self._elevator_step()
        if self.mode == "dock":
            dock = w.building.dock
            err = _wrap(dock.theta_rad - r.theta)
            if abs(err) > 0.05:
                w.set_cmd_vel(0.0, max(-1.0, min(1.0, 2.0 * err)))
                return c.control_dt
            w.set_cmd_vel(0.0, 0.0)
            self.mode = "rest"
            self.next_round = self._next_round_time(w.now)
            return 0.0
        return c.control_dt

    def _replan(self) -> float:
        self.replans += 1
        self._failures += 1
        w = self.world
        w.set_cmd_vel(0.0, 0.0)
        if self._failures > 3 and self.targets:
            self.targets.popleft()
            self.targets_skipped += 1
            self._failures = 0
        self.mode = "plan"
        return self.config.control_dt

    def _elevator_step(self) -> float | None:
        w = self.world
        c = self.config
        leg: ElevatorLeg = self.legs[0]
        st = w.elevator_status(leg.elevator_id)
        r = w.robot
        if self._elev_phase == "call":
            w.set_cmd_vel(0.0, 0.0)
            if st.out_of_service:
                w.router.set_elevator_available(leg.elevator_id, False)
                return self._replan()
            if st.doors_open and st.floor == leg.from_floor:
                if st.load + 2 > st.capacity:
                    return None
                self._elev_phase = "enter"
                self._follow([(r.x, r.y), leg.car])
                return c.control_dt
            w.call_elevator(leg.elevator_id, leg.from_floor)
            self._elev_phase = "wait"
            return None
        if self._elev_phase == "wait":
            w.set_cmd_vel(0.0, 0.0)
            if st.out_of_service:
                w.router.set_elevator_available(leg.elevator_id, False)
                return self._replan()
            if st.doors_open and st.floor == leg.from_floor:
                self._elev_phase = "call"
                return 0.0
            if leg.from_floor not in st.hall_calls and st.floor != leg.from_floor:
                self._elev_phase = "call"  # the call was served while we could not board
            return None
        if self._elev_phase == "enter":
            if (
                w.aboard == leg.elevator_id
                and math.hypot(r.x - leg.car[0], r.y - leg.car[1]) < 0.4
            ):
                w.set_cmd_vel(0.0, 0.0)
                w.press_elevator_button(leg.elevator_id, leg.to_floor)
                self._elev_phase = "ride"
                return None
            if not st.doors_open and w.aboard != leg.elevator_id:
                w.set_cmd_vel(0.0, 0.0)
                self._follow([(r.x, r.y), leg.hall])
                self._elev_phase = "back"
                return c.control_dt
            self._pursue()
            return c.control_dt
        if self._elev_phase == "back":
            if self._pursue():
                self._elev_phase = "call"
            return c.control_dt
        if self._elev_phase == "ride":
            w.set_cmd_vel(0.0, 0.0)
            if st.floor == leg.to_floor and st.doors_open:
                self._elev_phase = "exit"
                self._follow([(r.x, r.y), leg.hall])
                return c.control_dt
            if leg.to_floor not in st.car_calls and st.floor != leg.to_floor and st.doors_open:
                w.press_elevator_button(leg.elevator_id, leg.to_floor)
            return None
        if self._elev_phase == "exit":
            if self._pursue():
                self.legs.popleft()
                self._failures = 0
                self._start_leg()
            elif w.aboard == leg.elevator_id and not st.doors_open:
                w.set_cmd_vel(0.0, 0.0)
                w.press_elevator_button(leg.elevator_id, leg.to_floor)
                self._elev_phase = "ride"
                return None
            return c.control_dt
        return c.control_dt

    # --- running --------------------------------------------------------------------------

    def run(self, until: float) -> None:
        """Drive the world until simulated time ``until``."""
        w = self.world
        c = self.config
        while w.now < until - 1e-9:
            wait = self.update()
            if w.robot.moving:
                w.step(min(c.control_dt, until - w.now))
            else:
                nxt = w.next_change_time()
                target = w.now + (wait if wait is not None else math.inf)
                if nxt is not None:
                    target = min(target, nxt)
                target = min(max(target, w.now + 1e-3), until)
                if target - w.now < c.control_dt:
                    w.step(target - w.now)
                else:
                    w.skip(target)
