"""The fast path as the runtime uses it: between Sys2's deliberations, Sys1 follows the onboard
policy.

The policy's proposal is only a proposal: it must name a known skill with valid arguments in
this world, Sys2 still arbitrates (its next decision preempts whatever the policy started),
and Sys1's safety guard admits or refuses every step. When the model cannot be loaded —
missing, corrupt, made for another world or input size, or torch not installed — the robot
runs without the fast path and says why, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pepa.agent.policy.features import Intention
from pepa.agent.sys1.config import PerceptionConfig
from pepa.building.layout import Building
from pepa.knowledge import WorldKnowledge
from pepa.messages import SkillCall
from pepa.robot import CameraImage
from pepa.world_state import WorldState

if TYPE_CHECKING:  # the stages import torch; the fast path loads them only when it runs
    from pepa.agent.pipeline.stages import FrameJob, Generated, Percept

log = logging.getLogger(__name__)

DEFAULT_INPUT_SIZE = (160, 120)


class FastPath:
    """Perception + generation of the onboard models, one frame at a time."""

    def __init__(
        self,
        perceive: Callable[[FrameJob], Percept],
        generate: Callable[[Percept], Generated],
        knowledge: WorldKnowledge,
    ) -> None:
        self.perceive = perceive
        self.generate = generate
        self.knowledge = knowledge
        self.proposals = 0
        self.rejected = 0

    @classmethod
    def load(
        cls,
        path: Path,
        knowledge: WorldKnowledge,
        building: Building,
        input_size: tuple[int, int] = DEFAULT_INPUT_SIZE,
    ) -> FastPath:
        """Raises :class:`~agent.policy.store.ModelFileError` (or ImportError without torch)."""
        import torch

        from pepa.agent.pipeline.stages import GenerationStage, PerceptionStage
        from pepa.agent.policy.store import load

        torch.set_num_threads(1)  # one decision at a time: intra-op threads only add overhead
        model, spec, card = load(path, knowledge, input_size)
        acc = card.held_out.get("call_accuracy") if card is not None else None
        log.info("fast path: onboard policy from %s (held-out call accuracy %s)", path, acc)
        perceive = PerceptionStage(model, spec, building, PerceptionConfig(mode="camera"))
        return cls(perceive, GenerationStage(model, spec), knowledge)

    @classmethod
    def load_or_none(
        cls, path: Path | None, knowledge: WorldKnowledge, building: Building
    ) -> FastPath | None:
        """The fast path, or None (logged) when it cannot run."""
        if path is None:
            log.warning("fast path: no policy model given; running without the fast path")
            return None
        try:
            return cls.load(path, knowledge, building)
        except ImportError as exc:
            log.warning("fast path: torch is not installed (%s); running without it", exc)
        except ValueError as exc:  # ModelFileError is a ValueError
            log.warning("fast path: %s; running without the fast path", exc)
        return None

    def propose(
        self, state: WorldState, frame: CameraImage, intentions: Sequence[Intention]
    ) -> SkillCall | None:
        """The policy's next skill call, or None when it has nothing valid to offer."""
        from pepa.agent.pipeline.stages import FrameJob

        job = FrameJob(0, state.time, frame, state, tuple(intentions))
        gen = self.generate(self.perceive(job))
        self.proposals += 1
        if gen.call is None:
            self.rejected += 1
            log.debug("fast path: no call (%s)", gen.problem)
            return None
        problems = self.knowledge.problems(gen.call)
        if problems:
            self.rejected += 1
            log.debug("fast path: %s rejected: %s", gen.call.label(), "; ".join(problems))
            return None
        return gen.call
