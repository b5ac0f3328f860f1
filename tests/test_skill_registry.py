"""Every skill of the catalogue is implemented by Sys1, predicted by Sys2's world model and
reachable from a request (or says why not): a new skill that misses one of them fails here."""

from __future__ import annotations

import pytest
from sys2_support import deliberator, office, state

from pepa.agent.sys1.skills import SKILL_CLASSES
from pepa.agent.sys2.lexicon import Lexicon
from pepa.agent.sys2.parser import RequestParser
from pepa.agent.sys2.site_map import SiteMap
from pepa.knowledge import SKILLS, ArgType, WorldKnowledge
from pepa.messages import Scalar, SkillCall, UserRequest

# A request that the offline grammar turns into a plan using the skill, or None for a skill
# nobody asks for by itself.
REQUESTS: dict[str, str | None] = {
    "navigate": "go to the library",
    "ride_elevator": None,  # a leg of navigate across floors
    "take_stairs": None,  # a leg of navigate across floors
    "explore": "explore the second floor",
    "patrol": "patrol",
    "look_around": "look around",
    "inspect": "check the printer on floor 2",
    "approach_person": "find david",
    "greet": "greet Carla",
    "speak": "say hello everyone",
    "guide_person": "guide Bob to meeting room delta",
    "follow_person": "follow eva for 5 minutes",
    "report": "report to alice",
    "express": "dance",
    "dock_and_charge": "go and charge",
    "rest": "rest for 10 minutes",
    "wait": "wait 2 minutes",
    "return_home": "go home",
    "deliver_message": "tell Alice the meeting moved",
}


def _example_args(kinds: dict[str, ArgType], world: WorldKnowledge) -> dict[str, Scalar]:
    values: dict[ArgType, Scalar] = {
        "place": "library",
        "floor": 1,
        "person": world.people[0],
        "object": world.objects[0],
        "elevator": world.elevators[0],
        "emotion": "wag",
        "text": "hello",
        "seconds": 60.0,
    }
    return {name: values[kind] for name, kind in kinds.items()}


def test_every_catalogue_skill_has_a_sys1_class_of_its_name() -> None:
    assert set(SKILL_CLASSES) == set(SKILLS)
    assert all(cls.name == name for name, cls in SKILL_CLASSES.items())


@pytest.mark.parametrize("skill", list(SKILLS))
def test_the_world_model_predicts_every_catalogue_skill(skill: str) -> None:
    model = deliberator().model
    _, world = office()
    call = SkillCall(skill=skill, args=_example_args(SKILLS[skill].args, world))
    assert world.problems(call) == []
    out = model.step(model.initial_state(state()), call, None)
    assert "no model of skill" not in out.reason


def test_every_catalogue_skill_is_reachable_from_a_request_or_says_why_not() -> None:
    assert set(REQUESTS) == set(SKILLS)
    building, world = office()
    parser = RequestParser(world, Lexicon.build(SiteMap.build(world, building)))
    for skill, text in REQUESTS.items():
        if text is None:
            continue
        task = parser.parse(UserRequest(text=text, sender="alice"), robot_floor=0)
        assert task.status == "ok", (skill, task.reason)
        assert skill in {s.skill for s in task.steps}, (skill, text, task.steps)
