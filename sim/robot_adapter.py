"""The in-process robot: :class:`~pepa.robot.Robot` over :class:`pepa.sim.world.World`.

Also the simulator's ground truth for oracle perception (:class:`WorldTruth`) and the loop
that drives a world with Sys1 (:func:`run_world`): it integrates the world finely only while
the robot moves and jumps to Sys1's next wake-up otherwise.
"""

from __future__ import annotations

import logging
import math

from pepa.messages import ElevatorStatus
from pepa.robot import POSTURES, BatteryStatus, CameraImage, RobotError, RobotPose, Sighting
from pepa.sim.camera import CameraConfig, Renderer
from pepa.sim.camera_adapter import scene_for
from pepa.sim.elevator import ElevatorError
from pepa.sim.world import World

log = logging.getLogger(__name__)

_KINDS = {
    "landmark": "landmark",
    "person": "person",
    "elevator_panel": "elevator_panel",
    "object": "object",
}


class SimRobot:
    """The simulated office's robot behind the Robot protocol."""

    def __init__(self, world: World, camera: CameraConfig | None = None) -> None:
        self.world = world
        self.camera_config = camera or CameraConfig(width=640, height=480)
        self._renderer: Renderer | None = None
        self.posture = "stand"
        self.said: list[tuple[float, str | None, str]] = []
        self.led: set[str] = set()

    def set_cmd_vel(self, v: float, w: float) -> None:
        self.world.set_cmd_vel(v, w)

    def pose(self) -> RobotPose:
        r = self.world.robot
        return RobotPose(r.x, r.y, r.theta, r.floor)

    def battery(self) -> BatteryStatus:
        w = self.world
        return BatteryStatus(w.battery.soc, w.charging, w.battery.config.capacity_wh)

    def dock(self) -> bool:
        self.world.set_cmd_vel(0.0, 0.0)
        return self.world.charging

    def undock(self) -> None:
        """Nothing to release: the simulated charger stops when the robot drives off."""

    def elevator_call(self, elevator: str, floor: int) -> bool:
        try:
            return self.world.call_elevator(elevator, floor)
        except ElevatorError as exc:
            raise RobotError(str(exc)) from None

    def elevator_press(self, elevator: str, floor: int) -> bool:
        try:
            return self.world.press_elevator_button(elevator, floor)
        except ElevatorError as exc:
            raise RobotError(str(exc)) from None

    def elevator_status(self, elevator: str) -> ElevatorStatus:
        try:
            st = self.world.elevator_status(elevator)
        except ElevatorError as exc:
            raise RobotError(str(exc)) from None
        return ElevatorStatus(
            elevator=st.id,
            time=self.world.now,
            floor=st.floor,
            state="out_of_service" if st.out_of_service else st.state,
            direction=st.direction,
            doors_open=st.doors_open,
            hall_calls=list(st.hall_calls),
            car_calls=list(st.car_calls),
            load=st.load,
            capacity=st.capacity,
            robot_aboard=self.world.aboard == elevator,
        )

    def elevator_board(self, elevator: str) -> None:
        # the simulated car registers the robot when it drives in; confirm it did
        if self.world.aboard != elevator:
            raise RobotError(f"the robot is not inside elevator {elevator}")

    def elevator_exit(self, elevator: str) -> None:
        if self.world.aboard == elevator:
            raise RobotError(f"the robot is still inside elevator {elevator}")

    def speak(self, text: str, person: str | None = None) -> None:
        self.said.append((self.world.now, person, text))
        if len(self.said) > 500:
            del self.said[:250]
        self.world.log.append(
            (self.world.now, f"robot says{' to ' + person if person else ''}: {text}")
        )

    def express(self, posture: str) -> None:
        if posture not in POSTURES:
            raise RobotError(f"unknown posture {posture!r}; known: {', '.join(POSTURES)}")
        self.posture = posture

    def lead(self, person: str, leading: bool) -> bool:
        """People in the simulated office keep to their schedules unless the world can make
        them follow the robot (``World.lead_person``)."""
        hook = getattr(self.world, "lead_person", None)
        if hook is None:
            return not leading
        ok = bool(hook(person, leading))
        (self.led.add if leading and ok else self.led.discard)(person)
        return ok

    def camera_frame(self) -> CameraImage | None:
        if self._renderer is None:
            self._renderer = Renderer(self.camera_config)
        r = self.world.robot
        scene = scene_for(self.world, r.floor)
        frame = self._renderer.render(scene, r.x, r.y, r.theta)
        c = self.camera_config
        return CameraImage(
            frame.image,
            c.k_matrix(),
            c.mount_height_m,
            RobotPose(r.x, r.y, r.theta, r.floor),
            self.world.now,
        )


