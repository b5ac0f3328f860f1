"""The skill contract: a non-blocking task with start / poll / cancel, feedback and a result.

A skill never blocks and never sleeps: the executor calls :meth:`Skill.poll` with the present
time and the skill answers with its result once it is done. Between polls, ``next_wakeup``
says when the skill next needs attention, so the in-process runtime can advance the simulator
in one jump while the robot waits, rests, charges or rides an elevator, and at the control
rate only while a controller is closing a loop.

Composite skills (navigate → ride an elevator → follow a path; report → approach → speak) are
written as *scripts*: generators that yield a child skill (and get its result back), a delay in
seconds, None (poll again at the control rate) or a planner :class:`~agent.sys1.planner.Job`
(poll again at the next tick, whenever it comes, until the job is done), and finally return an
:class:`Outcome`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pepa.agent.sys1.planner import Job
from pepa.messages import Scalar, SkillCall, SkillResult, SkillStatus

if TYPE_CHECKING:
    from pepa.agent.sys1.context import SkillContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Feedback:
    text: str
    fraction: float  # 0..1, an estimate of the work done


Script = Generator["Skill | Job[object] | float | None", "SkillResult | None", Outcome]


class Skill:
    """Base of every skill; subclasses implement :meth:`script` or :meth:`step`."""

    name: ClassVar[str] = ""
    #: A critical skill is not interrupted by the battery reserve (it is the way to charge).
    critical: ClassVar[bool] = False

    def __init__(self, ctx: SkillContext, call: SkillCall) -> None:
        self.ctx = ctx
        self.call = call
        self.started_at: float | None = None
        self.result: SkillResult | None = None
        self.next_wakeup = math.inf
        self.feedback = Feedback(f"{call.skill} waiting to start", 0.0)
        self._gen: Script | None = None
        self._child: Skill | None = None
        self._send: SkillResult | None = None
        self._distance0 = 0.0
        self._energy0 = 0.0

    # --- argument helpers -----------------------------------------------------------------

    def arg(self, name: str, default: Scalar | None = None) -> Scalar:
        value = self.call.args.get(name, default)
        if value is None:
            raise SkillArgError(f"{self.call.skill}: missing argument {name!r}")
        return value

    def arg_float(self, name: str, default: float | None = None) -> float:
        value = self.arg(name, default)
        try:
            out = float(value)
        except (TypeError, ValueError):
            raise SkillArgError(f"{self.call.skill}.{name}: {value!r} is not a number") from None
        if not math.isfinite(out):
            raise SkillArgError(f"{self.call.skill}.{name}: {value!r} is not finite")
        return out

    def arg_int(self, name: str, default: int | None = None) -> int:
        value = self.arg_float(name, None if default is None else float(default))
        if value != int(value):
            raise SkillArgError(f"{self.call.skill}.{name}: {value!r} is not a whole number")
        return int(value)

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.result is not None

    def start(self, now: float) -> None:
        self.started_at = now
        self._distance0 = self.ctx.distance_m
        self._energy0 = self.ctx.energy_wh
        self.set_feedback(f"{self.call.label()} started", 0.0)
        self.next_wakeup = now
        try:
            self._gen = self.script()
        except SkillArgError as exc:
            self._finish(now, SkillStatus.FAILURE, str(exc))

    def poll(self, now: float) -> SkillResult | None:
        """Advance the skill; returns its result once (and after) it is done."""
        if self.result is not None:
            return self.result
        if self.started_at is None:
            self.start(now)
            if self.result is not None:
                return self.result
        if now + 1e-9 < self.next_wakeup and (self._child is None or not self._child_due(now)):
            return None
        try:
            self._advance(now)
        except SkillArgError as exc:
            self._finish(now, SkillStatus.FAILURE, str(exc))
        return self.result

    def _child_due(self, now: float) -> bool:
        return self._child is not None and now + 1e-9 >= self._child.next_wakeup

    def _advance(self, now: float) -> None:
        gen = self._gen
        if gen is None:
            return
        for _ in range(64):  # a script may finish several instant steps in one poll
            if self._child is not None:
                res = self._child.poll(now)
                if res is None:
                    self.next_wakeup = self._child.next_wakeup
                    return
                self._child = None
                self._send = res
            try:
                send, self._send = self._send, None
                item = gen.send(send)
            except StopIteration as stop:
                outcome: Outcome = stop.value if stop.value is not None else Outcome(True)
                self._finish(
                    now, SkillStatus.SUCCESS if outcome.ok else SkillStatus.FAILURE, outcome.reason
                )
                return
            if isinstance(item, Skill):
                self._child = item
                item.start(now)
                continue
            if item is None:
                self.next_wakeup = now + self.ctx.control_dt
                return
            if isinstance(item, Job):  # a search on the planner's thread: due at every tick
                if item.done:
                    continue
                self.next_wakeup = now
                return
            delay = float(item)
            if delay <= 0:
                continue
            self.next_wakeup = now + delay
            return
        self.next_wakeup = now + self.ctx.control_dt

    def cancel(self, now: float, reason: str = "cancelled") -> SkillResult:
        return self.stop(now, SkillStatus.CANCELLED, reason)

    def stop(self, now: float, status: SkillStatus, reason: str) -> SkillResult:
        """End the skill from outside: cancelled (asked to) or failed (a guard stopped it)."""
        if self.result is not None:
            return self.result
        if self._child is not None:
            self._child.cancel(now, reason)
            self._child = None
        if self._gen is not None:
            self._gen.close()
        if status != SkillStatus.FAILURE:  # a failure releases what the skill holds itself
            self.on_cancel(now)
        self.ctx.stop()
        return self._finish(now, status, reason)

    def on_cancel(self, now: float) -> None:
        """Release what the skill holds (a person led, a posture)."""

    def _finish(self, now: float, status: SkillStatus, reason: str) -> SkillResult:
        if status == SkillStatus.FAILURE:
            self.on_cancel(now)
        started = self.started_at if self.started_at is not None else now
        self.result = SkillResult(
            call=self.call,
            status=status,
            reason=reason[:500],
            started_at=started,
            ended_at=max(now, started),
            distance_m=max(0.0, self.ctx.distance_m - self._distance0),
            energy_wh=max(0.0, self.ctx.energy_wh - self._energy0),
        )
        self.next_wakeup = math.inf
        self.set_feedback(
            f"{self.call.label()} {status.value}" + (f": {reason}" if reason else ""),
            1.0 if status == SkillStatus.SUCCESS else self.feedback.fraction,
        )
        return self.result

    def set_feedback(self, text: str, fraction: float) -> None:
        self.feedback = Feedback(text, min(1.0, max(0.0, fraction)))

    def interruptible(self) -> bool:
        """Whether the battery reserve may stop the skill now (not inside a car, not on the
        stairs): the innermost running skill decides."""
        if self._child is not None and not self._child.done:
            return self._child.interruptible()
        return True

    @property
    def active_feedback(self) -> Feedback:
        """The innermost running skill's feedback, prefixed by this skill's name."""
        if self._child is not None and not self._child.done:
            inner = self._child.active_feedback
            return Feedback(f"{self.call.skill} > {inner.text}", self.feedback.fraction)
        return self.feedback

    # --- what subclasses write ------------------------------------------------------------

    def script(self) -> Script:
        """The skill as a generator; the default runs :meth:`step` at the control rate."""
        while True:
            out = self.step(self.ctx.now)
            if isinstance(out, Outcome):
                return out
            yield out

    def step(self, now: float) -> Outcome | float | None:
        """One control step: an Outcome when done, else a delay (s) or None (control rate)."""
        raise NotImplementedError(f"skill {self.name!r} defines neither script() nor step()")

    def sub(self, skill: str, **args: Scalar) -> Skill:
        """A child skill from the catalogue (or an internal one)."""
        return self.ctx.make(SkillCall(skill=skill, args=args))


class SkillArgError(ValueError):
    """A skill call whose arguments make no sense (names the skill and the argument)."""


def failed(res: SkillResult | None) -> bool:
    return res is None or res.status != SkillStatus.SUCCESS


def why(res: SkillResult | None) -> str:
    """A sub-skill's failure reason (a script is sent None only after a wait, never after a
    sub-skill, so "no result" is what a mistaken script would see)."""
    return res.reason if res is not None else "no result"
