"""The library of daily-goal templates the offline engine chooses from.

Each template looks at yesterday's statistics and the world and proposes concrete
"condition → action" rules, each with the reward features it expects to yield and an
*opportunity* (0..1: how much yesterday's evidence says the rule will find something to do).
The engine in :mod:`pepa.agent.sys3.daily_goals` scores them with the personality's weights.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pepa.agent.sys3.day_stats import DayStats, counter_top
from pepa.agent.sys3.reward import RewardFeatures
from pepa.agent.sys3.self_model import SelfModel
from pepa.knowledge import EMOTIONS, WorldKnowledge
from pepa.messages import (
    AtPlace,
    BatteryAbove,
    BatteryBelow,
    Condition,
    Idle,
    NotVisitedToday,
    PersonInRoom,
    Predicate,
    SkillCall,
    TimeBetween,
)
from pepa.personalities.model import Personality
from pepa.reward_features import Feature

LUNCH = (12.0, 13.5)
EVENING = (18.0, 23.5)
WORKDAY = (8.0, 18.0)


@dataclass(frozen=True)
class GoalContext:
    """Everything a template may look at."""

    personality: Personality
    world: WorldKnowledge
    self_model: SelfModel
    stats: DayStats
    known_places: frozenset[str]
    day: int
    rng: random.Random


@dataclass(frozen=True)
class Candidate:
    template: str
    text: str
    predicates: tuple[Predicate, ...]
    action: SkillCall
    features: RewardFeatures
    opportunity: float
    rationale: str
    evidence: tuple[str, ...] = field(default=())

    @property
    def condition(self) -> Condition:
        return Condition(all_of=list(self.predicates))


def _window(hour: int, length: float = 1.5) -> TimeBetween:
    return TimeBetween(start_h=float(hour), end_h=min(24.0, hour + length))


def _places_of(world: WorldKnowledge, *kinds: str) -> list[str]:
    return sorted(
        (p.name for p in world.places.values() if p.kind in kinds),
        key=lambda n: (world.places[n].floor, n),
    )


def greet_regulars(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    boost = min(0.3, 0.1 * s.greetings_then_requests)
    out: list[Candidate] = []
    seen_rooms: set[str] = set()
    busiest = s.busiest()
    peak = busiest[0][2] if busiest else 1
    for room, hour, n in busiest:
        person = s.regular(room)
        if room in seen_rooms or person is None or room not in ctx.world.places:
            continue
        if person not in ctx.world.people:
            continue
        seen_rooms.add(room)
        out.append(
            Candidate(
                template="greet_regulars",
                text=f"Greet {person} in {room} around {hour}:00",
                predicates=(PersonInRoom(room=room, person=person), _window(hour)),
                action=SkillCall(skill="greet", args={"person": person}),
                features=RewardFeatures(
                    {
                        Feature.NOVELTY: 0.1,
                        Feature.SOCIAL: 0.9,
                        Feature.TASK: 0.2 + boost,
                        Feature.ENERGY: 0.6,
                        Feature.SAFETY: 0.7,
                        Feature.PLAY: 0.2,
                    }
                ),
                opportunity=n / peak,
                rationale=f"{person} was seen {n} times in {room} at {hour}:00 yesterday",
                evidence=tuple(s.cite(f"sighting:{room}")),
            )
        )
        if len(out) == 2:
            break
    if not out:
        for room in _places_of(ctx.world, "kitchen")[:1]:
            out.append(
                Candidate(
                    template="greet_regulars",
                    text=f"Say hello to whoever is in {room} at lunch",
                    predicates=(PersonInRoom(room=room), TimeBetween(start_h=12, end_h=13.5)),
                    action=SkillCall(skill="speak", args={"text": "Hello! Enjoy your lunch."}),
                    features=RewardFeatures(
                        {
                            Feature.NOVELTY: 0.1,
                            Feature.SOCIAL: 0.8,
                            Feature.TASK: 0.1,
                            Feature.ENERGY: 0.6,
                            Feature.SAFETY: 0.7,
                            Feature.PLAY: 0.2,
                        }
                    ),
                    opportunity=0.4,
                    rationale=f"people usually gather in {room} at lunch",
                )
            )
    return out


def play_with_people(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    busiest = s.busiest()
    rooms = [busiest[0][0]] if busiest else _places_of(ctx.world, "kitchen", "lobby")[:1]
    rooms = [r for r in rooms if r in ctx.world.places]
    if not rooms:
        return []
    emotion = ctx.rng.choice([e for e in EMOTIONS if e in ("wag", "dance", "bow", "jump")])
    ratio = s.expressions_with_people / s.expressions if s.expressions else 0.5
    return [
        Candidate(
            template="play_with_people",
            text=f"Show a {emotion} to people in {rooms[0]} when free",
            predicates=(PersonInRoom(room=rooms[0]), Idle()),
            action=SkillCall(skill="express", args={"emotion": emotion}),
            features=RewardFeatures(
                {
                    Feature.NOVELTY: 0.1,
                    Feature.SOCIAL: 0.5,
                    Feature.TASK: 0.0,
                    Feature.ENERGY: 0.4,
                    Feature.SAFETY: 0.6,
                    Feature.PLAY: 0.9,
                }
            ),
            opportunity=0.3 + 0.7 * ratio,
            rationale=f"{rooms[0]} is where people were most often seen",
            evidence=tuple(s.cite("play_social")),
        )
    ]


def explore_floor(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    reserve = ctx.personality.battery_reserve
    out: list[Candidate] = []
    risk = min(1.0, 0.25 * (s.explore_failures + s.lows_after_explore))
    for floor in sorted(ctx.world.floors):
        names = ctx.world.rooms_to_visit(floor)
        if not names:
            continue
        unseen = sum(1 for n in names if n not in ctx.known_places) / len(names)
        stale = sum(1 for n in names if n not in s.place_visits) / len(names)
        novelty = 0.3 + 0.4 * unseen + 0.3 * stale
        out.append(
            Candidate(
                template="explore_floor",
                text=f"Explore floor {floor} when idle",
                predicates=(
                    NotVisitedToday(floor=floor),
                    Idle(),
                    BatteryAbove(threshold=min(0.95, reserve + 0.15)),
                ),
                action=SkillCall(skill="explore", args={"floor": floor}),
                features=RewardFeatures(
                    {
                        Feature.NOVELTY: novelty,
                        Feature.SOCIAL: 0.1,
                        Feature.TASK: 0.0,
                        Feature.ENERGY: 0.2,
                        Feature.SAFETY: 0.5 - 0.3 * risk,
                    }
                ),
                opportunity=0.2 + 0.8 * max(unseen, stale),
                rationale=f"{unseen:.0%} of floor {floor} never seen, {stale:.0%} not yesterday",
                evidence=tuple(s.cite("explore_cost") if risk else s.cite("new_places")),
            )
        )
    return out


def visit_unseen_place(ctx: GoalContext) -> list[Candidate]:
    reserve = ctx.personality.battery_reserve
    rooms = ctx.world.rooms_to_visit()
    never = sorted(n for n in rooms if n not in ctx.known_places)
    stale = sorted(n for n in rooms if n in ctx.known_places)
    stale = [n for n in stale if n not in ctx.stats.place_visits]
    pool = never or stale
    if not pool:
        return []
    picks = ctx.rng.sample(pool, k=min(2, len(pool)))
    return [
        Candidate(
            template="visit_unseen_place",
            text=f"Go and see {place}",
            predicates=(
                NotVisitedToday(place=place),
                Idle(),
                BatteryAbove(threshold=min(0.95, reserve + 0.1)),
            ),
            action=SkillCall(skill="navigate", args={"place": place}),
            features=RewardFeatures(
                {Feature.NOVELTY: 0.9 if never else 0.5, Feature.ENERGY: 0.3, Feature.SAFETY: 0.5}
            ),
            opportunity=1.0 if never else 0.4,
            rationale=f"{place} {'has never been visited' if never else 'was not visited'}",
        )
        for place in picks
    ]


def charge_early(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    reserve = ctx.personality.battery_reserve
    threshold = min(0.9, reserve + 0.1 + 0.05 * min(3, s.battery_lows))
    return [
        Candidate(
            template="charge_early",
            text=f"Charge when the battery falls below {threshold:.0%}",
            predicates=(BatteryBelow(threshold=round(threshold, 3)),),
            action=SkillCall(skill="dock_and_charge"),
            features=RewardFeatures({Feature.ENERGY: 0.9, Feature.SAFETY: 1.0}),
            opportunity=0.5 + 0.5 * (s.battery_lows > 0),
            rationale=(
                f"the battery fell below the reserve {s.battery_lows} times yesterday"
                if s.battery_lows
                else "keep a margin above the reserve"
            ),
            evidence=tuple(s.cite("battery_low")),
        )
    ]


def rest_in_quiet_hours(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    activity = {h: 0 for h in range(int(WORKDAY[0]) + 1, int(WORKDAY[1]))}
    for hours in s.sighting_hours.values():
        for h, n in hours.items():
            if h in activity:
                activity[h] += n
    for h, n in s.request_hours.items():
        if h in activity:
            activity[h] += 2 * n
    quiet = min(sorted(activity), key=lambda h: activity[h])
    rest_share = s.time_share().get("rest", 0.0)
    return [
        Candidate(
            template="rest_in_quiet_hours",
            text=f"Rest at {quiet}:00, the quietest hour",
            predicates=(Idle(), _window(quiet, 1.0)),
            action=SkillCall(skill="rest", args={"duration_s": 1800}),
            features=RewardFeatures({Feature.ENERGY: 1.0, Feature.SAFETY: 0.8}),
            opportunity=0.4 + 0.6 * (1.0 - rest_share),
            rationale=f"{quiet}:00 had the fewest people and requests yesterday",
        )
    ]


def patrol_round(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    floor = ctx.self_model.floor
    start = int(s.first_h) + 1 if s.first_h is not None else 9
    trouble = min(1.0, 0.2 * (s.safety_events + s.failures))
    return [
        Candidate(
            template="patrol_round",
            text=f"Patrol floor {floor} at {start}:00",
            predicates=(Idle(), _window(start, 1.0)),
            action=SkillCall(skill="patrol", args={"floor": floor}),
            features=RewardFeatures(
                {
                    Feature.NOVELTY: 0.2,
                    Feature.SOCIAL: 0.2,
                    Feature.TASK: 0.4,
                    Feature.ENERGY: 0.3,
                    Feature.SAFETY: 0.7,
                }
            ),
            opportunity=0.5 + 0.5 * trouble,
            rationale="a morning round keeps the home floor known"
            + (f"; {s.failures} failures yesterday" if s.failures else ""),
            evidence=tuple(s.cite("safety")),
        )
    ]


def station_at_request_hotspot(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    places = [p for p in counter_top(s.request_places, 3) if p in ctx.world.places]
    if places:
        place = places[0]
        hour = counter_top({str(h): n for h, n in s.request_hours.items()}, 1)
        peak = int(hour[0]) if hour else 10
        n = s.request_places[place]
        opportunity = min(1.0, 0.3 + 0.2 * n + 0.1 * s.requests_missed)
        why = f"{n} requests came from {place} yesterday, most around {peak}:00"
    else:
        fallback = _places_of(ctx.world, "lobby", "reception", "office")
        if not fallback:
            return []
        place, peak, opportunity = fallback[0], 10, 0.3
        why = f"{place} is where people arrive"
    return [
        Candidate(
            template="station_at_request_hotspot",
            text=f"Wait for work in {place} around {peak}:00",
            predicates=(Idle(), _window(peak, 1.5), NotVisitedToday(place=place)),
            action=SkillCall(skill="navigate", args={"place": place}),
            features=RewardFeatures(
                {
                    Feature.NOVELTY: 0.1,
                    Feature.SOCIAL: 0.4,
                    Feature.TASK: 0.8,
                    Feature.ENERGY: 0.5,
                    Feature.SAFETY: 0.6,
                }
            ),
            opportunity=opportunity,
            rationale=why,
            evidence=tuple(s.cite("request:queued")),
        )
    ]


def inspect_new_object(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    fresh = sorted(
        o for o in s.objects_seen if o not in s.objects_inspected and o in ctx.world.objects
    )
    if not fresh:
        return []
    obj = ctx.rng.choice(fresh)
    reserve = ctx.personality.battery_reserve
    return [
        Candidate(
            template="inspect_new_object",
            text=f"Take a close look at {obj}",
            predicates=(Idle(), BatteryAbove(threshold=min(0.95, reserve + 0.05))),
            action=SkillCall(skill="inspect", args={"object": obj}),
            features=RewardFeatures(
                {
                    Feature.NOVELTY: 0.7,
                    Feature.TASK: 0.3,
                    Feature.ENERGY: 0.4,
                    Feature.SAFETY: 0.6,
                    Feature.PLAY: 0.1,
                }
            ),
            opportunity=0.8,
            rationale=f"{obj} was seen {s.objects_seen[obj]} times but never inspected",
        )
    ]


def apologise_for_failed_request(ctx: GoalContext) -> list[Candidate]:
    s = ctx.stats
    if not s.requests.get("failed"):
        return []
    senders = sorted(
        {p for room in s.request_places for p in s.sightings.get(room, {})} & set(ctx.world.people)
    )
    if not senders:
        return []
    person = senders[0]
    return [
        Candidate(
            template="apologise_for_failed_request",
            text=f"Offer {person} help again after yesterday's failed request",
            predicates=(PersonInRoom(person=person), Idle()),
            action=SkillCall(
                skill="speak",
                args={"person": person, "text": "Sorry about yesterday. Can I try again?"},
            ),
            features=RewardFeatures(
                {Feature.SOCIAL: 0.7, Feature.TASK: 0.6, Feature.ENERGY: 0.6, Feature.SAFETY: 0.7}
            ),
            opportunity=min(1.0, 0.5 + 0.25 * s.requests["failed"]),
            rationale=f"{s.requests['failed']} requests failed yesterday",
            evidence=tuple(s.cite("request:failed")),
        )
    ]


def return_home_evening(ctx: GoalContext) -> list[Candidate]:
    home = ctx.self_model.home
    return [
        Candidate(
            template="return_home_evening",
            text=f"Go home to {home} in the evening",
            predicates=(TimeBetween(start_h=EVENING[0], end_h=EVENING[1]), Idle()),
            action=SkillCall(skill="return_home"),
            features=RewardFeatures({Feature.ENERGY: 0.7, Feature.SAFETY: 0.8}),
            opportunity=0.5,
            rationale="the evening is for recovering at home",
        )
    ]


def look_around_home(ctx: GoalContext) -> list[Candidate]:
    home = ctx.self_model.home
    return [
        Candidate(
            template="look_around_home",
            text=f"Look around when idle at {home}",
            predicates=(AtPlace(place=home), Idle()),
            action=SkillCall(skill="look_around"),
            features=RewardFeatures(
                {Feature.NOVELTY: 0.3, Feature.ENERGY: 0.8, Feature.SAFETY: 0.9, Feature.PLAY: 0.1}
            ),
            opportunity=0.4,
            rationale="cheap awareness of the home place",
        )
    ]


TEMPLATES: tuple[Callable[[GoalContext], list[Candidate]], ...] = (
    greet_regulars,
    play_with_people,
    explore_floor,
    visit_unseen_place,
    charge_early,
    rest_in_quiet_hours,
    patrol_round,
    station_at_request_hotspot,
    inspect_new_object,
    apologise_for_failed_request,
    return_home_evening,
    look_around_home,
)


def propose_all(ctx: GoalContext) -> list[Candidate]:
    return [c for template in TEMPLATES for c in template(ctx)]
