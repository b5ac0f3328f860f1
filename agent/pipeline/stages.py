"""The two stages of the onboard fast path, as plain callables the pipeline's workers run.

* :class:`PerceptionStage`: a camera frame (plus the public world state and the robot's
  intentions) -> a :class:`Percept`: ArUco markers read by OpenCV, the feature vector, and the
  CNN encoder's memory tokens.
* :class:`GenerationStage`: a percept -> the next skill call, decoded by the transformer.

Both release the GIL in their heavy parts (OpenCV and torch kernels), which is what lets
worker threads overlap them on a multi-core CPU.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from pepa.agent.policy.features import FeatureSpec, Intention
from pepa.agent.policy.model import GreedyDecoder, OnboardModel, example_inputs, trace_encoder
from pepa.agent.policy.vocab import VocabError
from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys1.perception import CameraDetector
from pepa.building.layout import Building
from pepa.messages import SkillCall
from pepa.robot import CameraImage
from pepa.world_state import WorldState


@dataclass(frozen=True)
class FrameJob:
    """A camera frame and what Sys1 knew when it was taken."""

    index: int  # the camera's frame counter
    captured_at: float  # pipeline clock (s)
    image: CameraImage
    state: WorldState
    intentions: tuple[Intention, ...]


@dataclass(frozen=True)
class Percept:
    """Perception's output for one frame: what generation needs, and a digest of it."""

    frame_index: int
    captured_at: float
    memory: torch.Tensor
    memory_pad: torch.Tensor
    texts: tuple[str, ...]
    key: str  # digest of the inputs that decide (state, markers, intentions)


class PerceptionStage:
    """ArUco + features + CNN; one ArUco detector per worker thread (they are not shared)."""

    def __init__(
        self,
        model: OnboardModel,
        spec: FeatureSpec,
        building: Building,
        perception_cfg: PerceptionConfig,
    ) -> None:
        self.model = model
        self.spec = spec
        self.building = building
        self.perception_cfg = perception_cfg
        self._local = threading.local()
        self.encoder = trace_encoder(model, spec.state_size, spec.width, spec.height)

    def _detector(self) -> CameraDetector:
        det = getattr(self._local, "detector", None)
        if det is None:
            # frames come from the pipeline: ``detect_in`` never asks a robot for one
            det = CameraDetector(None, self.building, self.perception_cfg)  # type: ignore[arg-type]
            self._local.detector = det
        return det

    def __call__(self, job: FrameJob) -> Percept:
        sightings = self._detector().detect_in(job.image)
        obs = self.spec.observation(job.state, job.image.image, sightings, job.intentions)
        with torch.inference_mode():
            memory, pad = self.encoder(
                torch.from_numpy(obs.frame)[None],
                torch.from_numpy(obs.state)[None],
                torch.from_numpy(obs.candidates)[None],
            )
        digest = hashlib.blake2b(digest_size=12)
        digest.update(obs.state.tobytes())
        digest.update(obs.candidates.tobytes())
        return Percept(job.index, job.captured_at, memory, pad, obs.texts, digest.hexdigest())


@dataclass(frozen=True)
class Generated:
    """Generation's output: the call's tokens (and the call, when it can be made)."""

    tokens: tuple[int, ...]
    call: SkillCall | None
    problem: str | None = None


class GenerationStage:
    """The transformer decoder over a percept's memory, as one compiled graph
    (:class:`GreedyDecoder`): the whole decision runs without the GIL."""

    def __init__(self, model: OnboardModel, spec: FeatureSpec) -> None:
        self.model = model
        with torch.inference_mode():
            memory, pad = model.eval().encoder(
                *example_inputs(model, spec.state_size, spec.width, spec.height)
            )
        self.decoder = GreedyDecoder.compile(model, memory, pad)

    def __call__(self, percept: Percept) -> Generated:
        with torch.inference_mode():
            seq = self.decoder(percept.memory, percept.memory_pad).tolist()
        return self.decode(seq, percept.texts)

    def decode(self, seq: Sequence[int], texts: Sequence[str]) -> Generated:
        try:
            call = self.model.vocab.decode(seq, texts)
        except VocabError as exc:
            return Generated(tuple(seq), None, str(exc))
        return Generated(tuple(seq), call)
