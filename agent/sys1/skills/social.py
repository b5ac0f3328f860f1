"""Being with people: approach, greet, speak, guide, follow, report, deliver a message.

People are found where perception last saw them (if recently), else at their desk; once
there the robot looks around for the badge. Everything said goes through
:meth:`SkillContext.say`, which sanitises the text and records the interaction.
"""

from __future__ import annotations

import math
from collections.abc import Generator

from pepa.agent.sys1.context import NoRouteError, SkillContext
from pepa.agent.sys1.perception import Track, farthest_readable_m, nearest_readable_m
from pepa.agent.sys1.planner import Job
from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed, why
from pepa.agent.sys1.skills.motion import Turn, heading_to
from pepa.agent.sys1.skills.navigation import GoTo
from pepa.messages import SkillResult

QUARTER = math.pi / 2
APPROACH_TRIES = 3
#: The robot stands this far inside the band of distances from which it can read a badge.
TALK_MARGIN_M = 0.25


def person_name(ctx: SkillContext, pid: str) -> str:
    p = ctx.building.people_by_id.get(pid)
    return p.name if p else pid


def near_track(ctx: SkillContext, pid: str, within_s: float) -> Track | None:
    """The person's track if seen within ``within_s`` and close enough to talk to."""
    t = ctx.perception.person(pid, ctx.now, within_s)
    if t is None or t.floor != ctx.pose.floor:
        return None
    d = math.hypot(t.x - ctx.pose.x, t.y - ctx.pose.y)
    return t if d <= ctx.config.perception.person_near_m else None


def talking_band(ctx: SkillContext, pid: str) -> tuple[float, float]:
    """How near and how far the robot may stand to talk to someone: far enough back for its
    low camera to have their badge whole in the image, near enough to read it and be heard."""
    cfg = ctx.config.perception
    person = ctx.building.people_by_id[pid]
    near = nearest_readable_m(cfg, person.badge_height_m, person.badge_size_m) + TALK_MARGIN_M
    far = min(cfg.person_near_m, farthest_readable_m(cfg, person.badge_size_m)) - TALK_MARGIN_M
    if near > far:  # no such band: the middle is the least out of reach
        near = far = (near + far) / 2
    return near, far


def talking_distance(ctx: SkillContext, pid: str) -> float:
    """Where in the talking band to stand: the configured distance, kept inside the band."""
    near, far = talking_band(ctx, pid)
    return min(max(ctx.config.skills.approach_distance_m, near), far)


def step_to_talking_distance(
    ctx: SkillContext, pid: str, t: Track
) -> Generator[Skill | Job[object] | float | None, SkillResult | None, None]:
    """Back off from (or close in on) someone last seen at ``t`` when they stand outside the
    talking band: right next to them the badge is above the image and cannot be read."""
    near, far = talking_band(ctx, pid)
    d = math.hypot(ctx.pose.x - t.x, ctx.pose.y - t.y)
    if near <= d <= far:
        return
    away = (
        math.atan2(ctx.pose.y - t.y, ctx.pose.x - t.x)
        if d > 1e-6
        else ctx.pose.theta + math.pi  # on top of them: back off the way it came
    )
    stand = talking_distance(ctx, pid)
    here = (ctx.pose.x, ctx.pose.y)
    # straight out from them first, then turning aside, to a spot reached in a straight line
    for turn in (0.0, QUARTER / 2, -QUARTER / 2, QUARTER, -QUARTER):
        a = away + turn
        try:
            spot = ctx.router.free_near(
                t.floor, (t.x + stand * math.cos(a), t.y + stand * math.sin(a)), 0.3
            )
        except NoRouteError:
            continue
        if near <= math.hypot(spot[0] - t.x, spot[1] - t.y) <= far and ctx.cspace.segment_free(
            t.floor, here, spot
        ):
            label = f"talking distance from {person_name(ctx, pid)}"
            yield GoTo(ctx, (t.floor, *spot), label=label)
            return


def face_and_check(
    ctx: SkillContext, pid: str, at: tuple[float, float] | None = None
) -> Generator[Skill | Job[object] | float | None, SkillResult | None, bool]:
    """Turn towards the person (or ``at``) and look, from talking distance when they were seen
    lately; returns whether they are close."""
    t = ctx.perception.person(pid, ctx.now, 60.0)
    if t is not None and t.floor == ctx.pose.floor:
        yield from step_to_talking_distance(ctx, pid, t)
        if at is None:
            at = (t.x, t.y)
    if at is not None:
        yield Turn(ctx, heading=heading_to(ctx, *at))
    ctx.look()
    return near_track(ctx, pid, 2.0) is not None


