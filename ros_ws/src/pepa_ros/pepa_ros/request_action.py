"""A person's request as the ROS 2 action ``pepa_interfaces/action/Request``, and request cancel
as the service ``pepa_interfaces/srv/CancelRequest``: both served by the Sys2 node, used by the
console bridge (:class:`RequestClient`) and any other ROS client.

A goal is checked before it is accepted: empty or oversized text, an unknown place, person or
priority is rejected, and the log line names the field (the action protocol carries no reason
for a rejection). An accepted goal becomes a request in Sys2's queue; each of its state changes
(queued, accepted or deferred, in progress with the plan step, ...) is a feedback message, and
its end the result: done succeeds, cancelled through this action is cancelled, anything else
(declined, failed, cancelled elsewhere) aborts, with the state and the reason in the result.
Cancelling the goal cancels the request. A cancel for an unknown or finished request answers
an error code, never an exception.

The execute callback is a coroutine that awaits the request's end, so it holds no thread: the
Sys2 node keeps its single-threaded executor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pepa_interfaces.action import Request
from pepa_interfaces.srv import CancelRequest
from rclpy.action.server import ActionServer, CancelResponse, GoalResponse
from rclpy.task import Future

from pepa.messages import TERMINAL_REQUEST_STATES, RequestPriority, RequestState, UserRequest
from pepa_ros import typed_codec

if TYPE_CHECKING:
    from rclpy.action.client import ActionClient
    from rclpy.callback_groups import CallbackGroup
    from rclpy.client import Client
    from rclpy.node import Node

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestGoal:
    """An action goal's fields, checked (see :func:`check_goal`)."""

    text: str
    place: str | None
    person: str | None
    priority: RequestPriority
    sender: str


