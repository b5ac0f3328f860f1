"""The skill that drives one same-floor leg through a navigation backend (Nav2), and the choice
between it and Sys1's own path following (see :mod:`pepa.agent.sys1.navigation_backend`)."""

from __future__ import annotations

import math

from pepa.agent.sys1.context import SkillContext
from pepa.agent.sys1.navigation_backend import DriveHandle, DriveState, NavigationBackend
from pepa.agent.sys1.skills.base import Outcome, Script, Skill
from pepa.agent.sys1.skills.motion import FollowPath
from pepa.messages import SkillCall

Point = tuple[float, float]


def goal_of(points: list[Point], stop_short_m: float | None) -> tuple[float, float, float]:
    """The leg's goal pose: its end (``stop_short_m`` back along the last segment when given),
    facing along the last segment."""
    (ax, ay), (bx, by) = (points[-2], points[-1]) if len(points) > 1 else (points[0], points[0])
    heading = math.atan2(by - ay, bx - ax) if (ax, ay) != (bx, by) else 0.0
    back = min(stop_short_m or 0.0, math.hypot(bx - ax, by - ay))
    return bx - back * math.cos(heading), by - back * math.sin(heading), heading


class BackendDrive(Skill):
    """Drive to the end of ``points`` through ``backend``; see the module docstring."""

    name = "backend_drive"

    def __init__(
        self,
        ctx: SkillContext,
        backend: NavigationBackend,
        points: list[Point],
        *,
        stop_short_m: float | None = None,
    ) -> None:
        super().__init__(ctx, SkillCall(skill="backend_drive", args={"backend": backend.name}))
        if not points:
            raise ValueError("backend_drive: a leg needs at least one point")
        self.backend = backend
        self.goal = goal_of(points, stop_short_m)
        self.handle: DriveHandle | None = None
        self._initial_m: float | None = None

    def script(self) -> Script:
        ctx = self.ctx
        self.handle = self.backend.drive_to(ctx.pose.floor, *self.goal)
        name = self.backend.name
        while True:
            status = self.handle.status()
            if status.state == DriveState.SUCCEEDED:
                return Outcome(True, f"{name} reached the goal")
            if status.state == DriveState.FAILED:
                return Outcome(False, f"{name}: {status.reason or 'failed'}")
            if status.state == DriveState.CANCELLED:
                return Outcome(False, f"{name} cancelled the goal: {status.reason}")
            left = status.distance_remaining_m
            if left is not None:
                if self._initial_m is None or left > self._initial_m:
                    self._initial_m = max(left, 1e-6)
                self.set_feedback(f"{name}: {left:.1f} m to go", 1.0 - left / self._initial_m)
            yield None  # the stack drives; look again at the control rate

    def on_cancel(self, now: float) -> None:
        if self.handle is not None and self.handle.status().state == DriveState.ACTIVE:
            self.handle.cancel()


def drive_leg(
    ctx: SkillContext,
    backend: NavigationBackend | None,
    points: list[Point],
    *,
    stop_short_m: float | None = None,
) -> Skill:
    """The skill that drives one same-floor leg: the backend's when there is one."""
    if backend is None:
        return FollowPath(ctx, points, tolerance_m=stop_short_m)
    return BackendDrive(ctx, backend, points, stop_short_m=stop_short_m)
