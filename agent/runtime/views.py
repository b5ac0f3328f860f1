"""What the console reads of a day in-process: the robot's status, people, elevators.

Plain functions of a :class:`~agent.runtime.day.Day` (the simulator's truth, for the map), so
the runtime that drives the day only takes its lock and hands the day over.
"""

from __future__ import annotations

from pepa.agent.runtime.day import Day
from pepa.messages import AgentStatus, Decision, ElevatorStatus, Pose


def pose_of(day: Day) -> Pose:
    r = day.world.robot
    return Pose(x=r.x, y=r.y, theta=r.theta, floor=r.floor)


def status_of(day: Day | None, personality: str, now: float, last: Decision | None) -> AgentStatus:
    """The robot's status; before its first day, resting at the origin with a full battery."""
    if day is None:
        return AgentStatus(
            time=now,
            personality=personality,
            pose=Pose(x=0.0, y=0.0, floor=0),
            battery=1.0,
            decision=last.explanation if last is not None else None,
        )
    pose = pose_of(day)
    room = day.building.room_at(pose.floor, pose.x, pose.y)
    h = day.handle
    return AgentStatus(
        time=now,
        personality=personality,
        pose=pose,
        room=room.id if room is not None else None,
        battery=min(1.0, day.world.battery.soc),
        charging=day.world.charging,
        current_skill=day.sys1.current_skill,
        current_goal=h.plan.goal_id if h is not None else None,
        plan=h.plan if h is not None else None,
        decision=last.explanation if last is not None else None,
        queue=day.sys2.queue_counts(),
    )


def people_of(day: Day) -> list[dict[str, object]]:
    """Where everyone is (the simulator's truth, for the console's map)."""
    out: list[dict[str, object]] = []
    for p in day.world.people_states():
        room = day.building.room_at(p.floor, p.x, p.y)
        out.append(
            {
                "id": p.id,
                "floor": p.floor,
                "x": round(p.x, 2),
                "y": round(p.y, 2),
                "room": room.id if room is not None else None,
            }
        )
    return out


def elevators_of(day: Day) -> list[ElevatorStatus]:
    """Every elevator as Sys1's robot reads it (the simulator's truth)."""
    return [day.sys1.robot.elevator_status(eid) for eid in sorted(day.world.elevators)]
