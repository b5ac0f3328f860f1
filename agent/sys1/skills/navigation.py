"""Going places: navigate (across floors), take_stairs, return_home, and their common core.

:class:`GoTo` plans with the building router (elevator or stairs, whichever costs less; the
router's map has the forbidden zones as walls; the search may run on the planner's thread
while the robot stands, see :mod:`pepa.agent.sys1.planner`) and runs the legs: a drive leg is a
:class:`~agent.sys1.skills.motion.FollowPath`, an elevator leg a ride (the ``ride_elevator``
skill), a stairs leg a path over the flights. A blocked path is noted on the map and the rest
of the way re-planned (when the areas noted leave no way at all, they are forgotten and the
way searched once more: noted from where the robot got stuck, one in a doorway would shut it
in); an elevator found out of service is avoided for a while and the way
re-planned (so the stairs take over). A robot with its own navigation stack (Nav2) drives the
drive legs through it (:mod:`pepa.agent.sys1.navigation_backend`); stairs and elevators stay here.
"""

from __future__ import annotations

import math

from pepa.agent.sys1.context import NoRouteError, SkillContext, Target
from pepa.agent.sys1.skills.backend_drive import drive_leg
from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed, why
from pepa.agent.sys1.skills.leave_elevator import LeaveElevator, aboard
from pepa.agent.sys1.skills.motion import FollowPath
from pepa.building.routing import DriveLeg, ElevatorLeg, StairsLeg
from pepa.messages import SkillCall, SkillStatus


class GoTo(Skill):
    """Go to (floor, x, y); stop ``stop_short_m`` before it when given (people, objects)."""

    name = "go_to"

    def __init__(
        self,
        ctx: SkillContext,
        target: Target,
        *,
        label: str = "",
        stairs_only: bool = False,
        stop_short_m: float | None = None,
        call: SkillCall | None = None,
    ) -> None:
        super().__init__(ctx, call or SkillCall(skill="go_to", args={"to": label or "point"}))
        self.target = target
        self.label = label or f"floor {target[0]} ({target[1]:.1f}, {target[2]:.1f})"
        self.stairs_only = stairs_only
        self.stop_short_m = stop_short_m
        self.leg_kind = ""

    def interruptible(self) -> bool:
        return self.leg_kind != "stairs" and super().interruptible()

    def script(self) -> Script:
        ctx = self.ctx
        c = ctx.config.control
        replans = 0
        forgot = False
        while True:
            car = aboard(ctx)
            if car is not None:  # a car is no place to plan from: out first
                self.leg_kind = "elevator"
                res = yield LeaveElevator(ctx, car)
                self.leg_kind = ""
                if failed(res):
                    return Outcome(False, f"no way to {self.label}: {why(res)}")
            job = ctx.plan_route(self.target, stairs_only=self.stairs_only)
            try:
                while not job.done:  # searched beside the control loop: stand and wait
                    ctx.stop()
                    yield job
            finally:
                job.cancel()  # nothing when done; drops a search this skill no longer needs
            try:
                route = job.result()
            except (NoRouteError, ValueError) as exc:
                if isinstance(exc, NoRouteError) and not forgot and ctx.forget_blockages():
                    forgot = True  # the areas it noted itself shut the way: search once more
                    continue
                return Outcome(False, f"no way to {self.label}: {exc}")
            legs = route.legs
            broke = False
            for i, leg in enumerate(legs):
                last = i == len(legs) - 1
                self.set_feedback(
                    f"to {self.label}: leg {i + 1}/{len(legs)} ({leg.kind})", i / len(legs)
                )
                self.leg_kind = leg.kind
                if isinstance(leg, DriveLeg):
                    tol = self.stop_short_m if (last and self.stop_short_m) else None
                    res = yield drive_leg(ctx, ctx.navigation, leg.points, stop_short_m=tol)
                elif isinstance(leg, StairsLeg):
                    res = yield FollowPath(ctx, leg.points, floor_change=True, speed=0.3)
                    if not failed(res) and ctx.pose.floor != leg.to_floor:
                        res = None
                elif isinstance(leg, ElevatorLeg):
                    res = yield ctx.make(
                        SkillCall(
                            skill="ride_elevator",
                            args={"elevator": leg.elevator_id, "floor": leg.to_floor},
                        )
                    )
                    if (
                        res is not None
                        and res.status == SkillStatus.FAILURE
                        and ("out of service" in res.reason)
                    ):
                        ctx.elevator_out_of_service(leg.elevator_id)
                else:  # pragma: no cover - the router makes only these three
                    return Outcome(False, f"unknown leg {leg!r}")
                self.leg_kind = ""
                if failed(res):
                    reason = res.reason if res is not None else "did not arrive on the floor"
                    if replans >= c.max_replans:
                        return Outcome(
                            False, f"gave up on {self.label} after {replans} re-plans: {reason}"
                        )
                    replans += 1
                    if reason.startswith("blocked"):
                        ctx.mark_blocked(ctx.pose)
                    broke = True
                    break
            if broke:
                continue
            p = ctx.pose
            gf, gx, gy = route.goal
            slack = (self.stop_short_m or c.goal_tolerance_m) + 0.5
            if p.floor == gf and math.hypot(p.x - gx, p.y - gy) <= slack:
                return Outcome(True, f"reached {self.label}")
            if replans >= c.max_replans:
                return Outcome(False, f"could not reach {self.label}")
            replans += 1


class Navigate(Skill):
    """navigate(place): a room, a landmark, 'dock' or 'home', on any floor."""

    name = "navigate"

    def script(self) -> Script:
        place = str(self.arg("place"))
        try:
            target = self.ctx.resolve(place)
        except ValueError as exc:
            return Outcome(False, str(exc))
        except NoRouteError as exc:
            return Outcome(False, f"{place} is unreachable: {exc}")
        res = yield GoTo(self.ctx, target, label=place)
        return _outcome(res)


class ReturnHome(Skill):
    name = "return_home"

    def script(self) -> Script:
        res = yield self.sub("navigate", place="home")
        return _outcome(res)


class TakeStairs(Skill):
    """take_stairs(floor): the stairwell to another floor, never the elevator."""

    name = "take_stairs"

    def script(self) -> Script:
        ctx = self.ctx
        floor = self.arg_int("floor")
        p = ctx.pose
        here = p.floor
        if floor == here and ctx.building.stairs_at(here, p.x, p.y) is None:
            return Outcome(True, f"already on floor {floor}")
        for s in ctx.building.stairs:
            if here in s.floors and floor in s.floors:
                node = ctx.router.landing_nodes[(s.id, floor)]
                n = ctx.router.nodes[node]
                res = yield GoTo(
                    ctx, (floor, n.x, n.y), label=f"stairs to floor {floor}", stairs_only=True
                )
                return _outcome(res)
        return Outcome(False, f"no stairwell joins floor {here} and floor {floor}")


def _outcome(res: object) -> Outcome:
    if res is None:
        return Outcome(False, "no result")
    ok = getattr(res, "status", None) == SkillStatus.SUCCESS
    return Outcome(ok, getattr(res, "reason", ""))
