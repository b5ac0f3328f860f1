"""The intentions the policy weighs: what Sys2 means to do now, read from its goals and queue.

Both the fast path at run time and the training data read them, so they live here rather than
in the training module (:mod:`pepa.agent.policy.teacher`), which pulls in a process pool and all
three systems.
"""

from __future__ import annotations

from pepa.agent.policy.features import Intention
from pepa.agent.sys2.deliberator import Deliberator
from pepa.conditions import firing_goals
from pepa.knowledge import WorldKnowledge
from pepa.messages import SkillCall
from pepa.world_state import WorldState


def intentions_of(
    sys2: Deliberator, state: WorldState, knowledge: WorldKnowledge
) -> list[Intention]:
    """Firing goals' actions and open requests' next steps, as the policy sees them."""
    out = [Intention("request", step) for step in _open_steps(sys2)]
    out += [Intention("goal", g.action) for g in firing_goals(sys2.goals, state, knowledge)]
    return out


def _open_steps(sys2: Deliberator) -> list[SkillCall]:
    """Each open request's next step, oldest request first."""
    steps: list[SkillCall] = []
    for r in sorted(sys2.queue.open(), key=lambda r: (r.created_at, r.id)):
        if r.task is not None and r.task.progress < len(r.task.steps):
            steps.append(r.task.steps[r.task.progress])
    return steps
