"""Seeing the building: look_around, inspect, explore, patrol.

Explore prefers unvisited space: it asks the visit map for the least-seen reachable cells of
the floor (near ones first among equals), goes to each and looks around. Patrol makes a round
of a floor's rooms in nearest-first order and takes a look in each.
"""

from __future__ import annotations

import math

from pepa.agent.sys1.context import NoRouteError, SkillContext
from pepa.agent.sys1.perception import nearest_readable_m
from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed, why
from pepa.agent.sys1.skills.motion import Turn, heading_to, wrap
from pepa.agent.sys1.skills.navigation import GoTo
from pepa.building.layout import LandmarkSpec

#: Room kinds a patrol passes through but does not visit for their own sake.
TRANSIT_KINDS = frozenset({"stairwell", "elevator_lobby", "corridor"})
QUARTER = math.pi / 2
#: Inspect stands this much further back than the camera's nearest readable depth, and never
#: nearer than VIEW_MIN_M to the marker.
VIEW_MARGIN_M = 0.25
VIEW_MIN_M = 1.0


class LookAround(Skill):
    """A full turn on the spot in quarter turns, looking after each."""

    name = "look_around"

    def script(self) -> Script:
        seen: set[str] = set()
        for i in range(4):
            self.set_feedback(f"looking around ({i + 1}/4)", i / 4)
            yield Turn(self.ctx, by=QUARTER)
            seen.update(s.ident for s in self.ctx.look())
        return Outcome(
            True, f"saw {len(seen)} things" + (f": {', '.join(sorted(seen))}" if seen else "")
        )


class Inspect(Skill):
    """inspect(object): go to a landmark or an object seen before and look at it closely."""

    name = "inspect"

    def script(self) -> Script:
        ctx = self.ctx
        obj = str(self.arg("object"))
        lm = ctx.building.landmarks_by_id.get(obj)
        track = ctx.perception.belief.objects.get(obj)
        if lm is not None:
            target = _viewpoint(ctx, lm)
            spot = _marker_point(lm)
        elif track is not None:
            spot = (track.floor, track.x, track.y)
            try:
                x, y = ctx.router.free_near(track.floor, (track.x, track.y), 2.0)
            except Exception as exc:  # NoRouteError from the router
                return Outcome(False, f"cannot get near {obj}: {exc}")
            target = (track.floor, x, y)
        else:
            return Outcome(False, f"unknown object {obj!r}: not on the map and never seen")
        res = yield GoTo(ctx, target, label=obj, stop_short_m=0.9 if lm is None else None)
        if failed(res):
            return Outcome(False, f"could not get to {obj}: {why(res)}")
        for attempt in range(3):
            yield Turn(ctx, heading=heading_to(ctx, spot[1], spot[2]) + 0.3 * (attempt - 1))
            sightings = ctx.look()
            if any(s.ident == obj for s in sightings):
                self.set_feedback(f"looking at {obj}", 1.0)
                yield 3.0  # a close look
                return Outcome(True, f"inspected {obj}: it is there")
        return Outcome(False, f"{obj} was not seen where it should be")


def _marker_point(lm: LandmarkSpec) -> tuple[int, float, float]:
    """Where a landmark's marker is: on its front face (as the simulator mounts it)."""
    d = lm.size_m[1] / 2 + 0.02
    return (lm.floor, lm.x + d * math.cos(lm.facing_rad), lm.y + d * math.sin(lm.facing_rad))


def _viewpoint(ctx: SkillContext, lm: LandmarkSpec) -> tuple[int, float, float]:
    """A free spot squarely in front of a landmark's marker, far enough back for the low
    camera to have the whole marker in its image and near enough to read it well."""
    cfg = ctx.config.perception
    floor, mx, my = _marker_point(lm)
    stand = max(
        VIEW_MIN_M, nearest_readable_m(cfg, lm.marker_height_m, lm.marker_size_m) + VIEW_MARGIN_M
    )
    f = lm.facing_rad
    for back in (stand, stand + 0.5, stand + 1.0):
        p = (mx + back * math.cos(f), my + back * math.sin(f))
        try:
            x, y = ctx.router.free_near(floor, p, 0.6)
        except NoRouteError:
            continue
        if ctx.cspace.segment_free(floor, (x, y), (x, y)):
            return (floor, x, y)
    return ctx.resolve(lm.id)  # boxed in: the navigation approach is the best there is


