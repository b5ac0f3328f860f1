"""Motion primitives the catalogue skills are built from: follow a path, turn.

:class:`FollowPath` is a carrot (pure-pursuit) controller: it steers towards the point one
look-ahead distance further along the path, turns in place when the carrot is far off the
heading, slows down for the last metre, and *coasts* — holds one command for up to
``coast_max_s`` — on a straight stretch, which is what lets a simulated day run in seconds.
No progress for ``stuck_window_s`` while driving means the way is blocked: the path fails
with a reason starting with ``blocked`` and the caller re-plans.
"""

from __future__ import annotations

import math

from pepa.agent.sys1.context import SkillContext
from pepa.agent.sys1.skills.base import Outcome, Skill
from pepa.messages import SkillCall

Point = tuple[float, float]
SHARP_TURN_RAD = 0.5
SHARP_VERTEX_M = 0.15
MAX_RECOVERIES = 2
BACK_OFF_S = 1.5


def wrap(a: float) -> float:
    return (a + math.pi) % (2.0 * math.pi) - math.pi


class FollowPath(Skill):
    """Drive along ``points`` on the present floor (stairs: the floor may change)."""

    name = "follow_path"

    def __init__(
        self,
        ctx: SkillContext,
        points: list[Point],
        *,
        tolerance_m: float | None = None,
        speed: float | None = None,
        floor_change: bool = False,
    ) -> None:
        super().__init__(ctx, SkillCall(skill="follow_path"))
        if len(points) < 1:
            raise ValueError("follow_path: a path needs at least one point")
        self.points = [(float(x), float(y)) for x, y in points]
        c = ctx.config.control
        self.tol = tolerance_m if tolerance_m is not None else c.goal_tolerance_m
        self.speed = speed if speed is not None else c.cruise_mps
        self.floor_change = floor_change
        self.floor = ctx.pose.floor
        self.seg = 0
        self.length = sum(
            math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False)
        )
        self._check_t = -math.inf
        self._check_p = (math.inf, math.inf)
        self._sharp_cache: dict[int, bool] = {}
        self.recoveries = 0
        self._turn_theta: float | None = None
        self._look = c.lookahead_m
        self._vertex_m = SHARP_VERTEX_M
        self._rotate_rad = c.rotate_in_place_rad

    def _project(self, x: float, y: float) -> tuple[int, float]:
        """Advance the segment index past segments already done; return (seg, along)."""
        pts = self.points
        while self.seg < len(pts) - 2:
            (ax, ay), (bx, by) = pts[self.seg], pts[self.seg + 1]
            dx, dy = bx - ax, by - ay
            ll = dx * dx + dy * dy
            u = ((x - ax) * dx + (y - ay) * dy) / ll if ll > 0 else 1.0
            # next segment when past this one's end or close to its end (very close before a
            # sharp turn: cutting the corner of a doorway would hit the frame)
            near = self._vertex_m if self._sharp(self.seg + 1) else self._look * 0.5
            if u >= 1.0 or math.hypot(bx - x, by - y) < near:
                self.seg += 1
            else:
                break
        (ax, ay), (bx, by) = pts[self.seg], pts[min(self.seg + 1, len(pts) - 1)]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        u = ((x - ax) * dx + (y - ay) * dy) / ll if ll > 0 else 1.0
        return self.seg, max(0.0, min(1.0, u)) * math.sqrt(ll)

    def _carrot(self, seg: int, along: float, look: float) -> tuple[Point, float]:
        """The point ``look`` further along the path, and the straight distance left on the
        segment it lies on."""
        pts = self.points
        i = seg
        left = look
        pos = along
        while i < len(pts) - 1:
            seg_len = math.dist(pts[i], pts[i + 1])
            if pos + left <= seg_len:
                (ax, ay), (bx, by) = pts[i], pts[i + 1]
                u = (pos + left) / seg_len if seg_len > 0 else 1.0
                return (ax + u * (bx - ax), ay + u * (by - ay)), seg_len - pos
            if self._sharp(i + 1):
                return pts[i + 1], 0.0  # stop at a sharp corner, turn there
            left -= seg_len - pos
            pos = 0.0
            i += 1
        return pts[-1], 0.0

    def _sharp(self, i: int) -> bool:
        """Whether the path turns by more than ~30 degrees at vertex ``i``."""
        cached = self._sharp_cache.get(i)
        if cached is not None:
            return cached
        pts = self.points
        out = False
        if 0 < i < len(pts) - 1:
            a = math.atan2(pts[i][1] - pts[i - 1][1], pts[i][0] - pts[i - 1][0])
            b = math.atan2(pts[i + 1][1] - pts[i][1], pts[i + 1][0] - pts[i][0])
            out = abs(wrap(b - a)) > SHARP_TURN_RAD
        self._sharp_cache[i] = out
        return out

    def step(self, now: float) -> Outcome | float | None:
        ctx = self.ctx
        c = ctx.config.control
        p = ctx.pose
        if p.floor != self.floor and not self.floor_change:
            ctx.stop()
            return Outcome(False, f"left floor {self.floor} while following a path")
        gx, gy = self.points[-1]
        to_goal = math.hypot(gx - p.x, gy - p.y)
        # a stairs path ends where it starts (one storey up): only its last segment counts
        if to_goal <= self.tol and (not self.floor_change or self.seg >= len(self.points) - 2):
            ctx.stop()
            return Outcome(True)
        # stuck? first back off and retry with a tight, slow follower (a narrow doorway);
        # then the way is blocked
        if now - self._check_t >= c.stuck_window_s:
            if math.hypot(p.x - self._check_p[0], p.y - self._check_p[1]) < c.stuck_progress_m:
                if self.recoveries >= MAX_RECOVERIES:
                    ctx.stop()
                    return Outcome(False, f"blocked at floor {p.floor} ({p.x:.1f}, {p.y:.1f})")
                self.recoveries += 1
                self._look, self._vertex_m, self._rotate_rad = 0.35, 0.05, 0.3
                self.speed = min(self.speed, 0.3)
                self._check_t, self._check_p = now + BACK_OFF_S, (p.x, p.y)
                ctx.drive(-0.2, 0.0, BACK_OFF_S)
                self.set_feedback("backing off to try again", self.feedback.fraction)
                return BACK_OFF_S
            self._check_t, self._check_p = now, (p.x, p.y)
        seg, along = self._project(p.x, p.y)
        look = self._look
        (tx, ty), straight_left = self._carrot(seg, along, look)
        if math.hypot(tx - p.x, ty - p.y) < 0.05:
            tx, ty = gx, gy
        alpha = wrap(math.atan2(ty - p.y, tx - p.x) - p.theta)
        dt = ctx.control_dt
        if abs(alpha) > self._rotate_rad:
            w = math.copysign(c.turn_radps, alpha)
            hold = min(max(dt, (abs(alpha) - 0.5 * self._rotate_rad) / c.turn_radps), 2.0)
            ctx.drive(0.0, w, hold)
            if self._turn_theta is None or abs(wrap(p.theta - self._turn_theta)) > 0.02:
                self._check_t = now  # turning on the spot is progress (when it turns at all)
            self._turn_theta = p.theta
            self.set_feedback(
                f"turning towards the path, {to_goal:.1f} m to go", self._done(to_goal)
            )
            return hold
        v = self.speed * max(0.35, math.cos(alpha))
        v = min(v, max(0.15, 0.8 * to_goal))
        w = 2.0 * v * math.sin(alpha) / max(look, 1e-3)
        w = max(-c.turn_radps, min(c.turn_radps, w))
        hold = dt
        if (
            abs(alpha) < 0.04
            and straight_left > look
            and c.coast_max_s > dt
            and not self.recoveries
        ):
            run = min(straight_left - look * 0.5, to_goal - 1.0)
            if run > v * dt:
                hold = min(c.coast_max_s, run / v)
                w = 0.0
        sent_v, _ = ctx.drive(v, w, hold)
        if sent_v == 0.0 and v > 0.0:
            hold = dt
        self.set_feedback(f"driving, {to_goal:.1f} m to go", self._done(to_goal))
        return hold

    def _done(self, to_goal: float) -> float:
        return 1.0 - min(1.0, to_goal / max(self.length, 1e-3))


