"""A camera for closed-loop runs of the pipeline: situations recorded in the simulated office
(camera frames with what Sys1 knew and what Sys2 decided), each lasting ``hold_s`` on the
pipeline's clock, played at the camera's frame rate. The situation current when Sys1 acts on a
decision is the one the decision is scored against."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from pepa.agent.pipeline.stages import FrameJob
from pepa.agent.policy.features import Intention
from pepa.agent.policy.vocab import PolicyVocab, VocabError
from pepa.clock import Clock
from pepa.messages import Decision
from pepa.robot import CameraImage, RobotPose
from pepa.world_state import WorldState


@dataclass(frozen=True)
class Scene:
    """One recorded situation and Sys2's answer to it (as tokens)."""

    image: CameraImage
    state: WorldState
    intentions: tuple[Intention, ...]
    label: tuple[int, ...]


class SceneStream:
    """The newest frame at any moment; situations change every ``hold_s``."""

    def __init__(
        self, scenes: Sequence[Scene], clock: Clock, hold_s: float = 0.5, camera_hz: float = 60.0
    ) -> None:
        if not scenes:
            raise ValueError("scene stream: no scenes")
        if hold_s <= 0 or camera_hz <= 0:
            raise ValueError(
                f"scene stream: hold_s and camera_hz must be > 0 ({hold_s}, {camera_hz})"
            )
        self.scenes = list(scenes)
        self.clock = clock
        self.hold_s = hold_s
        self.period = 1.0 / camera_hz
        self.t0 = clock.now()
        self._lock = threading.Lock()

    def restart(self) -> None:
        with self._lock:
            self.t0 = self.clock.now()

    def scene_at(self, t: float) -> int:
        """The index of the situation current at time ``t`` (clock seconds)."""
        return int(max(0.0, t - self.t0) / self.hold_s) % len(self.scenes)

    def newest(self) -> FrameJob:
        now = self.clock.now()
        with self._lock:
            frame = int(max(0.0, now - self.t0) / self.period)
        scene = self.scenes[self.scene_at(now)]
        return FrameJob(frame, now, scene.image, scene.state, scene.intentions)


def office_scenes(
    personality: str, day: int, seed: int, count: int, knowledge_vocab: PolicyVocab
) -> list[Scene]:
    """``count`` situations sampled over a day in the office, labelled by Sys2 (camera frames
    rendered by the simulator's camera)."""
    from pepa.agent.policy.teacher import DaySampler, Situation, building_of

    runner = DaySampler(building_of(None), personality, day, seed)
    cam = runner.robot.camera_config
    out: list[Scene] = []

    def keep(sit: Situation, decision: Decision) -> None:
        try:
            label = tuple(knowledge_vocab.encode(decision.plan.steps[0]))
        except VocabError:
            return
        image = CameraImage(
            sit.image, cam.k_matrix(), cam.mount_height_m, _pose(sit.state), sit.state.time
        )
        out.append(Scene(image, sit.state, tuple(sit.intentions), label))

    runner.run(keep, count)
    return out


def _pose(state: WorldState) -> RobotPose:
    p = state.pose
    return RobotPose(p.x, p.y, p.theta, p.floor)
