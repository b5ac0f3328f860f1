"""Every plan and generated goal meets the same check against the known world."""

from __future__ import annotations

from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import Place, Pose, SkillCall

WORLD = WorldKnowledge(
    places={
        "kitchen_1": Place(name="kitchen_1", floor=1, kind="kitchen", pose=Pose(x=0, y=0, floor=1))
    },
    people=["alice"],
    objects=["printer_2"],
    elevators=["A"],
    floors=[0, 1, 2],
)


def test_repertoire_has_about_nineteen_skills_in_known_categories() -> None:
    assert 17 <= len(SKILLS) <= 24
    assert {s.category for s in SKILLS.values()} >= {"explore", "social", "rest", "express"}


def test_valid_call_has_no_problems() -> None:
    assert WORLD.problems(SkillCall(skill="navigate", args={"place": "kitchen_1"})) == []
    assert WORLD.problems(SkillCall(skill="explore")) == []


def test_unknown_skill_place_and_person_are_named() -> None:
    assert WORLD.problems(SkillCall(skill="fly")) == ["unknown skill 'fly'"]
    assert (
        "unknown place 'mars'"
        in WORLD.problems(SkillCall(skill="navigate", args={"place": "mars"}))[0]
    )
    probs = WORLD.check_all(
        [
            SkillCall(skill="guide_person", args={"person": "bob", "place": "kitchen_1"}),
            SkillCall(skill="ride_elevator", args={"elevator": "A", "floor": 7}),
        ]
    )
    assert any("unknown person 'bob'" in p for p in probs)
    assert any("unknown floor 7" in p for p in probs)


def test_missing_and_extra_arguments_are_named() -> None:
    probs = WORLD.problems(SkillCall(skill="greet", args={"colour": "red"}))
    assert any("no argument 'colour'" in p for p in probs)
    assert any("needs argument 'person'" in p for p in probs)
