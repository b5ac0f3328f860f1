"""The body: express an emotion, rest, wait, dock and charge.

An emotion is a timed motion sequence: postures (which each platform maps to its own gait)
and velocity patterns (wagging is a quick yaw back and forth, a dance turns both ways). Rest,
wait and charging hold still and tell the executor when they next need attention, so the
simulator can jump over them.
"""

from __future__ import annotations

from typing import NamedTuple

from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed, why
from pepa.agent.sys1.skills.motion import FollowPath
from pepa.agent.sys1.skills.navigation import GoTo


class Move(NamedTuple):
    seconds: float
    posture: str = "stand"
    v: float = 0.0
    w: float = 0.0


MOTIONS: dict[str, tuple[Move, ...]] = {
    "wag": tuple(Move(0.3, "stand", 0.0, 1.5 if i % 2 == 0 else -1.5) for i in range(8)),
    "sit": (Move(4.0, "sit"), Move(1.0, "stand")),
    "stretch": (Move(1.0, "bow"), Move(3.0, "stretch"), Move(1.0, "stand")),
    "dance": (
        Move(1.5, "stand", 0.0, 1.5),
        Move(1.5, "stand", 0.0, -1.5),
        Move(0.6, "jump"),
        Move(1.0, "stand", 0.1, 1.2),
        Move(1.0, "stand", -0.1, -1.2),
        Move(0.6, "jump"),
        Move(0.5, "stand"),
    ),
    "bow": (Move(2.0, "bow"), Move(1.0, "stand")),
    "nod": (Move(0.6, "nod"), Move(0.4, "stand")),
    "jump": (Move(0.5, "jump"), Move(0.5, "stand"), Move(0.5, "jump"), Move(0.5, "stand")),
}


class Express(Skill):
    name = "express"

    def on_cancel(self, now: float) -> None:
        self.ctx.robot.express("stand")

    def script(self) -> Script:
        ctx = self.ctx
        emotion = str(self.arg("emotion"))
        moves = MOTIONS.get(emotion)
        if moves is None:
            return Outcome(False, f"unknown emotion {emotion!r}; known: {', '.join(MOTIONS)}")
        total = sum(m.seconds for m in moves)
        done = 0.0
        for m in moves:
            ctx.robot.express(m.posture)
            ctx.drive(m.v, m.w, m.seconds)
            self.set_feedback(f"{emotion}: {m.posture}", done / total)
            yield m.seconds
            done += m.seconds
        ctx.stop()
        ctx.robot.express("stand")
        return Outcome(True, f"expressed {emotion}")


class Wait(Skill):
    name = "wait"

    def script(self) -> Script:
        seconds = self.arg_float("duration_s")
        self.ctx.stop()
        self.set_feedback(f"waiting {seconds:.0f} s", 0.0)
        yield seconds
        return Outcome(True, f"waited {seconds:.0f} s")


class Rest(Skill):
    name = "rest"

    def on_cancel(self, now: float) -> None:
        self.ctx.robot.express("stand")

    def script(self) -> Script:
        ctx = self.ctx
        seconds = self.arg_float("duration_s", ctx.config.skills.rest_default_s)
        ctx.stop()
        ctx.robot.express("lie_down")
        self.set_feedback(f"resting {seconds:.0f} s", 0.0)
        yield seconds
        ctx.robot.express("stand")
        return Outcome(True, f"rested {seconds:.0f} s")


class DockAndCharge(Skill):
    name = "dock_and_charge"
    critical = True

    def script(self) -> Script:
        ctx = self.ctx
        cfg = ctx.config.skills
        dock = ctx.resolve("dock")
        res = yield GoTo(ctx, dock, label="the dock")
        if failed(res):
            return Outcome(False, f"could not reach the dock: {why(res)}")
        # the last few centimetres: line up on the charging contacts
        if not ctx.robot.dock():
            yield FollowPath(
                ctx, [(ctx.pose.x, ctx.pose.y), (dock[1], dock[2])], tolerance_m=0.08, speed=0.2
            )
            yield 0.5
            if not ctx.robot.dock():
                return Outcome(False, "could not engage the charger")
        start = ctx.battery.soc
        self.set_feedback(f"charging from {100 * start:.0f}%", start)
        last, last_t = start, ctx.now
        wait = 10.0  # a first short look confirms that charge flows
        while ctx.battery.soc < cfg.charge_target:
            yield wait
            soc = ctx.battery.soc
            rate = (soc - last) / max(1e-6, ctx.now - last_t)
            # wake when the target should be reached (the charger tapers: never overshoot far)
            wait = (
                cfg.charge_poll_s
                if rate <= 0
                else min(cfg.charge_poll_s, max(10.0, (cfg.charge_target - soc) / rate))
            )
            if not ctx.battery.charging and soc < cfg.charge_target and not ctx.robot.dock():
                return Outcome(False, f"charging stopped at {100 * soc:.0f}%")
            if soc <= last - 0.01:
                return Outcome(False, f"not charging: battery fell to {100 * soc:.0f}%")
            self.set_feedback(f"charging: {100 * soc:.0f}%", soc)
            last, last_t = soc, ctx.now
        ctx.robot.undock()
        return Outcome(True, f"charged from {100 * start:.0f}% to {100 * ctx.battery.soc:.0f}%")
