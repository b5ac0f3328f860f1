"""Getting out of an elevator car: the last step of a ride, and the first of any trip that
starts inside one.

A car is blocked ground on Sys1's map while its doors are shut, so a robot left standing in a
car (a ride that timed out, doors that closed before it reached the car's centre) cannot plan
a way anywhere: it has to open the doors from inside, drive out through the doorway to the
hall point, and only then route. :func:`aboard` says which car the robot stands in.
"""

from __future__ import annotations

from pepa.agent.sys1.context import SkillContext
from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed
from pepa.agent.sys1.skills.motion import FollowPath
from pepa.messages import SkillCall
from pepa.robot import RobotError

EXIT_ATTEMPTS = 3
POLL_S = 1.0
#: How long to wait for the doors (the car may be carrying other people elsewhere first).
DOORS_WAIT_S = 240.0


def aboard(ctx: SkillContext) -> str | None:
    """The elevator the robot stands in, or None."""
    p = ctx.pose
    e = ctx.building.elevator_at(p.floor, p.x, p.y)
    if e is None:
        return None
    try:
        return e.id if ctx.robot.elevator_status(e.id).robot_aboard else None
    except RobotError:
        return None


class LeaveElevator(Skill):
    """Open the doors of ``elevator`` at the floor it stands at and drive out to its hall."""

    name = "leave_elevator"

    def __init__(self, ctx: SkillContext, elevator: str) -> None:
        super().__init__(ctx, SkillCall(skill="leave_elevator", args={"elevator": elevator}))
        self.elevator = elevator

    def script(self) -> Script:
        ctx = self.ctx
        eid = self.elevator
        spec = ctx.building.elevators_by_id[eid]
        for _ in range(EXIT_ATTEMPTS):
            # doors open at a floor: ask for them (a hall call at the car's own floor opens
            # them; while the car moves, wait for its stop)
            deadline = ctx.now + DOORS_WAIT_S
            while True:
                st = ctx.robot.elevator_status(eid)
                if not st.robot_aboard:
                    return Outcome(True, f"out of elevator {eid} on floor {ctx.pose.floor}")
                if st.doors_open and st.floor == ctx.pose.floor:
                    break
                if st.state == "out_of_service":
                    return Outcome(False, f"shut in elevator {eid}: it is out of service")
                if st.state != "moving" and st.state != "doors_opening":
                    ctx.robot.elevator_call(eid, st.floor)
                if ctx.now >= deadline:
                    return Outcome(
                        False,
                        f"the doors of elevator {eid} did not open within {DOORS_WAIT_S:.0f} s",
                    )
                self.set_feedback(f"waiting for the doors of elevator {eid}", 0.3)
                yield POLL_S
            floor = ctx.pose.floor
            door = spec.door(floor)
            hall = ctx.router.nodes[ctx.router.hall_nodes[(eid, floor)]]
            self.set_feedback(f"leaving elevator {eid} on floor {floor}", 0.6)
            res = yield FollowPath(
                ctx, [(ctx.pose.x, ctx.pose.y), door.center, (hall.x, hall.y)], speed=0.6
            )
            if not ctx.robot.elevator_status(eid).robot_aboard:
                if failed(res):
                    # out of the car but short of the hall: good enough to plan from
                    return Outcome(True, f"out of elevator {eid} on floor {ctx.pose.floor}")
                return Outcome(True, f"left elevator {eid} on floor {ctx.pose.floor}")
        return Outcome(False, f"could not leave elevator {eid} on floor {ctx.pose.floor}")
