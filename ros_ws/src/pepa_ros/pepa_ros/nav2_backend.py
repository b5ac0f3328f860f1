"""Nav2 as Sys1's navigation backend (``navigation:=nav2``): a drive leg is a NavigateToPose goal.

The adapter of :class:`pepa.agent.sys1.navigation_backend.NavigationBackend` over Nav2's
``navigate_to_pose`` action (``nav2_msgs/action/NavigateToPose``): the goal is the leg's end in
the ``map`` frame, feedback's ``distance_remaining`` drives the skill's progress, an aborted
goal fails the skill with Nav2's ``error_code`` and ``error_msg``, a rejected goal fails it at
once, and cancelling the skill cancels the goal. Callbacks run on the node's executor; the
control loop reads a handle's status under its lock.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from pepa.agent.sys1.navigation_backend import DriveState, DriveStatus

if TYPE_CHECKING:
    from rclpy.action.client import ActionClient
    from rclpy.callback_groups import CallbackGroup
    from rclpy.node import Node

ACTION = "navigate_to_pose"


def _import_action() -> Any:
    try:
        from nav2_msgs.action import NavigateToPose
    except ImportError:
        raise RuntimeError(
            "navigation:=nav2 needs nav2_msgs (Nav2's messages); install Nav2 or use "
            "navigation:=pepa"
        ) from None
    return NavigateToPose


class Nav2Drive:
    """One NavigateToPose goal, as :class:`pepa.agent.sys1.navigation_backend.DriveHandle`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = DriveStatus(DriveState.ACTIVE)
        self._goal_handle: Any = None
        self._cancel_wanted = False

    @classmethod
    def failed(cls, reason: str) -> Nav2Drive:
        drive = cls()
        drive._set(DriveStatus(DriveState.FAILED, reason=reason))
        return drive

    def status(self) -> DriveStatus:
        with self._lock:
            return self._status

    def _set(self, status: DriveStatus) -> None:
        with self._lock:
            if self._status.state == DriveState.ACTIVE:
                self._status = status

    def cancel(self) -> None:
        with self._lock:
            handle, self._cancel_wanted = self._goal_handle, True
        if handle is not None:
            handle.cancel_goal_async()

    # --- action client callbacks ----------------------------------------------------------

    def on_accepted(self, future: Any) -> None:
        handle = future.result()
        if handle is None or not handle.accepted:
            self._set(DriveStatus(DriveState.FAILED, reason="Nav2 rejected the goal"))
            return
        with self._lock:
            self._goal_handle = handle
            cancel = self._cancel_wanted
        handle.get_result_async().add_done_callback(self.on_result)
        if cancel:
            handle.cancel_goal_async()

    def on_feedback(self, message: Any) -> None:
        left = float(message.feedback.distance_remaining)
        with self._lock:
            if self._status.state == DriveState.ACTIVE and math.isfinite(left):
                self._status = DriveStatus(DriveState.ACTIVE, distance_remaining_m=left)

    def on_result(self, future: Any) -> None:
        from action_msgs.msg import GoalStatus

        response = future.result()
        code, text = response.result.error_code, response.result.error_msg
        if response.status == GoalStatus.STATUS_SUCCEEDED:
            self._set(DriveStatus(DriveState.SUCCEEDED, distance_remaining_m=0.0))
        elif response.status == GoalStatus.STATUS_CANCELED:
            self._set(DriveStatus(DriveState.CANCELLED, reason=text or "cancelled"))
        else:
            what = "aborted" if response.status == GoalStatus.STATUS_ABORTED else "failed"
            self._set(
                DriveStatus(
                    DriveState.FAILED, reason=f"Nav2 {what} the goal (error {code}: {text})"
                )
            )


class Nav2Backend:
    """Sends Sys1's drive legs to Nav2; see the module docstring."""

    name = "nav2"

    def __init__(
        self,
        node: Node,
        action_name: str = ACTION,
        frame_id: str = "map",
        callback_group: CallbackGroup | None = None,
    ) -> None:
        from rclpy.action.client import ActionClient

        self._action = _import_action()
        self._node = node
        self.frame_id = frame_id
        self.action_name = action_name
        # NavigateToPose carries no type information
        self.client: ActionClient[Any, Any, Any] = ActionClient(
            node, self._action, action_name, callback_group=callback_group
        )

    def ready(self) -> bool:
        return bool(self.client.server_is_ready())

    def drive_to(self, floor: int, x: float, y: float, theta: float) -> Nav2Drive:
        """A goal at (x, y, theta) in ``frame_id``; the floor is Sys1's business (Nav2 drives
        the map it has, which is the present floor's)."""
        goal = self._action.Goal()
        goal.pose.header.frame_id = self.frame_id
        goal.pose.header.stamp = self._node.get_clock().now().to_msg()
        goal.pose.pose.position.x = float(x)
        goal.pose.pose.position.y = float(y)
        goal.pose.pose.orientation.z = math.sin(theta / 2.0)
        goal.pose.pose.orientation.w = math.cos(theta / 2.0)
        if not self.ready():
            return Nav2Drive.failed(f"no Nav2 server on {self.action_name}")
        drive = Nav2Drive()
        future = self.client.send_goal_async(goal, feedback_callback=drive.on_feedback)
        future.add_done_callback(drive.on_accepted)
        return drive
