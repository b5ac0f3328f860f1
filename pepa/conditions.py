"""Checking daily goals: do their conditions hold now, and do they name only known things?

Sys2 calls :func:`condition_holds` on each daily goal against the current
:class:`~pepa.world_state.WorldState` to find the rules that fire; Sys3 and the LLM path call
:func:`goal_problems` so that a goal naming an unknown place, person or skill never reaches
Sys2. It sits beside the goal model (:mod:`pepa.messages`), below both, so that neither system
imports the other for it.
"""

from __future__ import annotations

from pepa.knowledge import WorldKnowledge
from pepa.messages import (
    AtPlace,
    BatteryAbove,
    BatteryBelow,
    Condition,
    DailyGoal,
    Idle,
    NotVisitedToday,
    PersonInRoom,
    Predicate,
    RequestPending,
    TimeBetween,
)
from pepa.world_state import WorldState

PERSON_RECENT_S = 300.0
"""A person counts as 'in the room' if seen there during the last five minutes."""


def _hour_in(start_h: float, end_h: float, hour: float) -> bool:
    if start_h <= end_h:
        return start_h <= hour < end_h
    return hour >= start_h or hour < end_h  # the window wraps past midnight


def predicate_holds(pred: Predicate, state: WorldState, world: WorldKnowledge) -> bool:
    match pred:
        case BatteryBelow(threshold=t):
            return state.battery < t
        case BatteryAbove(threshold=t):
            return state.battery > t
        case TimeBetween(start_h=s, end_h=e):
            return _hour_in(s, e, state.hour)
        case PersonInRoom(room=room, person=person):
            present = state.people_in(room, within_s=PERSON_RECENT_S)
            return bool(present) if person is None else person in present
        case AtPlace(place=place):
            return state.room == place
        case NotVisitedToday(place=place, floor=floor):
            visited = set(state.visited_today)
            if place is not None:
                return place not in visited
            return any(name not in visited for name in world.rooms_to_visit(floor))
        case RequestPending():
            return state.pending_requests > 0
        case Idle():
            return state.idle
    raise TypeError(f"unknown predicate {pred!r}")


def condition_holds(cond: Condition, state: WorldState, world: WorldKnowledge) -> bool:
    """True when every predicate of the condition holds in ``state``."""
    return all(predicate_holds(p, state, world) for p in cond.all_of)


def firing_goals(
    goals: list[DailyGoal], state: WorldState, world: WorldKnowledge
) -> list[DailyGoal]:
    """The goals whose conditions hold now, highest priority first."""
    live = [g for g in goals if condition_holds(g.condition, state, world)]
    return sorted(live, key=lambda g: -g.priority)


def predicate_problems(pred: Predicate, world: WorldKnowledge) -> list[str]:
    out: list[str] = []
    match pred:
        case PersonInRoom(room=room, person=person):
            if room is not None and room not in world.places:
                out.append(f"person_in_room: unknown place {room!r}")
            if person is not None and person not in world.people:
                out.append(f"person_in_room: unknown person {person!r}")
        case AtPlace(place=place):
            if place not in world.places:
                out.append(f"at_place: unknown place {place!r}")
        case NotVisitedToday(place=place, floor=floor):
            if place is not None and place not in world.places:
                out.append(f"not_visited_today: unknown place {place!r}")
            if floor is not None and floor not in world.floors:
                out.append(f"not_visited_today: unknown floor {floor}")
        case TimeBetween(start_h=s, end_h=e):
            if s == e:
                out.append(f"time_between: empty window {s}-{e}")
        case _:
            pass
    return out


def goal_problems(goal: DailyGoal, world: WorldKnowledge) -> list[str]:
    """Every reason why ``goal`` cannot be handed to Sys2; empty when it can."""
    out = [p for pred in goal.condition.all_of for p in predicate_problems(pred, world)]
    out.extend(world.problems(goal.action))
    return [f"goal {goal.text!r}: {p}" for p in out]


def describe_predicate(pred: Predicate) -> str:
    match pred:
        case BatteryBelow(threshold=t):
            return f"battery below {t:.0%}"
        case BatteryAbove(threshold=t):
            return f"battery above {t:.0%}"
        case TimeBetween(start_h=s, end_h=e):
            return f"between {_hhmm(s)} and {_hhmm(e)}"
        case PersonInRoom(room=room, person=person):
            return f"{person or 'someone'} is in {room or 'any room'}"
        case AtPlace(place=place):
            return f"at {place}"
        case NotVisitedToday(place=place, floor=floor):
            if place is not None:
                return f"{place} not visited today"
            return "a place not visited today" + (
                f" on floor {floor}" if floor is not None else ""
            )
        case RequestPending():
            return "a request is pending"
        case Idle():
            return "idle"
    raise TypeError(f"unknown predicate {pred!r}")


def describe_condition(cond: Condition) -> str:
    return " and ".join(describe_predicate(p) for p in cond.all_of)


def _hhmm(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