class WorldTruth:
    """The world's ``visible`` query as oracle perception wants it: markers facing the robot.

    Call panels are checked here against a point just in front of their wall: the world's
    own query aims at a point inside the wall's cells, so its line of sight to a panel
    almost always fails.
    """

    def __init__(self, world: World, max_incidence_deg: float = 75.0) -> None:
        self.world = world
        self._min_cos = math.cos(math.radians(max_incidence_deg))
        self._facing = {lm.id: lm.facing_rad for lm in world.building.landmarks}
        self._panels: dict[int, list[tuple[str, float, float, float]]] = {}
        half_wall = world.building.spec.wall_thickness_m / 2
        for e in world.building.elevators:
            for d in e.doors:
                facing = e.panel_facing_rad(d.floor)
                self._panels.setdefault(d.floor, []).append(
                    (
                        f"{e.id}@{d.floor}",
                        d.panel[0] + (half_wall + 0.08) * math.cos(facing),
                        d.panel[1] + (half_wall + 0.08) * math.sin(facing),
                        facing,
                    )
                )

    def visible(self, pose: RobotPose, fov_rad: float, range_m: float) -> list[Sighting]:
        out = []
        for s in self.world.visible(pose, fov_rad, range_m):
            if not s.facing or s.kind == "elevator_panel":
                continue  # a marker seen edge-on or from behind cannot be read
            incidence = 0.0
            f = self._facing.get(s.id)
            if f is not None and s.distance > 1e-6:
                dx, dy = s.x - pose.x, s.y - pose.y
                cos_i = (-dx * math.cos(f) - dy * math.sin(f)) / s.distance
                if cos_i < self._min_cos:
                    continue
                incidence = math.acos(max(-1.0, min(1.0, cos_i)))
            kind = _KINDS.get(s.kind, "object")
            out.append(
                Sighting(kind, s.id, s.floor, s.x, s.y, s.distance, s.bearing, incidence)  # type: ignore[arg-type]
            )
        for ident, x, y, facing in self._panels.get(pose.floor, ()):
            dx, dy = x - pose.x, y - pose.y
            dist = math.hypot(dx, dy)
            if dist > range_m or dist < 1e-6:
                continue
            bearing = (math.atan2(dy, dx) - pose.theta + math.pi) % (2 * math.pi) - math.pi
            if abs(bearing) > fov_rad / 2:
                continue
            cos_i = (-dx * math.cos(facing) - dy * math.sin(facing)) / dist
            if cos_i < self._min_cos:
                continue
            if self.world.line_of_sight(pose.floor, (pose.x, pose.y), (x, y)):
                inc = math.acos(min(1.0, cos_i))
                out.append(Sighting("elevator_panel", ident, pose.floor, x, y, dist, bearing, inc))
        return out


def run_world(world: World, sys1: object, until: float, max_ticks: int | None = None) -> int:
    """Drive ``world`` with ``sys1`` (anything with ``tick(now) -> next``) up to ``until``.

    Returns the number of ticks. The world is integrated at Sys1's pace while the robot
    moves and skipped ahead while it stands still.
    """
    ticks = 0
    tick = sys1.tick  # type: ignore[attr-defined]
    while world.now < until:
        wake = min(tick(world.now), until)
        ticks += 1
        if wake <= world.now:
            wake = world.now + 1e-3
        if world.robot.moving:
            world.step(wake - world.now)
        else:
            world.skip(wake)
        if max_ticks is not None and ticks >= max_ticks:
            break
    return ticks


__all__ = ["SimRobot", "WorldTruth", "run_world"]
