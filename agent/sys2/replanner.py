"""Re-planning after a skill fails: repair the rest of the plan, or give up with a reason.

Repairs follow the failure: an elevator that does not come → the stairs; stairs that cannot be
used → an elevator; a low battery → charge first, then carry on; a person not found → look in
the next likeliest room (from what has been seen at this hour), else explore their floor; a
blocked way → try once more (Sys1 re-routes) and then give up. Each plan gets at most
``max_replans`` repairs; a failure that no repair addresses (an unknown skill, a bad argument)
ends the plan at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pepa.agent.sys2.presence import PresenceModel
from pepa.agent.sys2.site_map import SiteMap
from pepa.knowledge import WorldKnowledge
from pepa.messages import Plan, SkillCall, SkillResult

PERSON_SKILLS = frozenset(
    {"approach_person", "greet", "guide_person", "follow_person", "report", "deliver_message"}
)
#: Failures no repair addresses; a livelock (Sys1 stopped work going round in circles) is one:
#: trying the same again would go round again.
UNFIXABLE = (
    "unknown skill",
    "unknown place",
    "unknown person",
    "unknown object",
    "argument",
    "livelock",
)


@dataclass(frozen=True)
class Repair:
    steps: list[SkillCall] | None
    reason: str


class Replanner:
    def __init__(
        self,
        knowledge: WorldKnowledge,
        site: SiteMap,
        presence: PresenceModel,
        max_replans: int,
    ) -> None:
        self.knowledge = knowledge
        self.site = site
        self.presence = presence
        self.max_replans = max_replans

    def repair(self, plan: Plan, failed: SkillResult, attempts: int, now: float) -> Repair:
        """New remaining steps for ``plan`` whose step ``plan.progress`` failed, or why not."""
        call = failed.call
        why = failed.reason or "no reason given"
        if attempts >= self.max_replans:
            return Repair(
                None, f"gave up after {attempts} re-plans: {call.label()} failed ({why})"
            )
        low = why.lower()
        if any(word in low for word in UNFIXABLE):
            return Repair(None, f"{call.label()} cannot work: {why}")
        rest = list(plan.steps[plan.progress + 1 :])
        if call.skill == "ride_elevator":
            floor = call.args.get("floor")
            stairs = (
                SkillCall(skill="take_stairs", args={"floor": floor})
                if floor is not None
                else None
            )
            if stairs is not None and not self.knowledge.problems(stairs):
                return Repair([stairs, *rest], f"elevator failed ({why}); taking the stairs")
        if call.skill == "take_stairs" and self.knowledge.elevators:
            ride = SkillCall(
                skill="ride_elevator",
                args={"elevator": self.knowledge.elevators[0], "floor": call.args.get("floor", 0)},
            )
            if not self.knowledge.problems(ride):
                return Repair([ride, *rest], f"stairs failed ({why}); taking the elevator")
        if "battery" in low or "reserve" in low or "charge" in low:
            return Repair(
                [SkillCall(skill="dock_and_charge"), call, *rest],
                f"{call.label()} stopped for the battery ({why}); charging first, then resuming",
            )
        person = missing_person(failed)
        if person is not None:
            return self._search_person(person, call, rest, why, now)
        if call.skill in PERSON_SKILLS and "not nearby" in low and "person" in call.args:
            # they were reached and stepped away: go up to them again, then carry on
            again = SkillCall(skill="approach_person", args={"person": call.args["person"]})
            return Repair([again, call, *rest], f"{why}; going up to them again")
        if call.skill == "dock_and_charge":
            return Repair([call, *rest], f"charging failed ({why}); trying the dock again")
        return Repair([call, *rest], f"{call.label()} failed ({why}); trying again")

    def missed(self, person: str, now: float) -> None:
        """Where ``person`` was believed to be is where they were not found."""
        for room, _p in self.presence.where(person, now)[:1]:
            self.presence.missed(person, room, now)

    def _search_person(
        self, person: str, call: SkillCall, rest: list[SkillCall], why: str, now: float
    ) -> Repair:
        self.missed(person, now)
        # every room searched in vain lately is left out, not only the last: otherwise two
        # rooms take turns as "where they may be"
        tried = self.presence.missed_rooms(person, now)
        likely = [r for r, _p in self.presence.where(person, now)]
        desk = self.site.people.get(person)
        if desk is not None and desk.location is not None and desk.location.room:
            likely.append(desk.location.room)
        for room in (r for r in likely if r not in tried):
            if room in self.knowledge.places:
                look = SkillCall(skill="navigate", args={"place": room})
                return Repair(
                    [look, call, *rest], f"{person} not found ({why}); looking in {room} next"
                )
        floor = self.site.floor_of(person)
        explore = SkillCall(skill="explore", args={} if floor is None else {"floor": floor})
        return Repair(
            [explore, call, *rest], f"{person} not found ({why}); exploring to find them"
        )


def missing_person(failed: SkillResult) -> str | None:
    """The person a failed step was about, when it failed because they were not there."""
    call = failed.call
    low = (failed.reason or "").lower()
    if call.skill in PERSON_SKILLS and (
        "not found" in low or "lost" in low or "no person" in low or "absent" in low
    ):
        return str(call.args.get("person", ""))
    return None
