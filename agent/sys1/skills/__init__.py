"""The skill catalogue's implementations: one class per skill of
:data:`pepa.knowledge.SKILLS`."""

from __future__ import annotations

from pepa.agent.sys1.context import SkillContext
from pepa.agent.sys1.skills.base import Feedback, Outcome, Skill, SkillArgError
from pepa.agent.sys1.skills.body import DockAndCharge, Express, Rest, Wait
from pepa.agent.sys1.skills.elevator import RideElevator
from pepa.agent.sys1.skills.looking import Explore, Inspect, LookAround, Patrol
from pepa.agent.sys1.skills.navigation import Navigate, ReturnHome, TakeStairs
from pepa.agent.sys1.skills.social import (
    ApproachPerson,
    DeliverMessage,
    FollowPerson,
    Greet,
    GuidePerson,
    Report,
    Speak,
)
from pepa.messages import SkillCall

SKILL_CLASSES: dict[str, type[Skill]] = {
    cls.name: cls
    for cls in (
        Navigate,
        RideElevator,
        TakeStairs,
        Explore,
        Patrol,
        LookAround,
        Inspect,
        ApproachPerson,
        Greet,
        Speak,
        GuidePerson,
        FollowPerson,
        Report,
        Express,
        DockAndCharge,
        Rest,
        Wait,
        ReturnHome,
        DeliverMessage,
    )
}


def make_skill(ctx: SkillContext, call: SkillCall) -> Skill:
    """An instance of the catalogue skill ``call`` names; KeyError for anything else."""
    try:
        cls = SKILL_CLASSES[call.skill]
    except KeyError:
        raise KeyError(f"no skill {call.skill!r} in the catalogue") from None
    return cls(ctx, call)


__all__ = ["SKILL_CLASSES", "Feedback", "Outcome", "Skill", "SkillArgError", "make_skill"]
