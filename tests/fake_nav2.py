"""A stand-in for Nav2's bt_navigator in its own process: serves ``navigate_to_pose``
(``nav2_msgs/action/NavigateToPose``, the tests' copy of the Kilted definition).

``--outcome succeed``: feedback with a shrinking ``distance_remaining``, then success.
``--outcome abort``: one feedback, then aborted with ``TF_ERROR`` and a message.
``--outcome hold``: feedback until the client cancels, then cancelled.
Every goal and cancel is printed, so a test can read what the server saw.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

import rclpy
from nav2_msgs.action import NavigateToPose
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor

STEP_S = 0.1


def serve(outcome: str) -> None:
    rclpy.init()
    node = rclpy.create_node("fake_bt_navigator")

    def on_goal(goal: Any) -> GoalResponse:
        p = goal.pose.pose.position
        print(f"goal frame={goal.pose.header.frame_id} x={p.x:.2f} y={p.y:.2f}", flush=True)
        return GoalResponse.ACCEPT

    def on_cancel(_handle: Any) -> CancelResponse:
        print("cancel requested", flush=True)
        return CancelResponse.ACCEPT

    def execute(handle: Any) -> Any:
        goal = handle.request.pose.pose.position
        left = math.hypot(goal.x, goal.y) + 3.0
        result = NavigateToPose.Result()
        steps = 0
        while True:
            if handle.is_cancel_requested:
                handle.canceled()
                print("goal canceled", flush=True)
                result.error_msg = "canceled by the client"
                return result
            feedback = NavigateToPose.Feedback()
            feedback.distance_remaining = float(left)
            feedback.number_of_recoveries = 0
            handle.publish_feedback(feedback)
            steps += 1
            if outcome == "abort" and steps >= 2:
                handle.abort()
                result.error_code = NavigateToPose.Result.TF_ERROR
                result.error_msg = "Transform from base_link to map timed out"
                print("goal aborted", flush=True)
                return result
            if outcome == "succeed":
                left = max(0.0, left - 1.0)
                if left == 0.0:
                    handle.succeed()
                    result.error_code = NavigateToPose.Result.NONE
                    print("goal succeeded", flush=True)
                    return result
            time.sleep(STEP_S)

    ActionServer(
        node,
        NavigateToPose,
        "navigate_to_pose",
        execute_callback=execute,
        goal_callback=on_goal,
        cancel_callback=on_cancel,
    )
    print("serving navigate_to_pose", flush=True)
    executor = MultiThreadedExecutor(num_threads=2)
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outcome", choices=("succeed", "abort", "hold"), required=True)
    serve(parser.parse_args().outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
