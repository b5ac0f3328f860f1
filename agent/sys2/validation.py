"""Checking a plan before it runs: known skills and names, reachable places, enough battery.

A plan passes when every call names a known skill with known places, people and objects (the
:class:`~pepa.knowledge.WorldKnowledge` check), every place it goes to can be reached (the
world model's travel estimate; places perception reports as blocked are not), and the battery
covers the plan *and* the way back to the dock from where it ends, above the reserve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys2.world_model import WorldModel
from pepa.knowledge import WorldKnowledge
from pepa.messages import SkillCall
from pepa.world_state import WorldState


class PlanCheck(BaseModel):
    """The verdict on a plan and the predictions behind it."""

    model_config = ConfigDict(extra="forbid")
    ok: bool
    problems: list[str] = Field(default_factory=list)
    battery_problem: bool = False
    duration_s: float = 0.0
    energy: float = 0.0
    battery_after: float = 1.0
    to_dock: float = 0.0
    includes_charge: bool = False


class PlanValidator:
    def __init__(self, knowledge: WorldKnowledge, model: WorldModel) -> None:
        self.knowledge = knowledge
        self.model = model

    def check(self, steps: Sequence[SkillCall], state: WorldState, reserve: float) -> PlanCheck:
        if not steps:
            return PlanCheck(ok=False, problems=["the plan has no steps"])
        problems = self.knowledge.check_all(steps)
        if problems:
            return PlanCheck(ok=False, problems=problems)
        blocked = set(state.blocked)
        for call in steps:
            place = call.args.get("place")
            if place is not None and str(place) in blocked:
                problems.append(f"{call.label()}: place {place!r} is reported blocked")
        sim = self.model.initial_state(state)
        start_battery = sim.battery
        duration = 0.0
        lowest = sim.battery
        charged = False
        for call in steps:
            out = self.model.step(sim, call, None)
            duration += out.duration
            if not out.success and "unreachable" in out.reason:
                problems.append(f"{call.label()}: {out.reason}")
                break
            if not out.success and "no model" in out.reason:
                problems.append(f"{call.label()}: {out.reason}")
            if call.skill == "dock_and_charge":
                charged = True
                lowest = sim.battery
            else:
                lowest = min(lowest, sim.battery)
        to_dock = self.model.energy_to_dock(sim.place)
        battery_problem = False
        if not problems and not charged:
            left = sim.battery - to_dock
            if not math.isfinite(to_dock):
                problems.append("the dock cannot be reached from where the plan ends")
                battery_problem = True
            elif left < reserve:
                need = start_battery - sim.battery
                problems.append(
                    f"not enough battery: the plan needs {need:.0%} and the way back to the "
                    f"dock {to_dock:.0%}, leaving {left:.0%} of {start_battery:.0%}, below "
                    f"the {reserve:.0%} reserve"
                )
                battery_problem = True
        return PlanCheck(
            ok=not problems,
            problems=problems,
            battery_problem=battery_problem,
            duration_s=duration,
            energy=start_battery - sim.battery,
            battery_after=sim.battery,
            to_dock=to_dock if math.isfinite(to_dock) else 1.0,
            includes_charge=charged,
        )
