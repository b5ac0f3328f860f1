"""The cognitive models (pepa.messages) as the typed messages of ``pepa_interfaces``.

Field by field by the layout :mod:`pepa_ros.ros_schema` generated the ``.msg`` files from, so
the two cannot disagree. A typed message that fails its model's validation (an unknown state,
a NaN, a missing predicate kind) is a bad message like a malformed JSON one: logged with its
topic, counted in the node's ``bad_messages`` and dropped; the node keeps running.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from pepa.messages import Message, Scalar
from pepa_ros.codec import DecodeError, JsonCodec, validation_problem
from pepa_ros.ros_schema import (
    MESSAGE_NAMES,
    PACKAGE,
    FieldKind,
    RosField,
    condition_union,
    fields_of,
    predicate_members,
)

if TYPE_CHECKING:
    from rclpy.callback_groups import CallbackGroup
    from rclpy.node import Node
    from rclpy.publisher import Publisher
    from rclpy.qos import QoSProfile
    from rclpy.subscription import Subscription

M = TypeVar("M", bound=BaseModel)

_PREDICATE_KINDS: dict[str, type[Message]] = {
    m.model_fields["predicate"].default: m for m in predicate_members(condition_union())
}


def _msg(name: str) -> type[Any]:
    cls: type[Any] = getattr(importlib.import_module(f"{PACKAGE}.msg"), name)
    return cls


def message_class(model: type[BaseModel]) -> type[Any]:
    """The generated message class of ``model`` (``pepa_interfaces.msg.UserRequest``...)."""
    try:
        return _msg(MESSAGE_NAMES[model])
    except KeyError:
        raise TypeError(f"{model.__name__} has no typed message in {PACKAGE}") from None


# --- model -> message -------------------------------------------------------------------------


def _arg_to_ros(key: str, value: Scalar) -> Any:
    arg = _msg("SkillArg")(key=key)
    if isinstance(value, bool):
        arg.kind, arg.flag = arg.KIND_BOOLEAN, value
    elif isinstance(value, int):
        arg.kind, arg.integer = arg.KIND_INTEGER, value
    elif isinstance(value, float):
        arg.kind, arg.number = arg.KIND_NUMBER, value
    else:
        arg.kind, arg.text = arg.KIND_STRING, str(value)
    return arg


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, str) and hasattr(value, "value") else value


def _field_to_ros(f: RosField, value: Any) -> Any:
    kind = f.kind
    if kind == FieldKind.SCALAR:
        return _plain(value)
    if kind == FieldKind.OPTIONAL_STRING:
        return "" if value is None else _plain(value)
    if kind == FieldKind.OPTIONAL_SCALAR:
        return [] if value is None else [value]
    if kind == FieldKind.MESSAGE:
        return to_ros(value)
    if kind == FieldKind.OPTIONAL_MESSAGE:
        return [] if value is None else [to_ros(value)]
    if kind == FieldKind.MESSAGE_LIST:
        return [to_ros(v) for v in value]
    if kind == FieldKind.SCALAR_LIST:
        return [_plain(v) for v in value]
    if kind == FieldKind.ARGS:
        return [_arg_to_ros(k, v) for k, v in value.items()]
    if kind == FieldKind.COUNTS:
        return [_msg("NamedCount")(name=k, count=int(v)) for k, v in value.items()]
    if kind == FieldKind.VALUES:
        return [_msg("NamedValue")(name=k, value=float(v)) for k, v in value.items()]
    return [_predicate_to_ros(p) for p in value]  # FieldKind.PREDICATES


def _fill(msg: Any, value: BaseModel) -> Any:
    for f in fields_of(type(value)):
        setattr(msg, f.ros_name, _field_to_ros(f, getattr(value, f.name)))
    return msg


def _predicate_to_ros(value: Message) -> Any:
    return _fill(_msg("Predicate")(), value)


def to_ros(value: BaseModel) -> Any:
    """The typed message of a model instance."""
    return _fill(message_class(type(value))(), value)


# --- message -> model -------------------------------------------------------------------------


def _arg_from_ros(arg: Any) -> Scalar:
    value: Scalar = {
        arg.KIND_BOOLEAN: arg.flag,
        arg.KIND_INTEGER: arg.integer,
        arg.KIND_NUMBER: arg.number,
        arg.KIND_STRING: arg.text,
    }.get(arg.kind, arg.text)
    return value


def _field_from_ros(f: RosField, raw: Any) -> Any:
    kind = f.kind
    if kind == FieldKind.SCALAR:
        return raw
    if kind == FieldKind.OPTIONAL_STRING:
        return raw or None
    if kind == FieldKind.OPTIONAL_SCALAR:
        return raw[0] if len(raw) else None
    if kind == FieldKind.MESSAGE:
        return _fields_from_ros(f.model, raw)  # type: ignore[arg-type]
    if kind == FieldKind.OPTIONAL_MESSAGE:
        return _fields_from_ros(f.model, raw[0]) if len(raw) else None  # type: ignore[arg-type]
    if kind == FieldKind.MESSAGE_LIST:
        return [_fields_from_ros(f.model, m) for m in raw]  # type: ignore[arg-type]
    if kind == FieldKind.SCALAR_LIST:
        return list(raw)
    if kind == FieldKind.ARGS:
        return {a.key: _arg_from_ros(a) for a in raw}
    if kind == FieldKind.COUNTS:
        return {c.name: c.count for c in raw}
    if kind == FieldKind.VALUES:
        return {v.name: v.value for v in raw}
    return [_predicate_from_ros(p) for p in raw]  # FieldKind.PREDICATES


def _fields_from_ros(model: type[BaseModel], msg: Any) -> dict[str, Any]:
    return {f.name: _field_from_ros(f, getattr(msg, f.ros_name)) for f in fields_of(model)}


def _predicate_from_ros(msg: Any) -> dict[str, Any]:
    member = _PREDICATE_KINDS.get(msg.predicate)
    if member is None:
        known = ", ".join(sorted(_PREDICATE_KINDS))
        raise ValueError(f"predicate: unknown kind {msg.predicate!r} (known: {known})")
    return _fields_from_ros(member, msg)


def from_ros(model: type[M], msg: Any, topic: str = "?") -> M:
    """The model of a typed message; raises :class:`DecodeError` naming what is wrong."""
    try:
        return model.model_validate(_fields_from_ros(model, msg))
    except ValidationError as exc:
        raise DecodeError(
            f"{topic}: invalid {model.__name__}: {validation_problem(exc)}"
        ) from None
    except ValueError as exc:
        raise DecodeError(f"{topic}: invalid {model.__name__}: {exc}") from None


# --- endpoints --------------------------------------------------------------------------------


class TypedPublisher:
    """Publishes models of one type as their typed message."""

    def __init__(self, publisher: Publisher[Any], model: type[BaseModel], topic: str) -> None:
        self._pub = publisher
        self.model = model
        self.topic = topic

    def subscribers(self) -> int:
        """How many subscriptions are matched (0 before discovery)."""
        return self._pub.get_subscription_count()

    def publish(self, value: BaseModel) -> None:
        if not isinstance(value, self.model):
            raise TypeError(
                f"{self.topic} carries {self.model.__name__}, not {type(value).__name__}"
            )
        self._pub.publish(to_ros(value))


def publisher(node: Node, model: type[BaseModel], topic: str, qos: QoSProfile) -> TypedPublisher:
    return TypedPublisher(node.create_publisher(message_class(model), topic, qos), model, topic)


def subscribe(
    node: Node,
    codec: JsonCodec,
    model: type[M],
    topic: str,
    callback: Callable[[M], None],
    qos: QoSProfile,
    *,
    callback_group: CallbackGroup | None = None,
) -> Subscription[Any]:
    """Subscribe to a typed topic; ``callback`` only sees valid models, ``codec`` counts the
    bad ones with the node's other bad messages."""

    def on_message(msg: Any) -> None:
        try:
            decoded = from_ros(model, msg, topic)
        except DecodeError as exc:
            codec.record_bad(topic, exc)
            return
        callback(decoded)

    return node.create_subscription(
        message_class(model), topic, on_message, qos, callback_group=callback_group
    )
