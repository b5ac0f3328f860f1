"""What the robot knows it can do and where it can go: the check every plan and LLM answer meets.

The skill catalogue is the robot's whole repertoire (the safety guard runs nothing else); the
places, people and objects come from the building description. Sys2 validates plans against
it, Sys3 and the LLM client validate generated goals against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pepa.messages import Place, SkillCall

ArgType = Literal["place", "floor", "person", "object", "elevator", "emotion", "text", "seconds"]


class SkillSpec(BaseModel):
    """A skill's name, arguments and activity category (used for time shares)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    args: dict[str, ArgType] = Field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    category: Literal["explore", "social", "requests", "rest", "charge", "express", "move"]
    summary: str


DOCK_PLACE_KIND = "dock"
"""The kind of the dock's place. The dock stands inside a room and is never a room itself,
so being in its room is what visits it."""

EMOTIONS: tuple[str, ...] = ("wag", "sit", "stretch", "dance", "bow", "nod", "jump")

_SKILLS: tuple[SkillSpec, ...] = (
    SkillSpec(
        name="navigate",
        args={"place": "place"},
        category="move",
        summary="go to a place, across floors by elevator or stairs",
    ),
    SkillSpec(
        name="ride_elevator",
        args={"elevator": "elevator", "floor": "floor"},
        category="move",
        summary="call, board, ride and leave an elevator",
    ),
    SkillSpec(
        name="take_stairs",
        args={"floor": "floor"},
        category="move",
        summary="climb or descend the stairwell to a floor",
    ),
    SkillSpec(
        name="explore",
        args={"floor": "floor"},
        optional=frozenset({"floor"}),
        category="explore",
        summary="visit the least-seen space of a floor",
    ),
    SkillSpec(
        name="patrol",
        args={"floor": "floor"},
        optional=frozenset({"floor"}),
        category="explore",
        summary="make a round of a floor's rooms",
    ),
    SkillSpec(name="look_around", category="explore", summary="turn on the spot and look"),
    SkillSpec(
        name="inspect",
        args={"object": "object"},
        category="requests",
        summary="go to an object and look at it closely",
    ),
    SkillSpec(
        name="approach_person",
        args={"person": "person"},
        category="social",
        summary="go up to a person",
    ),
    SkillSpec(
        name="greet", args={"person": "person"}, category="social", summary="greet a person nearby"
    ),
    SkillSpec(
        name="speak",
        args={"text": "text", "person": "person"},
        optional=frozenset({"person"}),
        category="social",
        summary="say something",
    ),
    SkillSpec(
        name="guide_person",
        args={"person": "person", "place": "place"},
        category="social",
        summary="lead a person to a place",
    ),
    SkillSpec(
        name="follow_person",
        args={"person": "person", "duration_s": "seconds"},
        optional=frozenset({"duration_s"}),
        category="social",
        summary="keep close behind a person for a while",
    ),
    SkillSpec(
        name="report",
        args={"person": "person", "text": "text"},
        category="requests",
        summary="go to a person and tell them a result",
    ),
    SkillSpec(
        name="express",
        args={"emotion": "emotion"},
        category="express",
        summary="a timed emotional-expression motion",
    ),
    SkillSpec(
        name="dock_and_charge", category="charge", summary="go to the dock and charge to full"
    ),
    SkillSpec(
        name="rest",
        args={"duration_s": "seconds"},
        optional=frozenset({"duration_s"}),
        category="rest",
        summary="lie down and save energy",
    ),
    SkillSpec(
        name="wait",
        args={"duration_s": "seconds"},
        category="rest",
        summary="stand still for a while",
    ),
    SkillSpec(name="return_home", category="move", summary="go back to the home place"),
    SkillSpec(
        name="deliver_message",
        args={"person": "person", "text": "text"},
        category="requests",
        summary="carry a message to a person",
    ),
)

SKILLS: Mapping[str, SkillSpec] = MappingProxyType({s.name: s for s in _SKILLS})

EXCHANGE_SKILLS: frozenset[str] = frozenset({"greet", "report", "deliver_message", "guide_person"})
"""Skills that are an exchange with a person: each one more with the same person on a day means
less to both. Sys1 counts them per person, Sys2's world model predicts with the count."""

RESTORING_SKILLS: frozenset[str] = frozenset(
    s.name for s in _SKILLS if s.category in ("rest", "charge")
)
"""Skills after which play is fresh again: what Sys1 counts and Sys2 predicts alike."""


class WorldKnowledge(BaseModel):
    """The known places, people, objects, elevators and floors, plus the skill catalogue."""

    model_config = ConfigDict(extra="forbid")
    places: dict[str, Place] = Field(default_factory=dict)
    people: list[str] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list)
    elevators: list[str] = Field(default_factory=list)
    floors: list[int] = Field(default_factory=list)
    #: Places the robot may never enter (a room wholly inside a forbidden zone): still known,
    #: so a request for one is declined with the reason, but never a place to visit.
    off_limits: list[str] = Field(default_factory=list)

    @property
    def skills(self) -> Mapping[str, SkillSpec]:
        return SKILLS

    def rooms_to_visit(self, floor: int | None = None) -> list[str]:
        """The rooms (of one floor, or of all) the robot can visit: every place but the dock's,
        which lies in a room and is visited with it, and those off limits."""
        off = set(self.off_limits)
        return [
            p.name
            for p in self.places.values()
            if p.kind != DOCK_PLACE_KIND
            and p.name not in off
            and (floor is None or p.floor == floor)
        ]

    def problems(self, call: SkillCall) -> list[str]:
        """Every reason why ``call`` cannot run in this world; empty when it can."""
        spec = SKILLS.get(call.skill)
        if spec is None:
            return [f"unknown skill {call.skill!r}"]
        out: list[str] = []
        for name in call.args:
            if name not in spec.args:
                out.append(f"skill {call.skill!r} takes no argument {name!r}")
        for name, kind in spec.args.items():
            if name not in call.args:
                if name not in spec.optional:
                    out.append(f"skill {call.skill!r} needs argument {name!r}")
                continue
            problem = self._check_arg(kind, call.args[name])
            if problem:
                out.append(f"{call.skill}.{name}: {problem}")
        return out

    def check_all(self, calls: Iterable[SkillCall]) -> list[str]:
        return [p for c in calls for p in self.problems(c)]

    def _check_arg(self, kind: ArgType, value: object) -> str | None:
        text = str(value)
        match kind:
            case "place":
                return None if text in self.places else f"unknown place {text!r}"
            case "person":
                return None if text in self.people else f"unknown person {text!r}"
            case "object":
                return None if text in self.objects else f"unknown object {text!r}"
            case "elevator":
                return None if text in self.elevators else f"unknown elevator {text!r}"
            case "emotion":
                return None if text in EMOTIONS else f"unknown emotion {text!r}"
            case "floor":
                try:
                    floor = int(value)  # type: ignore[call-overload]
                except (TypeError, ValueError):
                    return f"floor {value!r} is not a number"
                return None if floor in self.floors else f"unknown floor {floor}"
            case "seconds":
                try:
                    seconds = float(value)  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    return f"duration {value!r} is not a number"
                return None if 0 < seconds <= 4 * 3600 else f"duration {seconds} s out of range"
            case "text":
                return None if 0 < len(text) <= 500 else "text must be 1-500 characters"
        return f"unknown argument type {kind!r}"
