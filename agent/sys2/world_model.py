"""Sys2's world model: what a skill call will probably take and give, without running it.

From the map (travel times, elevator waits, stairs), the battery model and what has been seen
(people's whereabouts by hour), :meth:`WorldModel.step` predicts a skill call's duration, its
energy use, whether it succeeds (a person may not be found: sampled when an RNG is given, the
expected case otherwise) and the goods it yields as reward features:

- lump features, counted once per event: ``novelty`` (new places today; exploring a
  room again yields only as much as its floor is still unseen), ``social`` (a
  greeting or conversation, less with someone already met), ``play`` (an expression, less
  each time in a row) and ``task`` (a request completed, or a patrol round: a duty worth
  the more the longer the floor's rooms have gone unchecked);
- rate features, goods per unit of time: ``energy`` (conservation: 1 resting or charging,
  lower the harder the skill works) and ``safety`` (battery margin above the reserve).

The state it simulates (:class:`ModelState`) is a small mutable record so the search can copy
it cheaply thousands of times per decision.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.presence import PresenceModel
from pepa.agent.sys2.replanner import PERSON_SKILLS
from pepa.agent.sys2.site_map import SiteMap
from pepa.agent.sys2.travel import Travel, TravelEstimator
from pepa.knowledge import EXCHANGE_SKILLS, RESTORING_SKILLS, SKILLS
from pepa.messages import SkillCall
from pepa.reward_features import Feature
from pepa.world_state import WorldState

# the members, read once: an enum member's lookup costs more than the dictionary it keys
_NOVELTY, _SOCIAL, _TASK, _PLAY = Feature.NOVELTY, Feature.SOCIAL, Feature.TASK, Feature.PLAY
SEARCH_PERSON_S = 180.0
INSPECT_S = 30.0
LOOK_S = 20.0
GREET_S = 15.0
SPEAK_S = 20.0
FOLLOW_S = 300.0
ROOM_VISIT_S = 75.0
ROOM_NOVELTY = 0.25
"""What entering a room not yet entered today is worth; each entry more, less."""


@dataclass(slots=True)
class ModelState:
    time: float
    battery: float
    place: str | None
    floor: int
    visits: dict[str, int]
    met: dict[str, int]
    checked: dict[str, float]
    near: str | None = None
    expressions: int = 0
    stranded: bool = False
    # floor -> share of it never seen; read only, so the copies of a search share one dict
    unseen: dict[int, float] = field(default_factory=dict)

    def copy(self) -> ModelState:
        return ModelState(
            self.time,
            self.battery,
            self.place,
            self.floor,
            dict(self.visits),
            dict(self.met),
            dict(self.checked),
            self.near,
            self.expressions,
            self.stranded,
            self.unseen,
        )


@dataclass(slots=True)
class StepOutcome:
    duration: float
    energy: float  # battery fraction used (negative when charging)
    success: bool
    goods: dict[Feature, float] = field(default_factory=dict)  # lump features yielded
    conservation: float = 0.5  # the energy feature: 1 resting, lower the harder it works
    reason: str = ""


class WorldModel:
    """Predicts skill calls over the map, the battery and people's whereabouts."""

    def __init__(
        self,
        site: SiteMap,
        travel: TravelEstimator,
        presence: PresenceModel,
        config: Sys2Config,
    ) -> None:
        self.site = site
        self.travel_model = travel
        self.presence = presence
        self.config = config
        self.robot = config.robot
        self._max_w = max(self.robot.move_w * 3.0, self.robot.express_w, 1.0)
        self._floor_rooms = {f: sorted(site.rooms_on(f)) for f in site.floor_names}
        # the search predicts hundreds of calls per decision: what the map and the settings
        # fix is read once here (the site map does not change once built)
        self._battery_wh = self.robot.battery_wh
        self._critical = config.critical_battery
        self._explore_rooms = max(1, int(config.explore_s // ROOM_VISIT_S))
        self._floors: dict[str, int | None] = {}
        self._skills: dict[
            str, Callable[[ModelState, SkillCall, random.Random | None], StepOutcome]
        ] = {
            "navigate": self._navigate,
            "explore": self._explore,
            "patrol": self._patrol,
            "look_around": self._look_around,
            "inspect": self._inspect,
            "speak": self._speak,
            "express": self._express,
            "dock_and_charge": self._dock_and_charge,
            "rest": self._rest,
            "wait": self._rest,
            "return_home": self._return_home,
            "ride_elevator": self._change_floor,
            "take_stairs": self._change_floor,
        }
        for name in PERSON_SKILLS:
            self._skills[name] = self._social
        # a catalogue skill without a predictor would be scored "no model of skill" silently
        unmodelled = SKILLS.keys() - self._skills.keys()
        if unmodelled:
            raise ValueError(f"no world-model predictor for skill(s) {sorted(unmodelled)}")

    # --- states ---------------------------------------------------------------------------

    def initial_state(self, ws: WorldState) -> ModelState:
        place = ws.room if ws.room in self.site.places else None
        if place is None:
            place = self.site.nearest_place(ws.pose.floor, ws.pose.x, ws.pose.y)
        visits = dict(ws.visited_today)
        checked = {p: t for p, t in ws.visited_at.items() if p in self.site.places}
        return ModelState(
            ws.time,
            ws.battery,
            place,
            ws.pose.floor,
            visits,
            dict(ws.met_today),
            checked,
            expressions=ws.expressions_since_rest,
            unseen=ws.floor_unseen,
        )

    # --- energy ---------------------------------------------------------------------------

    def fraction(self, wh: float) -> float:
        return wh / self._battery_wh

    def travel(self, start: str | None, goal: str) -> Travel:
        if start is None:
            return Travel(60.0, 40.0, 60.0 * self.robot.move_w / 3600.0)
        return self.travel_model.travel(start, goal)

    def energy_to_dock(self, place: str | None) -> float:
        """Battery fraction needed to get from ``place`` to the dock."""
        if self.site.dock is None:
            return 0.0
        t = self.travel(place, self.site.dock)
        return self.fraction(t.energy_wh) if t.reachable else math.inf

    # --- one skill call -------------------------------------------------------------------

    def step(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        """Advance ``s`` by one skill call and return what it took and gave."""
        predict = self._skills.get(call.skill)
        if predict is None:
            out = StepOutcome(0.0, 0.0, False, reason=f"no model of skill {call.skill!r}")
        else:
            out = predict(s, call, rng)
            if out.success and call.skill in RESTORING_SKILLS:
                s.expressions = 0
        s.time += out.duration
        battery = s.battery - out.energy
        s.battery = battery if battery < 1.0 else 1.0  # min(1.0, battery)
        if s.battery < self._critical:
            s.stranded = True
        return out

    def _floor_of(self, place: str) -> int | None:
        floors = self._floors
        if place in floors:
            return floors[place]
        floor = floors[place] = self.site.floor_of(place)
        return floor

    def _go(self, s: ModelState, goal: str) -> tuple[float, float, float, bool]:
        """Move ``s`` to ``goal``: (seconds, battery fraction, novelty, reachable)."""
        t = self.travel(s.place, goal)
        if not t.reachable:
            return 0.0, 0.0, 0.0, False
        novelty = self._visit(s, goal)
        s.place = goal
        floor = self._floor_of(goal)
        if floor is not None:
            s.floor = floor
        s.near = None
        return t.seconds, self.fraction(t.energy_wh), novelty, True

    def _visit(self, s: ModelState, place: str) -> float:
        n = s.visits.get(place, 0)
        s.visits[place] = n + 1
        return ROOM_NOVELTY / (1 + 2 * n)

    def _idle(self, seconds: float, watts: float) -> float:
        return self.fraction(seconds * watts / 3600.0)

    def _conservation(self, duration: float, energy: float) -> float:
        if duration <= 0:
            return 0.5
        watts = energy * self._battery_wh * 3600.0 / duration
        c = 1.0 - watts / self._max_w
        # max(0.0, min(1.0, c)) without the calls
        c = c if c < 1.0 else 1.0
        return c if c > 0.0 else 0.0

    def _navigate(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        a = call.args
        secs, e, nov, ok = self._go(s, str(a["place"]))
        if not ok:
            return StepOutcome(0.0, 0.0, False, reason=f"{a['place']} is unreachable")
        return StepOutcome(
            secs, e, True, {_NOVELTY: nov}, conservation=self._conservation(secs, e)
        )

    def _explore(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        return self._cover_floor(s, call.args.get("floor"), patrol=False)

    def _patrol(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        return self._cover_floor(s, call.args.get("floor"), patrol=True)

    def _look_around(
        self, s: ModelState, call: SkillCall, rng: random.Random | None
    ) -> StepOutcome:
        nov = 0.05 if s.visits.get(s.place or "", 0) <= 1 else 0.01
        e = self._idle(LOOK_S, self.robot.move_w * 0.5)
        return StepOutcome(
            LOOK_S, e, True, {_NOVELTY: nov}, conservation=self._conservation(LOOK_S, e)
        )

    def _inspect(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        obj = str(call.args["object"])
        loc = self.site.location_of(obj)
        target = loc.room if loc is not None and loc.room in self.site.places else obj
        secs, e, nov, ok = self._go(s, target)
        if not ok:
            return StepOutcome(0.0, 0.0, False, reason=f"{obj} is unreachable")
        seen = s.visits.get(obj, 0)
        s.visits[obj] = seen + 1
        nov += 0.15 / (1 + seen)
        secs += INSPECT_S
        e += self._idle(INSPECT_S, self.robot.idle_w)
        return StepOutcome(
            secs, e, True, {_NOVELTY: nov}, conservation=self._conservation(secs, e)
        )

    def _speak(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        e = self._idle(SPEAK_S, self.robot.idle_w)
        # to someone close by; else to whoever the room usually has at this hour
        crowd = self.presence.expected_people(s.place, s.time) if s.place else 0.0
        social = 0.3 if s.near else max(0.05, 0.3 * min(1.0, crowd))
        return StepOutcome(SPEAK_S, e, True, {_SOCIAL: social}, conservation=0.8)

    def _express(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        secs = self.config.express_s
        e = self._idle(secs, self.robot.express_w)
        play = 0.5 / (1 + s.expressions)
        s.expressions += 1
        social = 0.15 if s.near else 0.0
        return StepOutcome(
            secs,
            e,
            True,
            {_PLAY: play, _SOCIAL: social},
            conservation=self._conservation(secs, e),
        )

    def _dock_and_charge(
        self, s: ModelState, call: SkillCall, rng: random.Random | None
    ) -> StepOutcome:
        r = self.robot
        dock = self.site.dock
        secs = e = 0.0
        if dock is not None:
            secs, e, _nov, ok = self._go(s, dock)
            if not ok:
                return StepOutcome(0.0, 0.0, False, reason="the dock is unreachable")
        level = s.battery - e
        charge_s = max(0.0, 1.0 - level) * r.battery_wh / r.charge_w * 3600.0
        return StepOutcome(secs + charge_s, s.battery - 1.0, True, conservation=1.0)

    def _rest(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        """``rest`` or ``wait``: resting conserves more than standing by."""
        rest = call.skill == "rest"
        secs = float(call.args.get("duration_s", self.config.idle_rest_s))
        watts = self.robot.rest_w if rest else self.robot.idle_w
        return StepOutcome(secs, self._idle(secs, watts), True, conservation=1.0 if rest else 0.8)

    def _return_home(
        self, s: ModelState, call: SkillCall, rng: random.Random | None
    ) -> StepOutcome:
        home = self.site.home or self.site.dock
        if home is None:
            return StepOutcome(0.0, 0.0, True)
        secs, e, nov, ok = self._go(s, home)
        return StepOutcome(
            secs,
            e,
            ok,
            {_NOVELTY: nov * 0.2},
            conservation=self._conservation(secs, e),
            reason="" if ok else "home is unreachable",
        )

    def _change_floor(
        self, s: ModelState, call: SkillCall, rng: random.Random | None
    ) -> StepOutcome:
        """``ride_elevator`` or ``take_stairs``: to the floor's connector (else its first room)."""
        floor = int(call.args["floor"])
        rooms = self._floor_rooms.get(floor) or []
        target = next(
            (c.location.room for c in self.site.connectors_on(floor) if c.location.room),
            rooms[0] if rooms else None,
        )
        if target is None:
            return StepOutcome(0.0, 0.0, False, reason=f"floor {floor} has no known place")
        secs, e, _nov, ok = self._go(s, target)
        return StepOutcome(secs, e, ok, conservation=self._conservation(secs, e))

    def _cover_floor(self, s: ModelState, floor_arg: object, patrol: bool) -> StepOutcome:
        floor = s.floor if floor_arg is None else int(floor_arg)  # type: ignore[call-overload]
        rooms = self._floor_rooms.get(floor, [])
        if not rooms:
            return StepOutcome(0.0, 0.0, False, reason=f"floor {floor} has no rooms to cover")
        # the skill goes first to the least-visited room of the floor
        visits = s.visits
        fresh = [p for p in rooms if p not in visits]
        # by visits, ties by name: ``rooms`` is sorted by name and the sort is stable
        order = (
            fresh
            if len(fresh) >= 2
            else fresh + sorted([p for p in rooms if p in visits], key=visits.__getitem__)
        )
        budget = len(rooms) if patrol else self._explore_rooms
        duty = self._due(s, rooms) * self.config.patrol_duty if patrol else 0.0
        # exploring a room already entered today is worth what of its floor is still unseen
        # (the skill heads for the least-seen ground, not for the rooms): a floor seen end to
        # end offers nothing new however rarely its rooms were entered, a floor half unseen
        # half of a new room's worth. Without Sys1's count (None) the entries decide alone.
        unseen = None if patrol else s.unseen.get(floor)
        first = order[0]
        first_new = first not in visits
        t, de, n0, ok = self._go(s, first)
        if not ok:
            return StepOutcome(0.0, 0.0, False, reason=f"floor {floor} is unreachable")
        if not first_new and unseen is not None:
            n0 = ROOM_NOVELTY * unseen
        secs, e, nov = t, de, n0
        checked = s.checked
        now = s.time
        checked[first] = now + t
        rest = order[1:budget]
        for room in rest:
            new_today = room not in visits
            n = self._visit(s, room)
            nov += n if new_today or unseen is None else ROOM_NOVELTY * unseen
            secs += ROOM_VISIT_S
            checked[room] = now + secs
        if rest:
            s.place = rest[-1]
        e += self._idle(secs - t, self.robot.move_w)
        if patrol:
            nov *= 0.6
        return StepOutcome(
            secs,
            e,
            True,
            # min(1.0, nov) without the call
            {_NOVELTY: nov if nov < 1.0 else 1.0, _TASK: duty},
            conservation=self._conservation(secs, e),
        )

    def _due(self, s: ModelState, rooms: list[str]) -> float:
        """How due a round is: the rooms' mean time unchecked, in patrol periods (at most 1)."""
        period = self.config.patrol_period_s
        now, checked = s.time, s.checked
        due = [(now - checked.get(r, -period)) / period for r in rooms]
        return sum([d if d < 1.0 else 1.0 for d in due]) / len(rooms)

    def _social(self, s: ModelState, call: SkillCall, rng: random.Random | None) -> StepOutcome:
        a = call.args
        person = str(a["person"])
        secs = e = nov = 0.0
        ok = True
        if s.near != person:
            where = self.presence.where(person, s.time)
            if not where:
                # nobody knows where: look around the likeliest floor
                secs, e, ok = (
                    SEARCH_PERSON_S * 2,
                    self._idle(SEARCH_PERSON_S * 2, self.robot.move_w),
                    False,
                )
                p_found = 0.35
            else:
                room, p_found = where[0]
                secs, e, nov, ok = self._go(s, room)
            if ok:
                found = (rng.random() < p_found) if rng is not None else p_found >= 0.5
            else:
                found = rng.random() < p_found if rng is not None else False
            if not found:
                secs += SEARCH_PERSON_S
                e += self._idle(SEARCH_PERSON_S, self.robot.move_w)
                return StepOutcome(secs, e, False, {_NOVELTY: nov}, reason=f"{person} not found")
            s.near = person
        met = s.met.get(person, 0)
        social = 0.0
        name = call.skill
        if name == "approach_person":
            social = 0.1
        elif name == "greet":
            social = 0.6 / (1 + met)
            secs += GREET_S
        elif name in ("report", "deliver_message"):
            social = 0.4 / (1 + met)
            secs += SPEAK_S
        elif name == "follow_person":
            dur = float(a.get("duration_s", FOLLOW_S))
            secs += dur
            e += self._idle(dur, self.robot.move_w)
            social = 0.5
        elif name == "guide_person":
            place = str(a["place"])
            t = self.travel(s.place, place)
            if not t.reachable:
                return StepOutcome(secs, e, False, reason=f"{place} is unreachable")
            # guiding walks at a person's pace, slower than the robot alone
            secs += t.seconds * 1.4
            e += self.fraction(t.energy_wh) * 1.2
            nov += self._visit(s, place)
            s.place = place
            f = self.site.floor_of(place)
            s.floor = s.floor if f is None else f
            social = 0.7 / (1 + met)
        if name in EXCHANGE_SKILLS:
            s.met[person] = met + 1
        e += self._idle(GREET_S, self.robot.idle_w) if name != "follow_person" else 0.0
        return StepOutcome(
            secs,
            e,
            True,
            {_NOVELTY: nov, _SOCIAL: social},
            conservation=self._conservation(max(secs, 1.0), e),
        )
