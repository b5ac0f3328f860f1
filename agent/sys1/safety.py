"""The safety guard: the last word on what the robot does, whatever Sys2, an LLM or a user asks.

* Only skills of the catalogue run, with arguments that name known things.
* Forbidden zones (from the building file): navigation plans on a map where they are walls
  (:func:`pepa.agent.sys1.context.navigation_map`), and a velocity command that would carry the
  robot into one within the time it is held is stopped.
* Speed is limited while a person is close.
* The battery reserve: the executor asks :meth:`SafetyGuard.needs_charge` and interrupts
  non-critical work to go and charge.
* Every override is recorded as an experience (once per episode of the same override, so a
  minute of slow walking next to someone is one memory, not three hundred).
* Text that the robot hears or is sent is data: it can be spoken or stored, never executed;
  it is stripped of control characters and capped before it reaches the speaker.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Callable

from pepa.agent.sys1.config import SafetyConfig
from pepa.agent.sys1.recorder import ExperienceRecorder
from pepa.building.layout import Building
from pepa.knowledge import EMOTIONS, SKILLS
from pepa.messages import SkillCall
from pepa.robot import RobotPose

log = logging.getLogger(__name__)

MAX_SPOKEN_CHARS = 500


class SafetyGuard:
    def __init__(
        self,
        building: Building,
        config: SafetyConfig,
        recorder: ExperienceRecorder,
        nearest_person: Callable[[RobotPose, float], float],
        known_objects: Callable[[], set[str]] | None = None,
    ) -> None:
        self.building = building
        self.config = config
        self.recorder = recorder
        self.nearest_person = nearest_person
        self.known_objects = known_objects or (lambda: set())
        self.overrides: dict[str, int] = {}
        self._active: set[str] = set()
        self._zones = {lvl: building.forbidden_rects(lvl) for lvl in building.floor_levels}

    # --- what may run -------------------------------------------------------------------

    def admit(self, call: SkillCall) -> str | None:
        """None when ``call`` may run, else the reason it may not."""
        spec = SKILLS.get(call.skill)
        if spec is None:
            return f"unknown skill {call.skill!r}: only the {len(SKILLS)} catalogue skills run"
        for name in call.args:
            if name not in spec.args:
                return f"skill {call.skill!r} takes no argument {name!r}"
        for name, kind in spec.args.items():
            if name not in call.args:
                if name not in spec.optional:
                    return f"skill {call.skill!r} needs argument {name!r}"
                continue
            problem = self._check_arg(kind, call.args[name])
            if problem:
                return f"{call.skill}.{name}: {problem}"
        return None

    def _check_arg(self, kind: str, value: object) -> str | None:
        b = self.building
        text = str(value)
        if kind == "place":
            known = text in b.rooms_by_id or text in b.landmarks_by_id or text in ("dock", "home")
            return None if known else f"unknown place {text!r}"
        if kind == "person":
            return None if text in b.people_by_id else f"unknown person {text!r}"
        if kind == "elevator":
            return None if text in b.elevators_by_id else f"unknown elevator {text!r}"
        if kind == "emotion":
            return None if text in EMOTIONS else f"unknown emotion {text!r}"
        if kind == "object":
            return None if text.strip() else "empty object name"
        if kind == "floor":
            try:
                floor = int(value)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return f"floor {value!r} is not a number"
            return None if floor in b.floor_levels else f"unknown floor {floor}"
        if kind == "seconds":
            try:
                s = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return f"duration {value!r} is not a number"
            return None if 0 < s <= 4 * 3600 else f"duration {s} s out of range (0, 14400]"
        if kind == "text":
            return (
                None if 0 < len(text.strip()) <= MAX_SPOKEN_CHARS else "text must be 1-500 chars"
            )
        return f"unknown argument type {kind!r}"

    @staticmethod
    def sanitize_text(text: str) -> str:
        """Printable text only, capped: what is heard or sent is never more than words."""
        clean = "".join(
            ch if not unicodedata.category(ch).startswith("C") else " " for ch in str(text)
        )
        clean = " ".join(clean.split())
        return clean[:MAX_SPOKEN_CHARS] or "…"

    # --- motion -------------------------------------------------------------------------

    def in_forbidden(self, floor: int, x: float, y: float, margin: float = 0.0) -> bool:
        for x0, y0, x1, y1 in self._zones.get(floor, ()):
            if x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin:
                return True
        return False

    def filter_cmd(
        self, pose: RobotPose, v: float, w: float, now: float, hold_s: float | None = None
    ) -> tuple[float, float]:
        """The command that may be sent: slowed near people, stopped before a forbidden zone."""
        c = self.config
        reasons: set[str] = set()
        if v > c.near_person_mps:
            d = self.nearest_person(pose, c.near_person_m)
            if d <= c.near_person_m:
                v = c.near_person_mps
                reasons.add("slow_near_person")
        if v != 0.0 and self._zones.get(pose.floor):
            horizon = max(c.forbidden_horizon_s, hold_s or 0.0)
            reach = abs(v) * horizon + c.robot_radius_m
            sgn = 1.0 if v > 0 else -1.0
            here = self.in_forbidden(pose.floor, pose.x, pose.y)
            for frac in (0.5, 1.0):
                px = pose.x + sgn * frac * reach * math.cos(pose.theta)
                py = pose.y + sgn * frac * reach * math.sin(pose.theta)
                if self.in_forbidden(pose.floor, px, py) and not here:
                    v = 0.0
                    reasons.add("forbidden_zone")
                    break
        self._note(reasons, pose, now)
        return v, w

    def _note(self, reasons: set[str], pose: RobotPose, now: float) -> None:
        for r in reasons - self._active:
            self.overrides[r] = self.overrides.get(r, 0) + 1
            text = {
                "slow_near_person": "slowed down: a person is close",
                "forbidden_zone": "stopped before entering a forbidden zone",
            }.get(r, r)
            self.recorder.safety(now, pose, text)
        self._active = reasons

    def override(
        self, kind: str, caption: str, pose: RobotPose, now: float, battery: float | None = None
    ) -> None:
        """Record an override decided elsewhere (battery reserve, refused skill)."""
        self.overrides[kind] = self.overrides.get(kind, 0) + 1
        self.recorder.safety(now, pose, caption, battery)

    # --- battery ------------------------------------------------------------------------

    def needs_charge(self, soc: float, capacity_wh: float, way_to_dock_s: float) -> bool:
        """Whether the reserve plus the energy for the way to the dock is reached."""
        if not math.isfinite(way_to_dock_s):
            way_to_dock_s = 600.0
        need_wh = self.config.moving_w * way_to_dock_s / 3600.0
        return soc <= self.config.battery_reserve + need_wh / capacity_wh