def viewpoints_around(
    ctx: SkillContext, pid: str, floor: int, x: float, y: float
) -> list[tuple[float, float]]:
    """Viewpoints at talking distance around (x, y), the robot's side first."""
    d = talking_distance(ctx, pid)
    a0 = math.atan2(ctx.pose.y - y, ctx.pose.x - x) if ctx.pose.floor == floor else 0.0
    out = []
    for da in (0.0, QUARTER, -QUARTER, math.pi):
        p = (x + d * math.cos(a0 + da), y + d * math.sin(a0 + da))
        try:
            q = ctx.router.free_near(floor, p, 1.0)
        except NoRouteError:  # no floor to stand on there
            continue
        if math.hypot(q[0] - x, q[1] - y) <= ctx.config.perception.person_near_m:
            out.append(q)
    return out


def check_from_their_other_sides(
    ctx: SkillContext, pid: str
) -> Generator[Skill | Job[object] | float | None, SkillResult | None, bool]:
    """Look at someone seen lately from their other sides: a badge is read only from the
    front, and a person close by who has turned away is not gone."""
    t = ctx.perception.person(pid, ctx.now, 60.0)
    if t is None or t.floor != ctx.pose.floor:
        return False
    for sx, sy in viewpoints_around(ctx, pid, t.floor, t.x, t.y)[1:]:
        res = yield GoTo(ctx, (t.floor, sx, sy), label=f"{person_name(ctx, pid)}, another side")
        if failed(res):
            continue
        if (yield from face_and_check(ctx, pid, (t.x, t.y))):
            return True
    return False


def _check_person(ctx: SkillContext, pid: str) -> str | None:
    if pid not in ctx.building.people_by_id:
        return f"unknown person {pid!r}"
    return None


class ApproachPerson(Skill):
    """Go up to a person: to where they were last seen (or their desk's room), then look for
    their badge from a few viewpoints around them (a badge is read only from the front)."""

    name = "approach_person"

    def script(self) -> Script:
        ctx = self.ctx
        pid = str(self.arg("person"))
        bad = _check_person(ctx, pid)
        if bad:
            return Outcome(False, bad)
        name = person_name(ctx, pid)
        looked: list[str] = []
        for attempt in range(APPROACH_TRIES):
            if near_track(ctx, pid, 5.0) is not None:
                return Outcome(True, f"next to {name}")
            t = ctx.perception.person(pid, ctx.now, ctx.config.skills.person_recent_s)
            if t is not None:
                floor, x, y, where = t.floor, t.x, t.y, t.room or f"floor {t.floor}"
                spots = viewpoints_around(ctx, pid, floor, x, y)
            else:
                desk = ctx.building.people_by_id[pid].desk
                floor, x, y = ctx.resolve(desk)
                where = desk
                spots = [(x, y)] if attempt == 0 else viewpoints_around(ctx, pid, floor, x, y)
            if where not in looked:
                looked.append(where)
            for sx, sy in spots:
                self.set_feedback(f"looking for {name} in {where}", attempt / APPROACH_TRIES)
                res = yield GoTo(
                    ctx, (floor, sx, sy), label=f"{name} in {where}", stop_short_m=0.4
                )
                if failed(res) and res is not None and "no way" in res.reason:
                    continue
                turns = 1 if t is not None else 4
                for _ in range(turns):
                    close = yield from face_and_check(ctx, pid, (x, y) if t is not None else None)
                    if close:
                        return Outcome(True, f"reached {name} in {ctx.room_here()}")
                    if ctx.perception.person(pid, ctx.now, 2.0) is not None:
                        break
                    if turns > 1:
                        yield Turn(ctx, by=QUARTER)
                if ctx.perception.person(pid, ctx.now, 2.0) is not None:
                    break  # seen further away: go there
        return Outcome(False, f"{name} not found (looked in {', '.join(looked)})")


class Greet(Skill):
    name = "greet"

    def script(self) -> Script:
        ctx = self.ctx
        pid = str(self.arg("person"))
        bad = _check_person(ctx, pid)
        if bad:
            return Outcome(False, bad)
        name = person_name(ctx, pid)
        close = yield from face_and_check(ctx, pid)
        if not close:
            close = yield from check_from_their_other_sides(ctx, pid)
        if not close:
            return Outcome(False, f"{name} is not nearby")
        ctx.say(f"Hello, {name}!", pid, self.name)
        yield self.sub("express", emotion="nod")
        return Outcome(True, f"greeted {name}")


