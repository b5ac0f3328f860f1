"""Every change of a request's state becomes an episode: what the day's reflection counts.

Both hosts keep the same log (in-process into Sys1's recorder, on ROS into the Sys2 node's
recorder, whose episodes go to memory on ``/pepa/experiences``); the changed requests are
handed back so a host can publish them.
"""

from __future__ import annotations

from pepa.agent.sys1.recorder import ExperienceRecorder
from pepa.agent.sys2.request_queue import RequestQueue
from pepa.knowledge import WorldKnowledge
from pepa.messages import ExperienceSource, UserRequest
from pepa.robot import RobotPose


class RequestLog:
    """How much of each request's history has become episodes already."""

    def __init__(self, queue: RequestQueue, knowledge: WorldKnowledge) -> None:
        self.queue = queue
        self.knowledge = knowledge
        self._seen = {r.id: len(r.history) for r in queue.all()}

    def flush(
        self, now: float, recorder: ExperienceRecorder, pose: RobotPose | None
    ) -> list[UserRequest]:
        """Record the changes since the last flush (none without a pose); the changed requests.

        The recorder's goal and request ids are restored afterwards: the episodes of the plan
        that runs keep theirs.
        """
        changed: list[UserRequest] = []
        for req in self.queue.all():
            n = self._seen.get(req.id, 0)
            if n >= len(req.history):
                continue
            changed.append(req)
            self._seen[req.id] = len(req.history)
            if pose is None:
                continue
            saved_goal, saved_req = recorder.goal_id, recorder.request_id
            recorder.request_id = req.id
            recorder.goal_id = None
            for ev in req.history[n:]:
                recorder.record(
                    time=min(ev.time, now),
                    pose=pose,
                    kind="request",
                    outcome=ev.state.value,
                    caption=f"request from {req.sender} '{req.text[:200]}' is "
                    f"{ev.state.value}" + (f": {ev.reason[:300]}" if ev.reason else ""),
                    people=[req.sender] if req.sender in self.knowledge.people else [],
                    source=ExperienceSource.USER,
                )
            recorder.goal_id, recorder.request_id = saved_goal, saved_req
        return changed
