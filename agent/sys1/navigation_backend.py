"""Driving a same-floor leg through another navigation stack (Nav2 on a robot that runs it).

By default Sys1 drives every leg itself (:class:`~agent.sys1.skills.motion.FollowPath`). A
robot that already runs a navigation stack can take the drive legs instead: the leg's end
becomes that stack's goal, its progress the skill's feedback, its failure the skill's failure
with the stack's own reason, and a cancel of the skill cancels the goal. Floors, stairs and
elevators stay Sys1's, since no such stack knows the building's floors. The stack is reached
through :class:`NavigationBackend`; the ROS adapter for Nav2 is ``pepa_ros.nav2_backend``, the
skill that drives a leg through it :mod:`pepa.agent.sys1.skills.backend_drive`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class DriveState(StrEnum):
    ACTIVE = "active"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DriveStatus:
    state: DriveState
    distance_remaining_m: float | None = None  # None until the stack reports it
    reason: str = ""  # why it failed, in the stack's words


class DriveHandle(Protocol):
    """One goal given to the stack; safe to read from the control loop's thread."""

    def status(self) -> DriveStatus: ...

    def cancel(self) -> None:
        """Ask the stack to stop; the status becomes CANCELLED once it has."""


class NavigationBackend(Protocol):
    """A navigation stack that drives the base to a pose on the present floor."""

    name: str

    def drive_to(self, floor: int, x: float, y: float, theta: float) -> DriveHandle:
        """Send a goal (``map`` frame, REP-103) and return at once."""
        ...
