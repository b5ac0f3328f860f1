"""A candidate course of action: what the search chooses between.

An option is a short sequence of skill calls with its origin (a request, a daily goal, a need,
an idle impulse of the personality) and what completing it is worth outside the robot's own
reward: the request's priority and deadline, or the goal's priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pepa.messages import CandidateKind, PlanSource, SkillCall


@dataclass(frozen=True)
class Option:
    kind: CandidateKind
    label: str
    steps: tuple[SkillCall, ...]
    ref: str | None = None
    # extrinsic value on completion (requests): value * exp(-delay / tau), late past deadline
    extrinsic: float = 0.0
    tau_s: float = 3600.0
    deadline: float | None = None
    # intrinsic bonus on completion (daily goals, the need to charge)
    bonus: float = 0.0
    # at most once per simulated sequence (requests and goals are done once)
    once: bool = False
    prior: float = 1.0
    source: PlanSource = PlanSource.MCTS
    why: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.ref or ''}:{self.label}"
