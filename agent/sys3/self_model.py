"""What the robot knows about itself: battery, where it is, what it can do, where it can go.

Sys3 plans goals from it (a goal naming a place the robot does not know, or a skill it does not
have, is never made) and gives it to the LLM as context.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pepa.knowledge import DOCK_PLACE_KIND, SKILLS, WorldKnowledge
from pepa.messages import Place, Unit
from pepa.personalities.model import Personality
from pepa.world_state import WorldState


def home_place(personality: Personality, world: WorldKnowledge) -> Place:
    """The personality's home: the first place of its preferred kind, else the dock."""
    if not world.places:
        raise ValueError("world: no places known, so there is no home place")
    ordered = sorted(world.places.values(), key=lambda p: (p.floor, p.name))
    for kind in (personality.home_place_kind, DOCK_PLACE_KIND):
        for place in ordered:
            if place.kind == kind:
                return place
    return ordered[0]


def dock_place(world: WorldKnowledge) -> Place | None:
    docks = sorted(
        (p for p in world.places.values() if p.kind == DOCK_PLACE_KIND), key=lambda p: p.name
    )
    return docks[0] if docks else None


class SelfModel(BaseModel):
    """The robot's view of itself; refreshed from the world state."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    personality: str
    battery: Unit = 1.0
    charging: bool = False
    place: str | None = None
    floor: int = 0
    skills: list[str] = Field(default_factory=lambda: sorted(SKILLS))
    known_places: list[str] = Field(default_factory=list)
    floors: list[int] = Field(default_factory=list)
    home: str
    dock: str | None = None
    battery_reserve: Unit = 0.2

    @classmethod
    def build(cls, personality: Personality, world: WorldKnowledge) -> SelfModel:
        home = home_place(personality, world)
        dock = dock_place(world)
        return cls(
            personality=personality.name,
            place=home.name,
            floor=home.floor,
            known_places=sorted(world.places),
            floors=sorted(world.floors),
            home=home.name,
            dock=dock.name if dock else None,
            battery_reserve=personality.battery_reserve,
        )

    def update(self, state: WorldState) -> None:
        """Take battery and position from the latest world-state snapshot."""
        self.battery = state.battery
        self.charging = state.charging
        self.place = state.room
        self.floor = state.floor

    def disable(self, skill: str) -> None:
        """Mark a skill unavailable (e.g. the elevator is out of service for the day)."""
        if skill in self.skills:
            self.skills = [s for s in self.skills if s != skill]

    def can(self, skill: str) -> bool:
        return skill in self.skills

    def describe(self) -> str:
        where = self.place or "an unknown place"
        return (
            f"{self.personality} robot at {where} (floor {self.floor}), battery "
            f"{self.battery:.0%}{' charging' if self.charging else ''}, reserve "
            f"{self.battery_reserve:.0%}; home {self.home}; knows {len(self.known_places)} "
            f"places on floors {self.floors}; skills: {', '.join(self.skills)}"
        )
