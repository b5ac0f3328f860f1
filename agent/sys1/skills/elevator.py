"""ride_elevator: the elevator state machine.

go to the hall in front of the doors → find the call panel's marker (perception) → call →
wait (with a timeout) → board when the doors open here and there is room → choose the floor
→ ride → leave when the doors open on that floor. A car out of service fails the skill with a
reason saying so, and navigation re-plans over the stairs. If the doors close before the robot
is inside, it backs out to the hall and calls again.
"""

from __future__ import annotations

import math

from pepa.agent.sys1.skills.base import Outcome, Script, Skill, failed, why
from pepa.agent.sys1.skills.leave_elevator import LeaveElevator
from pepa.agent.sys1.skills.motion import FollowPath, Turn, heading_to
from pepa.agent.sys1.skills.navigation import GoTo
from pepa.messages import ElevatorStatus
from pepa.robot import RobotError

ROBOT_UNITS = 2
POLL_S = 1.0
BOARD_ATTEMPTS = 3
PANEL_LOOKS = 3
#: How far in front of a call panel the robot stands to read its marker (m): nearer, a
#: panel at shoulder height leaves a low camera's field of view.
PANEL_VIEW_M = 2.2


class RideElevator(Skill):
    name = "ride_elevator"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.phase = "start"

    def interruptible(self) -> bool:
        return self.phase in ("start", "approach", "panel", "call", "wait")

    def _status(self, eid: str) -> ElevatorStatus:
        return self.ctx.robot.elevator_status(eid)

    def script(self) -> Script:
        ctx = self.ctx
        cfg = ctx.config.skills
        eid = str(self.arg("elevator"))
        to = self.arg_int("floor")
        spec = ctx.building.elevators_by_id.get(eid)
        if spec is None:
            return Outcome(False, f"unknown elevator {eid!r}")
        here = ctx.pose.floor
        if to == here:
            return Outcome(True, f"already on floor {to}")
        for f in (here, to):
            if f not in spec.floors:
                return Outcome(False, f"elevator {eid} does not serve floor {f}")
        hall_node = ctx.router.nodes[ctx.router.hall_nodes[(eid, here)]]
        hall = (hall_node.x, hall_node.y)
        door = spec.door(here)
        car = spec.car_center
        # 1. to where the call panel can be read (a few metres in front of it)
        self.phase = "approach"
        self.set_feedback(f"going to elevator {eid}", 0.05)
        facing = spec.panel_facing_rad(here)
        view = (
            door.panel[0] + PANEL_VIEW_M * math.cos(facing),
            door.panel[1] + PANEL_VIEW_M * math.sin(facing),
        )
        try:
            view = ctx.router.free_near(here, view, 1.5)
        except Exception:  # NoRouteError: look from the hall instead
            view = hall
        if math.hypot(ctx.pose.x - view[0], ctx.pose.y - view[1]) > 0.5:
            res = yield GoTo(ctx, (here, view[0], view[1]), label=f"elevator {eid} panel")
            if failed(res):
                return Outcome(False, f"could not reach elevator {eid}: {why(res)}")
        # 2. find the call button's marker
        self.phase = "panel"
        panel = f"{eid}@{here}"
        seen = False
        for attempt in range(PANEL_LOOKS):
            yield Turn(ctx, heading=heading_to(ctx, *door.panel) + 0.25 * (attempt % 2))
            if any(s.ident == panel for s in ctx.look()):
                seen = True
                break
        if not seen:
            return Outcome(
                False, f"could not find the call panel of elevator {eid} on floor {here}"
            )
        # then wait in front of the doors
        if math.hypot(ctx.pose.x - hall[0], ctx.pose.y - hall[1]) > 0.5:
            res = yield GoTo(ctx, (here, hall[0], hall[1]), label=f"elevator {eid} hall")
            if failed(res):
                return Outcome(False, f"could not reach elevator {eid}: {why(res)}")
        for _attempt in range(BOARD_ATTEMPTS):
            # 3. call
            self.phase = "call"
            st = self._status(eid)
            if st.state == "out_of_service" or not ctx.robot.elevator_call(eid, here):
                return Outcome(False, f"elevator {eid} is out of service")
            self.set_feedback(f"called elevator {eid} to floor {here}", 0.2)
            # 4. wait for open doors here, with room for the robot
            self.phase = "wait"
            deadline = ctx.now + cfg.elevator_wait_timeout_s
            while True:
                st = self._status(eid)
                if st.state == "out_of_service":
                    return Outcome(False, f"elevator {eid} is out of service")
                if st.doors_open and st.floor == here:
                    if st.load + ROBOT_UNITS <= st.capacity:
                        break
                    ctx.robot.elevator_call(eid, here)  # full: wait for the next trip
                elif here not in st.hall_calls and st.floor != here:
                    ctx.robot.elevator_call(eid, here)
                if ctx.now >= deadline:
                    return Outcome(
                        False,
                        f"timed out after {cfg.elevator_wait_timeout_s:.0f} s "
                        f"waiting for elevator {eid}",
                    )
                yield POLL_S
            # 5. board
            self.phase = "board"
            self.set_feedback(f"boarding elevator {eid}", 0.4)
            res = yield FollowPath(
                ctx, [(ctx.pose.x, ctx.pose.y), door.center, car], tolerance_m=0.35, speed=0.6
            )
            if self._status(eid).robot_aboard:
                # inside, even if short of the car's centre (the doors may have shut behind
                # it): that is boarded
                break
            # the doors closed first: back out and call again
            self.phase = "back"
            yield FollowPath(ctx, [(ctx.pose.x, ctx.pose.y), hall], speed=0.5)
        else:
            return Outcome(False, f"could not board elevator {eid} after {BOARD_ATTEMPTS} tries")
        try:
            ctx.robot.elevator_board(eid)
        except RobotError as exc:
            return Outcome(False, f"boarding elevator {eid} failed: {exc}")
        # every ride is an episode, also one inside navigate (whose own start and end are all
        # the executor records): "how often did I take elevator B" is answered from these
        ctx.recorder.elevator_ride(ctx.now, ctx.pose, eid, here, to, ctx.battery.soc)
        # 6. choose the floor, 7. ride
        self.phase = "ride"
        ctx.stop()
        if not ctx.robot.elevator_press(eid, to):
            return Outcome(False, f"elevator {eid} is out of service (car button refused)")
        self.set_feedback(f"riding elevator {eid} to floor {to}", 0.6)
        deadline = ctx.now + cfg.elevator_ride_timeout_s
        while True:
            st = self._status(eid)
            if st.floor == to and st.doors_open:
                break
            if st.state == "out_of_service" and st.floor != to and not st.doors_open:
                ctx.robot.elevator_call(eid, st.floor)
            elif to not in st.car_calls and st.floor != to:
                ctx.robot.elevator_press(eid, to)
            if ctx.now >= deadline:
                # never stay shut in the car: get out wherever it stands
                self.phase = "exit"
                yield LeaveElevator(ctx, eid)
                return Outcome(
                    False,
                    f"elevator {eid} did not reach floor {to} within "
                    f"{cfg.elevator_ride_timeout_s:.0f} s",
                )
            yield POLL_S
        # 8. leave
        self.phase = "exit"
        self.set_feedback(f"leaving elevator {eid} on floor {to}", 0.9)
        res = yield LeaveElevator(ctx, eid)
        if failed(res):
            return Outcome(False, f"could not leave elevator {eid} on floor {to}: {why(res)}")
        try:
            ctx.robot.elevator_exit(eid)
        except RobotError as exc:
            return Outcome(False, f"leaving elevator {eid} failed: {exc}")
        self.phase = "done"
        if ctx.pose.floor != to:
            return Outcome(False, f"left elevator {eid} on floor {ctx.pose.floor}, not {to}")
        return Outcome(True, f"rode elevator {eid} from floor {here} to {to}")
