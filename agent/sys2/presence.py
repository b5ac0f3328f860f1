"""Where people tend to be at each hour, learned from what the robot has seen.

The robot does not know people's schedules; it sees badges. Each sighting (person, room, hour
of day) is counted, and the counts answer two questions Sys2's world model asks: where should
I look for Bob at 12:20, and which room is likely to have people now (to socialise). A person
seen minutes ago is believed to be where they were seen; otherwise the hourly counts (with a
neighbouring-hour blur and the person's desk, when the map gives one, as a weak prior) decide.
A room where a search for the person has just failed is left out for ``RECENT_S``, even if the
robot keeps glimpsing them there: seen is not reachable, and believing it would send the robot
back to the same room after every failure. A failed search is also remembered per hour of day,
like a sighting with the opposite sign: a room where someone was looked for in vain at this
hour weighs less on later days, so a desk they are never at by noon stops drawing the robot.
Within a day, each search in vain is also evidence that the person is not in at all today (a
day off, a trip): the chance they are in the building falls by Bayes' rule with the chance
they had of being where they were not found, until someone sees them again.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import defaultdict
from pathlib import Path

from pepa.agent.sys2.site_map import SiteMap
from pepa.clock import day_of, hour_of_day
from pepa.world_state import WorldState

log = logging.getLogger(__name__)

RECENT_S = 600.0
DESK_PRIOR = 0.5


class PresenceModel:
    """Counts of sightings per (person, hour of day, room)."""

    def __init__(self, site: SiteMap) -> None:
        self.site = site
        self._counts: dict[str, dict[int, dict[str, float]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(float))
        )
        self._last_counted: dict[str, float] = {}
        self._recent: dict[str, tuple[str, float]] = {}
        # person -> room -> when they were last looked for there in vain
        self._missed: dict[str, dict[str, float]] = {}
        # expected_people() per hour of day between two observations
        self._crowd: dict[int, dict[str, float]] = {}
        # person -> today's searches in vain: (when, the chance of finding them there if in)
        self._vain_today: dict[str, list[tuple[float, float]]] = {}
        # searches in vain per (person, hour of day, room): the learned side of a miss
        self._misses: dict[str, dict[int, dict[str, float]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(float))
        )
        # where() per (person, hour, last seen room, rooms just searched in vain) between two
        # observations: the search asks it dozens of times per decision, learning nothing
        self._where: dict[
            tuple[str, int, str | None, frozenset[str]], tuple[float, list[tuple[str, float]]]
        ] = {}

    def observe(self, state: WorldState) -> None:
        """Count each sighting once (a sighting is a new ``people_seen_at`` time)."""
        self._where.clear()
        self._crowd.clear()
        for person in sorted(state.people_seen_at):
            seen_at = state.people_seen_at[person]
            room = state.people_rooms.get(person)
            if room is None:
                continue
            self._recent[person] = (room, seen_at)
            if seen_at <= self._last_counted.get(person, -math.inf):
                continue
            # one count per person per ten minutes, so standing still is not a crowd
            if seen_at - self._last_counted.get(person, -math.inf) < RECENT_S:
                continue
            self._last_counted[person] = seen_at
            self._counts[person][int(hour_of_day(seen_at))][room] += 1.0

    def missed(self, person: str, room: str, time: float) -> None:
        """A search for ``person`` in ``room`` failed at ``time``."""
        present, ranked = self._hourly(person, time)
        chance = dict(ranked).get(room, 0.0) / present if present > 0 else 0.0
        today = [v for v in self._vain_today.get(person, []) if day_of(v[0]) == day_of(time)]
        self._vain_today[person] = [*today, (time, chance)]
        self._missed.setdefault(person, {})[room] = time
        self._misses[person][int(hour_of_day(time))][room] += 1.0
        self._where.clear()
        self._crowd.clear()

    def missed_rooms(self, person: str, time: float) -> frozenset[str]:
        """Rooms where ``person`` was looked for in vain during the last :data:`RECENT_S`."""
        return frozenset(
            room for room, t in self._missed.get(person, {}).items() if 0.0 <= time - t <= RECENT_S
        )

    def where(self, person: str, time: float) -> list[tuple[str, float]]:
        """Rooms where ``person`` may be found now, with probabilities (best first)."""
        recent = self._recent.get(person)
        skip = self.missed_rooms(person, time) if person in self._missed else frozenset()
        if recent is not None and time - recent[1] <= RECENT_S and recent[0] not in skip:
            return [(recent[0], 0.9)]
        present, ranked = self._hourly(person, time, skip)
        vain = self._vain_since_seen(person, time)
        if vain < 1.0:
            # P(in | not found) = P(in) q / (P(in) q + P(out)), q: the chance of every miss
            factor = vain / (present * vain + 1.0 - present)
            return [(room, p * factor) for room, p in ranked]
        return list(ranked)

    def _hourly(
        self, person: str, time: float, skip: frozenset[str] = frozenset()
    ) -> tuple[float, list[tuple[str, float]]]:
        """:meth:`_by_hour`, without the rooms in ``skip``, cached between observations."""
        recent = self._recent.get(person)
        hour = int(hour_of_day(time))
        key = (person, hour, None if recent is None else recent[0], skip)
        hit = self._where.get(key)
        if hit is None:
            present, ranked = self._by_hour(person, hour, recent)
            hit = self._where[key] = (present, [(r, p) for r, p in ranked if r not in skip])
        return hit

    def _vain_since_seen(self, person: str, time: float) -> float:
        """The chance of having missed ``person`` in today's searches since they were last
        seen, were they in the building (1.0: no such search)."""
        seen = self._recent.get(person, ("", -math.inf))[1]
        q = 1.0
        for t, chance in self._vain_today.get(person, ()):
            if day_of(t) == day_of(time) and seen < t <= time:
                q *= 1.0 - min(chance, 0.99)
        return q

    def sightings(self, person: str, time: float) -> float:
        """How often ``person`` was seen at this hour of day (any day, any room)."""
        return sum(self._counts.get(person, {}).get(int(hour_of_day(time)), {}).values())

    def _by_hour(
        self, person: str, hour: int, recent: tuple[str, float] | None
    ) -> tuple[float, list[tuple[str, float]]]:
        """The chance ``person`` is in the building at this hour, and where (best first)."""
        scores: dict[str, float] = defaultdict(float)
        by_hour = self._counts.get(person, {})
        for dh, weight in ((0, 1.0), (-1, 0.4), (1, 0.4)):
            for room, n in by_hour.get((hour + dh) % 24, {}).items():
                scores[room] += weight * n
        desk = self.site.people.get(person)
        if desk is not None and desk.location is not None and desk.location.room:
            scores[desk.location.room] += DESK_PRIOR
        if recent is not None:
            scores[recent[0]] += 0.3
        total = sum(scores.values())
        if total <= 0:
            return 0.0, []
        misses = self._misses.get(person)
        if misses:
            # a room's share shrinks with the searches in vain there; what it loses goes to
            # "somewhere else" (the total stays), so a lone desk's chance drops too
            for room in scores:
                vain = sum(
                    weight * misses.get((hour + dh) % 24, {}).get(room, 0.0)
                    for dh, weight in ((0, 1.0), (-1, 0.4), (1, 0.4))
                )
                scores[room] /= 1.0 + vain
        # the share of sightings is the chance of finding them there, damped by the
        # chance they are in the building at all at this hour
        seen_hours = sum(sum(r.values()) for r in by_hour.values())
        present = (
            0.85
            if not seen_hours
            else min(0.9, 0.3 + sum(by_hour.get(hour, {}).values()) / max(1.0, seen_hours / 8.0))
        )
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return present, [(room, present * s / total) for room, s in ranked[:3]]

    def busiest_rooms(
        self, time: float, state: WorldState | None = None
    ) -> list[tuple[str, float]]:
        """Rooms ranked by the expected number of people there now."""
        hour = int(hour_of_day(time))
        expected: dict[str, float] = defaultdict(float)
        for person in sorted(self._counts):
            by_hour = self._counts[person]
            counts = by_hour.get(hour, {})
            days = max(1.0, sum(sum(r.values()) for r in by_hour.values()) / 8.0)
            for room, n in counts.items():
                expected[room] += min(1.0, n / days)
        if state is not None:
            for person in state.people_in(within_s=RECENT_S):
                expected[state.people_rooms[person]] += 1.0
        return sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))

    def expected_people(self, room: str, time: float) -> float:
        """How many people ``room`` usually has at this hour of day (from sightings)."""
        hour = int(hour_of_day(time))
        crowd = self._crowd.get(hour)
        if crowd is None:
            crowd = self._crowd[hour] = dict(self.busiest_rooms(time))
        return crowd.get(room, 0.0)

    # --- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": {
                p: {str(h): dict(rooms) for h, rooms in hours.items()}
                for p, hours in self._counts.items()
            },
            "last_counted": dict(self._last_counted),
            "misses": {
                p: {str(h): dict(rooms) for h, rooms in hours.items()}
                for p, hours in self._misses.items()
            },
        }

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load(self, path: Path) -> None:
        if not path.is_file():
            return
        self._where.clear()
        self._crowd.clear()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for person, hours in data["counts"].items():
                for hour, rooms in hours.items():
                    for room, n in rooms.items():
                        self._counts[person][int(hour)][room] = float(n)
            self._last_counted.update({k: float(v) for k, v in data["last_counted"].items()})
            for person, hours in data.get("misses", {}).items():  # files before misses had none
                for hour, rooms in hours.items():
                    for room, n in rooms.items():
                        self._misses[person][int(hour)][room] = float(n)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}: not a presence file ({exc})") from None