class Turn(Skill):
    """Turn on the spot to a heading (``heading``) or by an angle (``by``)."""

    name = "turn"

    def __init__(
        self,
        ctx: SkillContext,
        *,
        heading: float | None = None,
        by: float | None = None,
        max_step_s: float = 1.0,
    ) -> None:
        super().__init__(ctx, SkillCall(skill="turn"))
        if (heading is None) == (by is None):
            raise ValueError("turn: give exactly one of heading and by")
        self.heading = heading
        self.by = by
        self.max_step_s = max_step_s
        self._left: float | None = None
        self._last_theta = 0.0

    def step(self, now: float) -> Outcome | float | None:
        ctx = self.ctx
        rate = ctx.config.skills.look_turn_radps
        th = ctx.pose.theta
        if self._left is None:
            if self.heading is not None:
                self._left = wrap(self.heading - th)
            else:
                assert self.by is not None  # the constructor takes exactly one of the two
                self._left = float(self.by)
        else:
            self._left -= wrap(th - self._last_theta)
        self._last_theta = th
        if abs(self._left) < 0.05:
            ctx.stop()
            return Outcome(True)
        # Whole control periods at the turn rate, then the rest in one period, slower: a host
        # that polls at its control rate rather than at the returned hold (the ROS node) would
        # otherwise overshoot by up to rate x period, past the tolerance, and swing back and
        # forth about the goal.
        dt = ctx.control_dt
        left = abs(self._left)
        periods = min(int(left / (rate * dt)), max(1, int(self.max_step_s / dt)))
        w, hold = (rate, periods * dt) if periods else (left / dt, dt)
        ctx.drive(0.0, math.copysign(w, self._left), hold)
        self.set_feedback(f"turning, {math.degrees(abs(self._left)):.0f} deg to go", 0.5)
        return max(hold, 1e-3)


def heading_to(ctx: SkillContext, x: float, y: float) -> float:
    return math.atan2(y - ctx.pose.y, x - ctx.pose.x)
