"""Record every topic of a running system into one MCAP file (ROS 2 CDR encoding).

The recorder knows no topic in advance: it discovers them (``get_topic_names_and_types``),
subscribes to each with ``raw=True`` so messages are written exactly as they travelled, with
no deserialise/serialise round trip, and registers each type's full ``ros2msg`` definition
as the channel's schema — the layout rosbag2 writes, readable by Foxglove and ``pepa replay``.
It matches each topic's QoS to its publishers' (as rosbag2 does): transient-local when every
publisher offers it, so latched goals and status are recorded even if published before the
recorder started; best-effort when any publisher is best-effort, so sensor streams match.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from mcap.well_known import MessageEncoding, SchemaEncoding
from mcap.writer import CompressionType, Writer
from rclpy.context import Context
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.subscription import Subscription

from pepa_ros import params
from pepa_ros.entry import node_main
from pepa_ros.msgdef import MessageTypeError, full_definition, get_message

log = logging.getLogger(__name__)


def default_output(data_dir: str, stamp_ns: int) -> Path:
    return Path(data_dir).expanduser() / "recordings" / f"pepa-{stamp_ns // 1_000_000_000}.mcap"


class McapSink:
    """An MCAP file of ROS 2 messages: one schema per type, one channel per topic."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._stream: IO[bytes] = path.open("wb")
        self._writer = Writer(self._stream, compression=CompressionType.ZSTD)
        self._writer.start(profile="ros2", library="pepa_ros recorder")
        self._stream.flush()  # the header is on disk at once: the file is a recording from now
        self._schemas: dict[str, int] = {}
        self._channels: dict[str, int] = {}
        self._sequence: dict[int, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.counts: dict[str, int] = {}

    def add_channel(self, topic: str, type_name: str, qos: QoSProfile) -> int:
        with self._lock:
            if topic in self._channels:
                return self._channels[topic]
            schema_id = self._schemas.get(type_name)
            if schema_id is None:
                schema_id = self._writer.register_schema(
                    name=type_name,
                    encoding=SchemaEncoding.ROS2,
                    data=full_definition(type_name).encode(),
                )
                self._schemas[type_name] = schema_id
            channel_id = self._writer.register_channel(
                topic=topic,
                message_encoding=MessageEncoding.CDR,
                schema_id=schema_id,
                metadata={"offered_qos_profiles": _qos_yaml(qos)},
            )
            self._channels[topic] = channel_id
            self.counts[topic] = 0
            return channel_id

    def write(self, topic: str, data: bytes, log_time_ns: int) -> bool:
        """Append one message; True when it is the first on its topic."""
        with self._lock:
            if self._closed:
                return False
            channel_id = self._channels[topic]
            seq = self._sequence.get(channel_id, 0)
            self._sequence[channel_id] = seq + 1
            self._writer.add_message(
                channel_id=channel_id,
                log_time=log_time_ns,
                data=data,
                publish_time=log_time_ns,
                sequence=seq,
            )
            self.counts[topic] += 1
            return self.counts[topic] == 1

    def add_metadata(self, name: str, data: dict[str, str]) -> None:
        with self._lock:
            if not self._closed:
                self._writer.add_metadata(name, data)

    def close(self) -> None:
        """Write the summary and index; without it the file is readable only by a scan."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            # mcap leaves Writer.finish unannotated: it takes nothing and returns nothing
            finish: Callable[[], None] = self._writer.finish
            finish()
            self._stream.close()


def _qos_yaml(qos: QoSProfile) -> str:
    rel = 1 if qos.reliability == ReliabilityPolicy.RELIABLE else 2
    dur = 1 if qos.durability == DurabilityPolicy.TRANSIENT_LOCAL else 2
    return f"- history: 1\n  depth: {qos.depth}\n  reliability: {rel}\n  durability: {dur}\n"


def matching_qos(offered: list[QoSProfile]) -> QoSProfile:
    """A subscription profile compatible with every publisher offering ``offered``."""
    transient = bool(offered) and all(
        p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in offered
    )
    reliable = bool(offered) and all(p.reliability == ReliabilityPolicy.RELIABLE for p in offered)
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=max([100, *(p.depth for p in offered)]),
        reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL if transient else DurabilityPolicy.VOLATILE,
    )


class RecorderNode(Node):
    """Subscribes to every discovered topic and writes what it hears into a :class:`McapSink`."""

    def __init__(self, **node_kwargs: Any) -> None:
        super().__init__("pepa_recorder", **node_kwargs)
        values = params.declare(self, params.RECORDER_PARAMETERS)
        output = values["output"] or str(
            default_output(values["data_dir"], self.get_clock().now().nanoseconds)
        )
        self._include = re.compile(values["include"])
        self._exclude = re.compile(values["exclude"]) if values["exclude"] else None
        self.sink = McapSink(Path(output))
        self._subs: dict[str, Subscription[Any]] = {}
        self._refused: set[str] = set()
        self.sink.add_metadata(
            "pepa.run",
            {
                spec.name: str(values[spec.name])
                for spec in (params.PERSONALITY, *params.LLM_PARAMETERS)
            },
        )
        self.get_logger().info(f"recording to {self.sink.path}")
        self._discover()
        self.create_timer(values["discovery_period_s"], self._discover)

    @property
    def topics(self) -> list[str]:
        return sorted(self._subs)

    def _wanted(self, topic: str) -> bool:
        if not self._include.fullmatch(topic):
            return False
        return not (self._exclude and self._exclude.fullmatch(topic))

    def _discover(self) -> None:
        for topic, types in self.get_topic_names_and_types():
            if topic in self._subs or topic in self._refused or not self._wanted(topic):
                continue
            if len(types) != 1:
                self._refuse(topic, f"carries several types {types}")
                continue
            offered = [info.qos_profile for info in self.get_publishers_info_by_topic(topic)]
            if not offered:
                continue  # only subscribers so far; look again when someone publishes
            try:
                msg_class = get_message(types[0])
                qos = matching_qos(offered)
                self.sink.add_channel(topic, types[0], qos)
            except MessageTypeError as exc:
                self._refuse(topic, str(exc))
                continue
            self._subs[topic] = self.create_subscription(
                msg_class, topic, self._writer_for(topic), qos, raw=True
            )
            self.get_logger().debug(f"recording {topic} ({types[0]})")

    def _refuse(self, topic: str, why: str) -> None:
        self._refused.add(topic)
        self.get_logger().warning(f"not recording {topic}: {why}")

    def _writer_for(self, topic: str) -> Any:
        def write(data: bytes) -> None:
            if self.sink.write(topic, data, self.get_clock().now().nanoseconds):
                # Operators (and tests) see when each topic starts arriving.
                self.get_logger().info(f"first message on {topic}")

        return write

    def destroy_node(self) -> None:
        self.sink.close()
        total = sum(self.sink.counts.values())
        self.get_logger().info(
            f"recorded {total} messages on {len(self.sink.counts)} topics to {self.sink.path}"
        )
        super().destroy_node()


def create(context: Context, parameters: dict[str, Any]) -> RecorderNode:
    """Registry factory (see pepa_ros.registry)."""
    return RecorderNode(context=context, parameter_overrides=params.overrides(parameters))


main = node_main("recorder")
