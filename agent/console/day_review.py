"""What changed in the robot's self from one reflected day to the next, in plain sentences.

Both console backends (in-process and ROS bridge) show the same review, so the comparison
lives here, over two :class:`~pepa.messages.Reflection` records and nothing else.
"""

from __future__ import annotations

from pepa.messages import Reflection

WEIGHT_EPSILON = 5e-4
"""Weight moves smaller than this are rounding, not change."""


def changes_since(previous: Reflection | None, current: Reflection) -> list[str]:
    """Sentences on how ``current`` differs from ``previous`` (the day before it)."""
    if previous is None:
        return [f"Day {current.day} is the first reflected day: nothing to compare with."]
    out: list[str] = []
    if previous.personality != current.personality:
        out.append(f"Personality changed from {previous.personality} to {current.personality}.")
    before, after = previous.weights_after, current.weights_after
    for feature in sorted(set(before) | set(after)):
        old, new = before.get(feature), after.get(feature)
        if old is None or new is None:
            continue
        if abs(new - old) >= WEIGHT_EPSILON:
            way = "rose" if new > old else "fell"
            out.append(f"Weight of {feature} {way} from {old:.3f} to {new:.3f}.")
    prev_goals = {g.action.label(): g for g in previous.tomorrow_goals}
    cur_goals = {g.action.label(): g for g in current.tomorrow_goals}
    out += [
        f"New goal for tomorrow: {g.text}" for k, g in cur_goals.items() if k not in prev_goals
    ]
    out += [f"Goal dropped: {g.text}" for k, g in prev_goals.items() if k not in cur_goals]
    fixed = [x for x in previous.went_badly if x not in current.went_badly]
    out += [f"No longer a problem: {x}" for x in fixed]
    fresh = [x for x in current.went_badly if x not in previous.went_badly]
    out += [f"New problem: {x}" for x in fresh]
    if current.feedback_used:
        out.append(f"Took {len(current.feedback_used)} reviewer note(s) into account.")
    if not out:
        out.append(f"No change from day {previous.day}.")
    return out
