"""What a run is: personality, seed, perception, LLM backend, world, and the robot's day.

Everything is validated before anything starts, so an unknown personality or a broken world
file is a clear error and not a half-created data directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pepa.agent.runtime.ablation import Ablation
from pepa.building.layout import Building, building_path, load_building
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind
from pepa.personalities import loader
from pepa.personalities.model import Personality
from pepa.sim.events import EventConfig


class RuntimeConfig(BaseModel):
    """One run's settings; the identity fields must match when a run is resumed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    personality: str = Field(min_length=1)
    seed: int = Field(default=0, ge=0)
    perception: Literal["oracle", "camera"] = "oracle"
    llm: Literal["offline", "openai", "local"] = "offline"
    world: str | None = Field(default=None, description="building file; None: the office")
    day_start_h: float = Field(default=8.0, ge=0.0, lt=24.0)
    day_end_h: float = Field(default=24.0, gt=0.0, le=24.0)
    bedtime_h: float | None = Field(
        default=None,
        ge=0.0,
        le=24.0,
        description="the robot stops new work and docks (default: an hour before the end)",
    )
    ablation: Ablation = Field(default=Ablation.NONE, description="a part switched off")
    requests_per_person_hour: float | None = Field(
        default=None, ge=0.0, le=10.0, description="request load; None: the default day"
    )
    fast_path: Literal["off", "policy"] = Field(
        default="off", description="policy: Sys1 follows the onboard policy between deliberations"
    )
    policy_model: str | None = Field(default=None, description="the onboard policy's directory")
    embedder: EmbedderKind = Field(
        default=DEFAULT_EMBEDDER,
        description="what embeds memory's captions (static: a run that wants speed, not recall)",
    )
    memory_batch: int = Field(default=512, ge=1, le=5000, description="episodes per write")
    checkpoint_every_s: float = Field(
        default=4 * 3600.0, gt=0, description="simulated seconds between flushes of memory"
    )

    @model_validator(mode="after")
    def _day_order(self) -> RuntimeConfig:
        if not self.day_start_h < self.bedtime <= self.day_end_h:
            raise ValueError(
                f"day_start_h ({self.day_start_h}) < bedtime_h ({self.bedtime}) <= "
                f"day_end_h ({self.day_end_h}) must hold"
            )
        return self

    @property
    def bedtime(self) -> float:
        if self.bedtime_h is not None:
            return self.bedtime_h
        return self.day_end_h - min(1.0, 0.1 * (self.day_end_h - self.day_start_h))

    @property
    def day_hours(self) -> float:
        return self.day_end_h - self.day_start_h

    def events(self) -> EventConfig:
        """The simulated day's events under this run's request load."""
        return EventConfig(requests_per_person_hour=self.requests_per_person_hour)

    def world_path(self) -> Path:
        """The building file (the default office when none is named); a missing one is an
        error worded as every command words it."""
        return building_path(self.world)

    def identity(self) -> dict[str, object]:
        """What makes two runs the same run (a resume must match it)."""
        return (
            {
                "personality": self.personality.lower(),
                "seed": self.seed,
                "perception": self.perception,
                "llm": self.llm,
                "world_sha256": world_digest(self.world_path()),
            }
            | ({"ablation": self.ablation.value} if self.ablation != Ablation.NONE else {})
            | (
                {"requests_per_person_hour": self.requests_per_person_hour}
                if self.requests_per_person_hour is not None
                else {}
            )
        )


def world_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def load_inputs(config: RuntimeConfig, data_dir: Path | None) -> tuple[Personality, Building]:
    """The personality and building a run needs; every problem names its file or name."""
    personality = loader.load(config.personality, data_dir)
    return personality, load_building(config.world_path())
