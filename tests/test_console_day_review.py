"""What the reflections page says changed from one day to the next."""

from __future__ import annotations

from pepa.agent.console.day_review import changes_since
from pepa.messages import Condition, DailyGoal, Idle, Reflection, SkillCall


def reflection(
    day: int, weights: dict[str, float], goals: list[str], bad: list[str]
) -> Reflection:
    return Reflection(
        day=day,
        personality="Curious",
        summary=f"day {day}",
        went_badly=bad,
        weights_after=weights,
        tomorrow_goals=[
            DailyGoal(
                day=day + 1,
                text=f"explore floor {f}",
                condition=Condition(all_of=[Idle()]),
                action=SkillCall(skill="explore", args={"floor": int(f)}),
            )
            for f in goals
        ],
    )


def test_the_first_day_has_nothing_to_compare_with() -> None:
    assert "first reflected day" in changes_since(None, reflection(0, {}, [], []))[0]


def test_weight_moves_goals_and_problems_are_named() -> None:
    before = reflection(0, {"novelty": 0.30, "task": 0.50}, ["1", "2"], ["got lost"])
    after = reflection(1, {"novelty": 0.35, "task": 0.50}, ["2", "0"], ["battery low"])
    out = changes_since(before, after)
    assert "Weight of novelty rose from 0.300 to 0.350." in out
    assert not any("task" in line for line in out)
    assert "New goal for tomorrow: explore floor 0" in out
    assert "Goal dropped: explore floor 1" in out
    assert "No longer a problem: got lost" in out
    assert "New problem: battery low" in out


def test_an_unchanged_day_says_so() -> None:
    same = reflection(3, {"novelty": 0.3}, ["1"], [])
    assert changes_since(same, same.model_copy(update={"day": 4})) == ["No change from day 3."]
