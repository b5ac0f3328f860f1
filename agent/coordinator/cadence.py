"""When Sys2 is asked to decide: the one timetable of both hosts.

Sys2 decides when Sys1 is idle (at once on a new request or event, else every
:data:`IDLE_DECIDE_S`); while its plan runs it is asked every :data:`PREEMPT_CHECK_S` (or on a
new request) whether something must preempt it. A plan that fails sends the next decision back
by an exponential backoff (:data:`FAILURE_BACKOFF_S` doubled per failure in a row, at most
:data:`MAX_FAILURE_BACKOFF_S`), so a goal whose skill fails at once cannot be decided again and
again at the same instant; a new request still pokes Sys2 at once. All times are of the one
clock (:mod:`pepa.clock`), so the cadence is the same on the discrete-event clock and on ROS.
"""

from __future__ import annotations

from dataclasses import dataclass

from pepa.messages import SkillStatus

IDLE_DECIDE_S = 60.0
"""When Sys2 had nothing to do, ask again after this long (or at once on a new request)."""
PREEMPT_CHECK_S = 120.0
"""While a plan runs, ask Sys2 whether something must preempt it this often."""
FAILURE_BACKOFF_S = 15.0
MAX_FAILURE_BACKOFF_S = 900.0
"""After a failed plan, Sys2 is asked again only after this long (doubled per failure in a row)."""
FAST_PATH_SYS2_S = 60.0
"""With the fast path, Sys2's next deliberation after a plan ends (requests poke it at once)."""
POLICY_RETRY_S = 30.0
"""The onboard policy proposes at most this often (a refused proposal is not retried at once)."""
BEDTIME_RETRY_S = 900.0
"""At bedtime, a docking that did not get the robot onto the charger is tried again after this."""


def failure_backoff_s(failures: int) -> float:
    """How long Sys2 waits after ``failures`` failed plans in a row (0 for none)."""
    if failures <= 0:
        return 0.0
    doubling: int = 2 ** (failures - 1)  # failures >= 1: a whole power of two
    return min(MAX_FAILURE_BACKOFF_S, FAILURE_BACKOFF_S * doubling)


@dataclass
class Cadence:
    """The decision timetable; it lasts across days (failures in a row carry over)."""

    fast_path: bool = False
    next_decide: float = 0.0
    next_preempt: float = 0.0
    next_policy: float = 0.0
    next_bedtime_try: float = 0.0
    poked: bool = False
    failures: int = 0
    bedtime_started: bool = False

    def begin_day(self, now: float) -> None:
        self.next_decide = now
        self.next_preempt = now + PREEMPT_CHECK_S
        self.bedtime_started = False

    def poke(self) -> None:
        """Something new (a request, an event, the end of a safety plan): decide at once."""
        self.poked = True

    def idle_decide_due(self, now: float) -> bool:
        """Sys1 is idle: is it time to decide? (Taking the turn clears the poke.)"""
        if now < self.next_decide and not self.poked:
            return False
        self.poked = False
        return True

    def nothing_chosen(self, now: float) -> None:
        """Sys2 had nothing to do: ask again after :data:`IDLE_DECIDE_S`."""
        self.next_decide = now + IDLE_DECIDE_S

    def arbitrate_due(self, now: float) -> bool:
        """While the fast-path policy's proposal runs: is it Sys2's turn to arbitrate?"""
        if not (self.poked or now >= self.next_decide):
            return False
        self.poked = False
        self.next_decide = now + IDLE_DECIDE_S
        return True

    def preempt_check_due(self, now: float) -> bool:
        """While Sys2's plan runs: is it time to ask whether something must preempt it?"""
        if not (self.poked or now >= self.next_preempt):
            return False
        self.poked = False
        self.next_preempt = now + PREEMPT_CHECK_S
        return True

    def plan_started(self, now: float) -> None:
        self.next_preempt = now + PREEMPT_CHECK_S

    def plan_ended(self, now: float, status: SkillStatus) -> None:
        """A plan's handle is done: when to decide next (a failure backs off)."""
        # with the fast path, Sys2 deliberates at its own pace and the policy fills the gap
        self.next_decide = now if not self.fast_path else now + FAST_PATH_SYS2_S
        if status == SkillStatus.FAILURE:
            self.failures += 1
            self.next_decide = max(self.next_decide, now + failure_backoff_s(self.failures))
        elif status == SkillStatus.SUCCESS:
            self.failures = 0

    def policy_turn(self, now: float) -> bool:
        """May the onboard policy propose now? (At most every :data:`POLICY_RETRY_S`.)"""
        if now < self.next_policy:
            return False
        self.next_policy = now + POLICY_RETRY_S
        return True

    def begin_bedtime(self, now: float) -> bool:
        """True the first time it is bedtime today."""
        if self.bedtime_started:
            return False
        self.bedtime_started = True
        self.next_bedtime_try = now
        return True

    def dock_try_due(self, now: float) -> bool:
        """At bedtime: is it time to (re)try docking?"""
        if now < self.next_bedtime_try:
            return False
        self.next_bedtime_try = now + BEDTIME_RETRY_S
        return True