class Explore(Skill):
    """explore(floor?): the least-seen space of a floor, until each of its rooms is visited."""

    name = "explore"

    def script(self) -> Script:
        ctx = self.ctx
        floor = self.arg_int("floor", ctx.pose.floor)
        fv = ctx.visits.floors.get(floor)
        if fv is None:
            return Outcome(False, f"unknown floor {floor}")
        goal = ctx.config.skills.explore_waypoints
        # the floor is explored once each of its rooms has been visited today: one explore
        # finishes that (within a budget), so "explore floor N" is not asked again and again
        budget = goal + len(fv.rooms_left(ctx.perception.belief.visited_today))
        reached = 0
        tried = 0
        before = fv.coverage()
        while reached < budget and tried < budget * 3:
            visited = ctx.perception.belief.visited_today
            if reached >= goal and not fv.rooms_left(visited):
                break
            p = ctx.pose
            here = (p.x, p.y) if p.floor == floor else _any_point(ctx, floor)
            cands = fv.least_seen(here[0], here[1], 6, visited_rooms=visited)
            if not cands:
                break
            ok = False
            for x, y in cands:
                tried += 1
                self.set_feedback(
                    f"exploring floor {floor}: to ({x:.0f}, {y:.0f})", reached / budget
                )
                res = yield GoTo(ctx, (floor, x, y), label=f"unexplored spot ({x:.0f}, {y:.0f})")
                if not failed(res):
                    ok = True
                    break
                fv.tried(fv.cell_of(x, y))  # do not insist on a spot we cannot reach
            if not ok:
                break
            reached += 1
            yield Turn(ctx, by=math.pi)
            ctx.look()
            # been there: a spot whose own cell stays unseen (behind the robot, or where no
            # floor holds a goal, such as over a flight) must not draw every explore back
            fv.been_at(fv.cell_of(x, y))
        if reached == 0:
            return Outcome(False, f"could not reach any unexplored spot on floor {floor}")
        gain = fv.coverage() - before
        return Outcome(
            True,
            f"explored {reached} spots on floor {floor}, "
            f"coverage +{100 * gain:.0f}% to {100 * fv.coverage():.0f}%",
        )


class Patrol(Skill):
    """patrol(floor?): a round of the floor's rooms, nearest first."""

    name = "patrol"

    def script(self) -> Script:
        ctx = self.ctx
        floor = self.arg_int("floor", ctx.pose.floor)
        if floor not in ctx.building.floor_levels:
            return Outcome(False, f"unknown floor {floor}")
        rooms = [
            r
            for r in ctx.building.rooms_on(floor)
            if r.kind not in TRANSIT_KINDS and not ctx.guard.in_forbidden(floor, *r.center)
        ]
        if not rooms:
            return Outcome(False, f"floor {floor} has no rooms to patrol")
        visited: list[str] = []
        skipped: list[str] = []
        todo = list(rooms)
        while todo:
            p = ctx.pose
            todo.sort(key=lambda r: (p.floor != floor, math.dist((p.x, p.y), r.center)))
            room = todo.pop(0)
            self.set_feedback(
                f"patrolling floor {floor}: {room.id}", (len(visited) + len(skipped)) / len(rooms)
            )
            res = yield self.sub("navigate", place=room.id)
            if failed(res):
                skipped.append(room.id)
                continue
            visited.append(room.id)
            yield Turn(ctx, heading=wrap(ctx.pose.theta + QUARTER))
            ctx.look()
            yield ctx.config.skills.patrol_look_s
        note = f"patrolled {len(visited)}/{len(rooms)} rooms of floor {floor}"
        if skipped:
            note += f"; could not reach {', '.join(skipped)}"
        return Outcome(len(visited) * 2 >= len(rooms), note)


def _any_point(ctx: SkillContext, floor: int) -> tuple[float, float]:
    """Where the robot will arrive on another floor (the elevator hall is a fair guess)."""
    for (_, f), node in ctx.router.hall_nodes.items():
        if f == floor:
            n = ctx.router.nodes[node]
            return (n.x, n.y)
    x0, y0, x1, y1 = ctx.building.extent
    return ((x0 + x1) / 2, (y0 + y1) / 2)
