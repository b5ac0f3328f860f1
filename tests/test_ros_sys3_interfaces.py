"""Sys3 in a child process: the typed memory-query service and its /diagnostics under a flood
of malformed messages, over real DDS on this test's own domain."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pepa_ros import qos
from pepa_ros.codec import encode
from pepa_ros.topics import DIAGNOSTICS, EXPERIENCES, MEMORY_QUERY
from ros_support import Children, output_of, wait_for

from pepa.building.layout import load_building
from pepa.messages import Experience, Pose

pytestmark = pytest.mark.ros

START_S = 120.0


def _episode(i: int) -> Experience:
    room = load_building().rooms[0]
    return Experience(
        time=10.0 + i,
        day=0,
        floor=room.floor,
        room=room.id,
        pose=Pose(x=1.0, y=2.0, floor=room.floor),
        kind="sighting",
        people=["ada"],
        caption=f"I saw Ada watering the plant by the window ({i}).",
    )


class Client:
    """This test's node: publishes experiences and junk, calls the service, reads diagnostics."""

    def __init__(self, context: Any) -> None:
        import rclpy
        from diagnostic_msgs.msg import DiagnosticArray
        from pepa_interfaces.srv import QueryMemory
        from rclpy.executors import SingleThreadedExecutor
        from std_msgs.msg import String

        self.node = rclpy.create_node("pepa_test_client", context=context)
        self.pub = self.node.create_publisher(String, EXPERIENCES.name, qos.event(depth=200))
        self.query = self.node.create_client(QueryMemory, MEMORY_QUERY.name)
        self.lock = threading.Lock()
        self.statuses: dict[str, Any] = {}
        self.node.create_subscription(
            DiagnosticArray, DIAGNOSTICS.name, self._on_diag, qos.profile(DIAGNOSTICS.qos, 50)
        )
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)
        self.String = String
        self.QueryMemory = QueryMemory

    def _on_diag(self, msg: Any) -> None:
        with self.lock:
            for s in msg.status:
                self.statuses[s.name] = s

    def level(self, name: str) -> int | None:
        self.executor.spin_once(timeout_sec=0.05)
        with self.lock:
            s = self.statuses.get(name)
        return None if s is None else s.level[0]

    def call(self, **fields: Any) -> Any:
        request = self.QueryMemory.Request(**fields)
        future = self.query.call_async(request)
        self.executor.spin_until_future_complete(future, timeout_sec=60.0)
        assert future.done(), "no answer from /pepa/memory/query"
        return future.result()


def test_memory_query_service_and_diagnostics_of_a_flood(
    children: Children, ros_context: Any, tmp_path: Path
) -> None:
    sys3 = children.runner(
        "sys3", ros_args=("-p", f"data_dir:={tmp_path / 'data'}", "-p", "personality:=Working")
    )
    client = Client(ros_context)
    assert wait_for(lambda: client.level("pepa_sys3: messages") is not None, START_S), output_of(
        sys3
    )
    assert client.level("pepa_sys3: messages") == 0
    assert client.query.wait_for_service(timeout_sec=30.0), output_of(sys3)

    assert wait_for(lambda: client.pub.get_subscription_count() > 0, 10.0)
    for i in range(5):
        client.pub.publish(client.String(data=encode(_episode(i))))
    # the episodes may still be on their way: ask until they are stored
    stored = wait_for(lambda: len(client.call(text="plant", k=3).episodes) == 3, 30.0)
    assert stored, output_of(sys3)
    answer = client.call(text="who watered the plant", k=3)
    assert answer.code == answer.OK
    assert len(answer.episodes) == len(answer.scores) == 3
    assert "Ada" in answer.episodes[0].caption and answer.episodes[0].people == ["ada"]
    assert answer.episodes[0].room == load_building().rooms[0].id

    refused = client.call(text="plant", k=500)
    assert refused.code == refused.INVALID and refused.field == "k"
    assert "100" in refused.message and not refused.episodes

    for _ in range(60):
        client.pub.publish(client.String(data="{not json"))
    assert wait_for(lambda: client.level("pepa_sys3: messages") == 2, 30.0), output_of(sys3)
    assert sys3.poll() is None, "a flood of malformed messages stopped Sys3"


def test_an_llm_server_that_never_answers_raises_the_llm_status(
    children: Children, ros_context: Any, tmp_path: Path
) -> None:
    """Sys3 on an OpenAI-compatible endpoint that accepts connections and never replies: its
    calls time out and fall back, and ``<node>: llm`` goes to ERROR."""
    import socket

    from rosgraph_msgs.msg import Clock

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_hold() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # never answered
            except TimeoutError:
                continue
            except OSError:  # closed at the end of the test
                return

    accepting = threading.Thread(target=accept_and_hold, daemon=True)
    accepting.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/v1"
    children.env["OPENAI_API_KEY"] = "not-used"
    sys3 = children.runner(
        "sys3",
        ros_args=(
            "-p", f"data_dir:={tmp_path / 'data'}",
            "-p", "personality:=Working",
            "-p", "use_sim_time:=true",
            "-p", "sys3_llm_backend:=openai",
            "-p", "sys3_llm_model:=silent",
            "-p", f"sys3_llm_base_url:={url}",
        ),
    )  # fmt: skip
    client = Client(ros_context)
    clock = client.node.create_publisher(Clock, "/clock", qos.profile("clock"))
    t = [8 * 3600.0]

    def tick() -> None:
        t[0] += 1.0
        msg = Clock()
        msg.clock.sec = int(t[0])
        clock.publish(msg)

    client.node.create_timer(0.1, tick)
    try:
        assert wait_for(lambda: client.level("pepa_sys3: llm") == 2, 150.0), output_of(sys3)
        with client.lock:
            status = client.statuses["pepa_sys3: llm"]
        assert "fell back" in status.message, status.message
        assert sys3.poll() is None, output_of(sys3)
    finally:
        stop.set()
        accepting.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()