class Speak(Skill):
    name = "speak"

    def script(self) -> Script:
        ctx = self.ctx
        text = str(self.arg("text"))
        pid = self.call.args.get("person")
        if pid is not None:
            pid = str(pid)
            bad = _check_person(ctx, pid)
            if bad:
                return Outcome(False, bad)
            close = yield from face_and_check(ctx, pid)
            if not close:
                close = yield from check_from_their_other_sides(ctx, pid)
            if not close:
                return Outcome(False, f"{person_name(ctx, pid)} is not nearby to hear it")
        ctx.say(text, pid, self.name)
        self.set_feedback("speaking", 0.5)
        yield min(60.0, ctx.config.skills.speak_s_per_char * len(text))
        return Outcome(True, "said it")


def tell(skill: Skill, pid: str, text: str) -> Script:
    """Find a person and say something to them (report, deliver_message)."""
    ctx = skill.ctx
    res = yield skill.sub("approach_person", person=pid)
    if failed(res):
        return Outcome(False, res.reason if res else "could not approach")
    res = yield skill.sub("speak", text=text, person=pid)
    if failed(res):
        return Outcome(False, res.reason if res else "could not speak")
    return Outcome(True, f"told {person_name(ctx, pid)}")


class Report(Skill):
    name = "report"

    def script(self) -> Script:
        return (yield from tell(self, str(self.arg("person")), str(self.arg("text"))))


class DeliverMessage(Skill):
    name = "deliver_message"

    def script(self) -> Script:
        text = f"I have a message for you: {self.arg('text')}"
        return (yield from tell(self, str(self.arg("person")), text))


class GuidePerson(Skill):
    name = "guide_person"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._leading: str | None = None

    def on_cancel(self, now: float) -> None:
        if self._leading is not None:
            self.ctx.robot.lead(self._leading, False)
            self._leading = None

    def script(self) -> Script:
        ctx = self.ctx
        pid = str(self.arg("person"))
        place = str(self.arg("place"))
        try:
            target = ctx.resolve(place)
        except ValueError as exc:
            return Outcome(False, str(exc))
        res = yield self.sub("approach_person", person=pid)
        if failed(res):
            return Outcome(False, res.reason if res else "could not approach")
        name = person_name(ctx, pid)
        ctx.say(f"{name}, please follow me to {place.replace('_', ' ')}.", pid, self.name)
        if not ctx.robot.lead(pid, True):
            return Outcome(False, f"{name} did not come along")
        self._leading = pid
        res = yield GoTo(ctx, target, label=place)
        if failed(res):
            return Outcome(False, f"could not get to {place}: {why(res)}")
        yield Turn(ctx, by=math.pi)
        ctx.look()
        came = near_track(ctx, pid, 5.0) is not None
        self.on_cancel(ctx.now)
        if not came:
            return Outcome(False, f"{name} did not follow to {place}")
        ctx.say(f"Here we are, {name}.", pid, self.name)
        return Outcome(True, f"guided {name} to {place}")


class FollowPerson(Skill):
    name = "follow_person"

    def script(self) -> Script:
        ctx = self.ctx
        pid = str(self.arg("person"))
        duration = self.arg_float("duration_s", ctx.config.skills.follow_default_s)
        res = yield self.sub("approach_person", person=pid)
        if failed(res):
            return Outcome(False, res.reason if res else "could not approach")
        name = person_name(ctx, pid)
        start = ctx.now
        gap = ctx.config.skills.follow_distance_m
        while ctx.now - start < duration:
            self.set_feedback(f"following {name}", (ctx.now - start) / duration)
            ctx.look()
            t = ctx.perception.person(pid, ctx.now, ctx.config.skills.lost_person_s)
            if t is None:
                return Outcome(False, f"lost sight of {name} after {ctx.now - start:.0f} s")
            d = (
                math.inf
                if t.floor != ctx.pose.floor
                else math.hypot(t.x - ctx.pose.x, t.y - ctx.pose.y)
            )
            if d > gap + 0.6:
                try:
                    fx, fy = ctx.router.free_near(t.floor, (t.x, t.y), 2.0)
                except Exception:  # NoRouteError: they stand where the robot cannot go
                    yield 2.0
                    continue
                res = yield GoTo(ctx, (t.floor, fx, fy), label=name, stop_short_m=gap)
            else:
                yield Turn(ctx, heading=heading_to(ctx, t.x, t.y))
                yield 2.0
        return Outcome(True, f"followed {name} for {duration:.0f} s")
