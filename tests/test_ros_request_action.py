"""The request action and the cancel service of Sys2, from another process over real DDS.

The stack (simulated office, Sys1, Sys2) runs in a child process as a user starts it; this
process is an ordinary ROS client of ``pepa_interfaces``: a goal gets feedback for each state
of its request and a result, bad goals are rejected, a cancelled goal ends cancelled, and the
cancel service answers error codes for unknown and finished requests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pepa_ros.topics import CANCEL_REQUEST, REQUEST_ACTION
from ros_agent_support import Stack, new_domain, wait_for

pytestmark = pytest.mark.ros

STARTUP_S = 120.0
GO = "please go to the ground kitchen"
# long enough to be cancelled while it lasts, wherever the previous test left the robot
LONG = "please patrol floor 2"


class Client:
    """An action and service client on its own context, spun on a thread."""

    def __init__(self, domain: int) -> None:
        import rclpy
        from pepa_interfaces.action import Request
        from pepa_interfaces.srv import CancelRequest
        from rclpy.action import ActionClient
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor

        self.Request = Request
        self.CancelRequest = CancelRequest
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node = rclpy.create_node("pepa_test_requester", context=self.context)
        self.action = ActionClient(self.node, Request, REQUEST_ACTION.name)
        self.cancel = self.node.create_client(CancelRequest, CANCEL_REQUEST.name)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        while not self._stop.is_set() and self.context.ok():
            self.executor.spin_once(timeout_sec=0.05)

    def send(self, feedback: list[Any] | None = None, **goal: str) -> Any:
        """The goal handle (accepted or not) of a goal with these fields."""
        box = feedback if feedback is not None else []
        future = self.action.send_goal_async(
            self.Request.Goal(**goal), feedback_callback=lambda m: box.append(m.feedback)
        )
        assert wait_for(future.done, 30.0), "no answer to the goal"
        return future.result()

    def result(self, handle: Any, timeout: float, why: Any = "") -> Any:
        future = handle.get_result_async()
        assert wait_for(future.done, timeout), f"no result: {why() if callable(why) else why}"
        return future.result()

    def cancel_request(self, request_id: str) -> Any:
        future = self.cancel.call_async(self.CancelRequest.Request(request_id=request_id))
        assert wait_for(future.done, 30.0), "no answer from the cancel service"
        return future.result()

    def close(self) -> None:
        import rclpy

        self._stop.set()
        self._thread.join(timeout=5)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Client]]:
    tmp = tmp_path_factory.mktemp("action")
    domain = new_domain()
    stack = Stack(
        domain, tmp / "data", tmp / "stack.log", "--nodes", "sim,sys1,sys2", "--speed", "4"
    )
    client = Client(domain)
    try:
        assert client.action.wait_for_server(timeout_sec=STARTUP_S), stack.output()[-3000:]
        yield stack, client
    finally:
        client.close()
        stack.stop()


def test_bad_goals_are_rejected_naming_the_field(setup: tuple[Stack, Client]) -> None:
    stack, client = setup
    bad = [
        ("text", dict(text="   ")),
        ("text", dict(text="x" * 2001)),
        ("place", dict(text=GO, place="nowhere_at_all")),
        ("person", dict(text=GO, person="nobody_known")),
        ("priority", dict(text=GO, priority="asap")),
    ]
    for field, goal in bad:
        handle = client.send(**goal)
        assert not handle.accepted, f"accepted a goal with a bad {field}"
        line = f"request goal rejected: {field}: "
        assert wait_for(lambda line=line: line in stack.output(), 10.0), line


def test_a_goal_gets_feedback_for_each_state_and_its_result(
    setup: tuple[Stack, Client],
) -> None:
    stack, client = setup
    feedback: list[Any] = []
    handle = client.send(feedback, text=GO, priority="urgent", sender="test")
    assert handle.accepted
    response = client.result(
        handle, 180.0, lambda: ([(f.state, f.reason) for f in feedback], stack.output()[-4000:])
    )
    states = [f.state for f in feedback]
    assert states[:2] == ["queued", "accepted"], states
    in_progress = [f for f in feedback if f.state == "in_progress"]
    assert in_progress and in_progress[0].plan_steps >= 1 and in_progress[0].step, states
    assert len({f.request_id for f in feedback}) == 1
    result = response.result
    # over ROS the robot knows its pose from odometry only: done, or failed with the reason
    assert result.state in ("done", "failed"), (result.state, result.reason, states)
    assert result.state == "done" or result.reason
    assert result.request.id == result.request_id == feedback[0].request_id
    assert [e.state for e in result.request.history][-1] == result.state
    # the finished request cannot be cancelled: an error code, not an exception
    answer = client.cancel_request(result.request_id)
    assert answer.code == answer.ALREADY_FINISHED and result.state in answer.message


def test_cancelling_a_goal_cancels_its_request(setup: tuple[Stack, Client]) -> None:
    _, client = setup
    feedback: list[Any] = []
    handle = client.send(feedback, text=LONG, sender="test")
    assert handle.accepted
    assert wait_for(lambda: len(feedback) >= 2, 60.0)
    cancel = handle.cancel_goal_async()
    assert wait_for(cancel.done, 30.0)
    assert len(cancel.result().goals_canceling) == 1
    response = client.result(handle, 60.0)
    from action_msgs.msg import GoalStatus

    assert response.status == GoalStatus.STATUS_CANCELED
    assert response.result.state == "cancelled"
    assert response.result.reason == "cancelled by the action client"


def test_cancel_of_an_unknown_request_answers_an_error_code(setup: tuple[Stack, Client]) -> None:
    _, client = setup
    answer = client.cancel_request("req-does-not-exist")
    assert answer.code == answer.UNKNOWN_REQUEST
    assert "req-does-not-exist" in answer.message and not answer.request
