"""The cognitive messages (pepa.messages) as JSON in ``std_msgs/String``.

A node must survive whatever a peer sends: a message that is not JSON, fails the model's
validation or carries another ``schema_version`` is logged with its topic and the error,
counted (the count goes into the agent's status as ``bad_messages``) and dropped.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from pepa.messages import SCHEMA_VERSION, Message

if TYPE_CHECKING:
    from rclpy.callback_groups import CallbackGroup
    from rclpy.node import Node
    from rclpy.publisher import Publisher
    from rclpy.qos import QoSProfile
    from rclpy.subscription import Subscription

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)


class DecodeError(ValueError):
    """A message that cannot be used; the text names the topic and the problem."""


def validation_problem(exc: ValidationError) -> str:
    """The first few problems of a validation error, each with the field it is about."""
    problems = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (+{more} more)" if more > 0 else "")


def decode(model: type[M], data: str | bytes, topic: str = "?") -> M:
    """Parse one JSON message into ``model``; raise :class:`DecodeError` naming what is wrong."""
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DecodeError(f"{topic}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise DecodeError(f"{topic}: expected a JSON object for {model.__name__}")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise DecodeError(
            f"{topic}: schema_version {version!r} is not the supported {SCHEMA_VERSION}"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problem = validation_problem(exc)
        raise DecodeError(f"{topic}: invalid {model.__name__}: {problem}") from None


def encode(message: Message) -> str:
    return message.model_dump_json()


class JsonCodec:
    """Encodes and decodes one node's JSON topics and keeps its bad-message counts."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log
        self._bad: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def bad_messages(self) -> int:
        with self._lock:
            return sum(self._bad.values())

    def bad_by_topic(self) -> dict[str, int]:
        with self._lock:
            return dict(self._bad)

    def decode_or_count(self, model: type[M], data: str | bytes, topic: str) -> M | None:
        """Decode, or log and count the error and return None: a bad peer never stops a node."""
        try:
            return decode(model, data, topic)
        except DecodeError as exc:
            self.record_bad(topic, exc)
            return None

    def record_bad(self, topic: str, error: Exception) -> None:
        """Log and count a message dropped on ``topic`` (JSON or typed)."""
        with self._lock:
            self._bad[topic] += 1
            count = self._bad[topic]
        self._log.warning("dropped bad message #%d: %s", count, error)

    def publisher(self, node: Node, model: type[M], topic: str, qos: QoSProfile) -> JsonPublisher:
        from std_msgs.msg import String

        return JsonPublisher(node.create_publisher(String, topic, qos), model, topic)

    def subscribe(
        self,
        node: Node,
        model: type[M],
        topic: str,
        callback: Callable[[M], None],
        qos: QoSProfile,
        *,
        callback_group: CallbackGroup | None = None,
    ) -> Subscription[Any]:
        """Subscribe to a JSON topic; ``callback`` only ever sees valid models."""
        from std_msgs.msg import String

        def on_message(msg: String) -> None:
            decoded = self.decode_or_count(model, msg.data, topic)
            if decoded is not None:
                callback(decoded)

        return node.create_subscription(
            String, topic, on_message, qos, callback_group=callback_group
        )


class JsonPublisher:
    """Publishes models of one type; refuses another type so a topic never mixes schemas."""

    def __init__(self, publisher: Publisher[Any], model: type[Message], topic: str) -> None:
        self._pub = publisher
        self.model = model
        self.topic = topic

    def subscribers(self) -> int:
        """How many subscriptions are matched (0 before discovery)."""
        return self._pub.get_subscription_count()

    def publish(self, message: Message) -> None:
        from std_msgs.msg import String

        if not isinstance(message, self.model):
            raise TypeError(
                f"{self.topic} carries {self.model.__name__}, not {type(message).__name__}"
            )
        self._pub.publish(String(data=encode(message)))
