"""Experience recording: what Sys1 did, saw and said becomes episodic memory.

Every skill start and end, every notable percept (a new person or object, something moved, a
person still in view some minutes on), every interaction with a person, every elevator ride
(also those inside another skill), the start and end of every stay on the charger and every
safety override becomes an :class:`Experience` with
a caption, the pose, the room, the time and an importance. Importance comes from memory's
offline scorer unless another :class:`ImportanceScorer` is given. The recorder writes into any
:class:`ExperienceSink` (the episodic memory at run time, a list in tests).
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from pepa.building.layout import Building
from pepa.clock import day_of, format_time
from pepa.memory.importance import ImportanceScorer, OfflineImportanceScorer
from pepa.messages import Experience, ExperienceSource, SkillCall, SkillResult, SkillStatus
from pepa.robot import RobotPose

log = logging.getLogger(__name__)

ELEVATOR_RIDE = "elevator_ride"
"""Episode kind: the robot boarded an elevator car (caption names the car and floors)."""
CHARGING = "charging"
"""Episode kind: charging began (outcome ``started``) or ended (``stopped``)."""
LIVELOCK = "livelock"
"""Episode kind: the livelock guard stopped work that kept coming back to the same spot."""


@runtime_checkable
class ExperienceSink(Protocol):
    def record(self, experience: Experience) -> object: ...


class ListSink:
    """Keeps experiences in a list (tests, and runs that store memory elsewhere)."""

    def __init__(self) -> None:
        self.items: list[Experience] = []

    def record(self, experience: Experience) -> object:
        self.items.append(experience)
        return experience.id

    def kinds(self) -> list[str]:
        return [e.kind for e in self.items]


class ExperienceRecorder:
    """Builds experiences from Sys1 events and hands them to a sink."""

    def __init__(
        self,
        sink: ExperienceSink,
        building: Building,
        scorer: ImportanceScorer | None = None,
    ) -> None:
        self.sink = sink
        self.building = building
        self.scorer = scorer if scorer is not None else OfflineImportanceScorer()
        self.count = 0
        self.goal_id: str | None = None
        self.request_id: str | None = None

    def room_of(self, pose: RobotPose) -> str:
        room = self.building.room_at(pose.floor, pose.x, pose.y)
        return room.id if room is not None else f"floor_{pose.floor}"

    def record(
        self,
        *,
        time: float,
        pose: RobotPose,
        kind: str,
        caption: str,
        battery: float | None = None,
        skill: str | None = None,
        outcome: str | None = None,
        people: list[str] | None = None,
        objects: list[str] | None = None,
        source: ExperienceSource = ExperienceSource.SYS1,
    ) -> Experience:
        room = self.room_of(pose)
        exp = Experience(
            time=time,
            day=day_of(time),
            floor=pose.floor,
            room=room,
            pose=pose.to_pose(),
            kind=kind,
            skill=skill,
            outcome=outcome,
            people=people or [],
            objects=objects or [],
            caption=f"{format_time(time)}, {room}: {caption}",
            source=source,
            goal_id=self.goal_id,
            request_id=self.request_id,
            battery=None if battery is None else min(1.0, max(0.0, battery)),
        )
        exp.importance = self.scorer.score(exp)
        self.scorer.observe(exp)
        self.sink.record(exp)
        self.count += 1
        return exp

    # --- the kinds of events Sys1 records -----------------------------------------------

    def skill_started(
        self, call: SkillCall, time: float, pose: RobotPose, battery: float
    ) -> Experience:
        return self.record(
            time=time,
            pose=pose,
            kind="skill_start",
            skill=call.skill,
            caption=f"started {call.label()}",
            battery=battery,
            people=_people_of(call),
            objects=_objects_of(call),
        )

    def skill_ended(self, result: SkillResult, pose: RobotPose, battery: float) -> Experience:
        call = result.call
        took = result.ended_at - result.started_at
        text = {
            SkillStatus.SUCCESS: "finished",
            SkillStatus.FAILURE: "failed",
            SkillStatus.CANCELLED: "stopped",
        }[result.status]
        why = f": {result.reason}" if result.reason else ""
        return self.record(
            time=result.ended_at,
            pose=pose,
            kind="skill_end",
            skill=call.skill,
            outcome=result.status.value,
            caption=f"{text} {call.label()} after {took:.0f} s, {result.distance_m:.1f} m{why}",
            battery=battery,
            people=_people_of(call),
            objects=_objects_of(call),
        )

    def percept(
        self,
        time: float,
        pose: RobotPose,
        caption: str,
        people: list[str] | None = None,
        objects: list[str] | None = None,
    ) -> Experience:
        return self.record(
            time=time, pose=pose, kind="percept", caption=caption, people=people, objects=objects
        )

    def interaction(
        self, time: float, pose: RobotPose, person: str | None, caption: str, skill: str
    ) -> Experience:
        return self.record(
            time=time,
            pose=pose,
            kind="interaction",
            skill=skill,
            caption=caption,
            people=[person] if person else [],
        )

    def elevator_ride(
        self,
        time: float,
        pose: RobotPose,
        elevator: str,
        from_floor: int,
        to_floor: int,
        battery: float | None = None,
    ) -> Experience:
        """The robot boarded a car (no skill outcome: a ride inside navigate is a step of it,
        not a skill of its own for Sys3's statistics)."""
        return self.record(
            time=time,
            pose=pose,
            kind=ELEVATOR_RIDE,
            caption=f"boarded {elevator} on floor {from_floor} to ride to floor {to_floor}",
            battery=battery,
        )

    def charging(
        self, time: float, pose: RobotPose, started: bool, battery: float, since: float | None
    ) -> Experience:
        """The robot began or stopped charging (whatever it was doing on the dock: charging,
        resting, waiting for the night)."""
        if started:
            caption = f"on the dock: charging from {100 * battery:.0f}%"
        else:
            took = "" if since is None else f" after {(time - since) / 60:.0f} min"
            caption = f"off the dock{took}: battery at {100 * battery:.0f}%"
        return self.record(
            time=time,
            pose=pose,
            kind=CHARGING,
            outcome="started" if started else "stopped",
            caption=caption,
            battery=battery,
        )

    def livelock(
        self, time: float, pose: RobotPose, skill: str, reason: str, battery: float
    ) -> Experience:
        """The livelock guard stopped ``skill``: a failure worth remembering where it was."""
        return self.record(
            time=time,
            pose=pose,
            kind=LIVELOCK,
            skill=skill,
            outcome="stopped",
            caption=f"stopped {skill}, going round in circles: {reason}",
            battery=battery,
        )

    def safety(
        self, time: float, pose: RobotPose, caption: str, battery: float | None = None
    ) -> Experience:
        return self.record(
            time=time,
            pose=pose,
            kind="safety",
            outcome="override",
            caption=f"safety override: {caption}",
            battery=battery,
        )


def _people_of(call: SkillCall) -> list[str]:
    p = call.args.get("person")
    return [str(p)] if p is not None else []


def _objects_of(call: SkillCall) -> list[str]:
    o = call.args.get("object")
    return [str(o)] if o is not None else []