class GoalRefusedError(ValueError):
    """A goal that is not accepted; ``field`` names the goal field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def check_goal(
    goal: Any, places: Collection[str], people: Collection[str], default_sender: str
) -> RequestGoal:
    """The goal as a request, or :class:`GoalRefusedError` naming the first bad field."""
    text = goal.text.strip()
    if not text:
        raise GoalRefusedError("text", "the request text is empty")
    if len(text) > UserRequest.MAX_TEXT:
        raise GoalRefusedError(
            "text", f"the request text is {len(text)} characters; at most {UserRequest.MAX_TEXT}"
        )
    priorities = [p.value for p in RequestPriority]
    if goal.priority and goal.priority not in priorities:
        raise GoalRefusedError(
            "priority", f"unknown priority {goal.priority!r} (one of {', '.join(priorities)})"
        )
    if goal.place and goal.place not in places:
        raise GoalRefusedError("place", f"unknown place {goal.place!r}")
    if goal.person and goal.person not in people:
        raise GoalRefusedError("person", f"unknown person {goal.person!r}")
    return RequestGoal(
        text=text,
        place=goal.place or None,
        person=goal.person or None,
        priority=RequestPriority(goal.priority or RequestPriority.NORMAL.value),
        sender=(goal.sender or default_sender)[:64],
    )


def feedback_of(req: UserRequest, state: RequestState, reason: str) -> Any:
    fb = Request.Feedback(request_id=req.id, state=state.value, reason=reason)
    plan = req.task
    fb.plan_steps = len(plan.steps) if plan is not None else 0
    fb.plan_step = plan.progress if plan is not None else -1
    if plan is not None and state == RequestState.IN_PROGRESS and plan.progress < len(plan.steps):
        fb.step = plan.steps[plan.progress].label()
    return fb


class _Goal:
    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.done: Future[UserRequest] = Future()
        self.sent = 0  # history events already sent as feedback
        self.step = -1  # the plan step last reported


class RequestActions:
    """The action server and the cancel service; Sys2 calls :meth:`refresh` after changes."""

    def __init__(
        self,
        node: Node,
        action_name: str,
        cancel_service: str,
        submit: Callable[[RequestGoal], UserRequest],
        cancel: Callable[[str, str], UserRequest],
        lookup: Callable[[str], UserRequest],
        places: Collection[str],
        people: Collection[str],
        is_active: Callable[[], bool],
        callback_group: CallbackGroup | None = None,
    ) -> None:
        self._node_name = node.get_name()
        self._is_active = is_active
        self._submit = submit
        self._cancel = cancel
        self._lookup = lookup
        self.places = places
        self.people = people
        self._goals: dict[str, _Goal] = {}  # request id -> its goal
        self._by_goal_id: dict[bytes, str] = {}
        self.server = ActionServer(
            node,
            Request,
            action_name,
            execute_callback=self._execute,
            goal_callback=self._on_goal,
            cancel_callback=self._on_cancel,
            callback_group=callback_group,
        )
        node.create_service(
            CancelRequest, cancel_service, self._on_cancel_call, callback_group=callback_group
        )

    # --- the action -----------------------------------------------------------------------

    def _on_goal(self, goal: Any) -> GoalResponse:
        if not self._is_active():
            log.warning("request goal rejected: %s is not active", self._node_name)
            return GoalResponse.REJECT
        try:
            check_goal(goal, self.places, self.people, self._node_name)
        except GoalRefusedError as exc:
            log.warning("request goal rejected: %s", exc)
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    async def _execute(self, handle: Any) -> Any:
        checked = check_goal(handle.request, self.places, self.people, self._node_name)
        req = self._submit(checked)
        goal = _Goal(handle)
        self._goals[req.id] = goal
        self._by_goal_id[bytes(handle.goal_id.uuid)] = req.id
        self._update(req)  # the changes made while it was submitted
        try:
            final = req
            if req.state not in TERMINAL_REQUEST_STATES:
                settled = await goal.done
                assert settled is not None  # _update sets the request once it is terminal
                final = settled
        finally:
            self._goals.pop(req.id, None)
            self._by_goal_id.pop(bytes(handle.goal_id.uuid), None)
        if final.state == RequestState.DONE:
            handle.succeed()
        elif final.state == RequestState.CANCELLED and handle.is_cancel_requested:
            handle.canceled()
        else:
            handle.abort()
        return Request.Result(
            request_id=final.id,
            state=final.state.value,
            reason=final.reason,
            request=typed_codec.to_ros(final),
        )

    def refresh(self) -> None:
        """Each goal's request as it is now: a feedback per state it entered since the last
        look (and per plan step while in progress), the result once it has ended. Sys2 calls
        this after every batch of request changes."""
        for rid in list(self._goals):
            self._update(self._lookup(rid))

    def _update(self, req: UserRequest) -> None:
        goal = self._goals.get(req.id)
        if goal is None:
            return
        for event in req.history[goal.sent :]:
            goal.handle.publish_feedback(feedback_of(req, event.state, event.reason))
        step = req.task.progress if req.task is not None else -1
        if len(req.history) == goal.sent and step != goal.step:
            goal.handle.publish_feedback(feedback_of(req, req.state, req.reason))
        goal.sent, goal.step = len(req.history), step
        if req.state in TERMINAL_REQUEST_STATES and not goal.done.done():
            goal.done.set_result(req)

    def _on_cancel(self, handle: Any) -> CancelResponse:
        rid = self._by_goal_id.get(bytes(handle.goal_id.uuid))
        if rid is None:
            return CancelResponse.REJECT
        try:
            self._cancel(rid, "cancelled by the action client")
        except (LookupError, ValueError) as exc:
            log.info("cancel of request %s refused: %s", rid, exc)
            return CancelResponse.REJECT
        return CancelResponse.ACCEPT

    # --- the cancel service ---------------------------------------------------------------

    def _on_cancel_call(self, request: Any, response: Any) -> Any:
        rid = request.request_id
        try:
            req = self._cancel(rid, request.reason or "cancelled")
        except LookupError:
            response.code = response.UNKNOWN_REQUEST
            response.message = f"unknown request id {rid!r}"
            return response
        except ValueError as exc:
            response.code = response.ALREADY_FINISHED
            response.message = str(exc)
            response.request = [typed_codec.to_ros(self._lookup(rid))]
            return response
        response.code = response.OK
        response.message = f"request {rid} cancelled"
        response.request = [typed_codec.to_ros(req)]
        return response


class RequestClient:
    """The client side, for a node that takes requests from people (the console bridge):
    submits a goal and returns the request's id once Sys2 has taken it, and cancels by id
    through the cancel service. Call from a thread outside the node's executor."""

    def __init__(
        self,
        node: Node,
        action_name: str,
        cancel_service: str,
        callback_group: CallbackGroup | None = None,
    ) -> None:
        from rclpy.action.client import ActionClient

        self.action_name = action_name
        # the generated action and service types carry no type information
        self.action: ActionClient[Any, Any, Any] = ActionClient(
            node, Request, action_name, callback_group=callback_group
        )
        self.cancel_client: Client[Any, Any] = node.create_client(
            CancelRequest, cancel_service, callback_group=callback_group
        )

    def submit(self, goal: RequestGoal, timeout_s: float) -> str:
        """The id of the request ``goal`` became; TimeoutError without Sys2, GoalRefusedError
        when it rejects the goal (a check like :func:`check_goal` before names the field)."""
        if not self.action.wait_for_server(timeout_sec=timeout_s):
            raise TimeoutError(f"no Sys2 serves {self.action_name} (is it active?)")
        taken = threading.Event()
        box: dict[str, Any] = {}

        def on_feedback(message: Any) -> None:
            box.setdefault("request_id", message.feedback.request_id)
            taken.set()

        def on_response(future: Any) -> None:
            box["handle"] = future.result()
            if not box["handle"].accepted:
                taken.set()

        fields = Request.Goal(
            text=goal.text,
            place=goal.place or "",
            person=goal.person or "",
            priority=goal.priority.value,
            sender=goal.sender,
        )
        self.action.send_goal_async(fields, feedback_callback=on_feedback).add_done_callback(
            on_response
        )
        if not taken.wait(timeout_s):
            raise TimeoutError(f"Sys2 did not take the request within {timeout_s:.0f} s")
        if "request_id" not in box:
            raise GoalRefusedError("request", "Sys2 rejected the request (see its log)")
        return str(box["request_id"])

    def cancel(self, request_id: str, reason: str, timeout_s: float) -> Any:
        """The service's answer (``code``, ``message``, ``request``)."""
        done = threading.Event()
        future = self.cancel_client.call_async(
            CancelRequest.Request(request_id=request_id, reason=reason)
        )
        future.add_done_callback(lambda _f: done.set())
        if not done.wait(timeout_s):
            raise TimeoutError(f"no answer to the cancel of {request_id} within {timeout_s:.0f} s")
        return future.result()
