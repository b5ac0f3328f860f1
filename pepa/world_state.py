"""A snapshot of what the robot believes about the world right now (the public context's value).

Sys1 perception writes it; Sys2 reads it to find which daily goals' conditions hold and to seed
its search; Sys3 reads it for its self-model. It is a belief, not the simulator's ground truth:
people are where they were last *seen*.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pepa.clock import day_of, hour_of_day
from pepa.messages import Message, Pose, Seconds, Unit


class WorldState(Message):
    time: Seconds
    battery: Unit
    charging: bool = False
    pose: Pose
    room: str | None = None
    # person id -> room where last seen, and when
    people_rooms: dict[str, str] = Field(default_factory=dict)
    people_seen_at: dict[str, Seconds] = Field(default_factory=dict)
    # object / landmark id -> when last seen
    objects_seen_at: dict[str, Seconds] = Field(default_factory=dict)
    # room -> times entered today, in the order first entered: how much a room still offers is
    # judged from how often the robot has been there, not only whether it has
    visited_today: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    # place -> when the robot was last there (what a patrol round keeps fresh)
    visited_at: dict[str, Seconds] = Field(default_factory=dict)
    pending_requests: int = Field(default=0, ge=0)
    idle: bool = True
    current_skill: str | None = None
    blocked: list[str] = Field(default_factory=list)
    # expressions finished since the robot last rested or charged: play wears off until then
    expressions_since_rest: int = Field(default=0, ge=0)
    # person -> exchanges with them completed today (greetings, reports, messages, guiding):
    # a greeting means less to someone already greeted twice
    met_today: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    # person -> when the last exchange with them ended: one greeting per encounter
    met_at: dict[str, Seconds] = Field(default_factory=dict)
    # floor -> share of its reachable area never seen: what exploring it can still show (a
    # floor missing here is judged by its rooms alone)
    floor_unseen: dict[int, Unit] = Field(default_factory=dict)

    @property
    def day(self) -> int:
        return day_of(self.time)

    @property
    def hour(self) -> float:
        return hour_of_day(self.time)

    @property
    def floor(self) -> int:
        return self.pose.floor

    def people_in(self, room: str | None = None, within_s: float = 300.0) -> list[str]:
        """People seen (in ``room``, or anywhere) during the last ``within_s`` seconds."""
        return sorted(
            p
            for p, r in self.people_rooms.items()
            if (room is None or r == room)
            and self.time - self.people_seen_at.get(p, -1e18) <= within_s
        )
