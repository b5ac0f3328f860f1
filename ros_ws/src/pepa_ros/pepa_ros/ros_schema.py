"""The typed messages of ``pepa_interfaces``, derived from the pydantic models of pepa.messages.

One schema source: each ``.msg`` file of ``pepa_interfaces/msg`` that mirrors a model is written
from that model's fields here (``python -m pepa_ros.ros_schema --write``), and
:mod:`pepa_ros.typed_codec` converts between the two with the same field table, so a model
change that is not regenerated fails a test instead of being misread on the wire.

How a model's field becomes a ROS field:

* ``str`` is ``string`` (``string<=N`` when the model bounds it), ``int`` is ``int64``,
  ``float`` is ``float64``, ``bool`` is ``bool``; a string enum or a string ``Literal`` is a
  ``string`` with one constant per allowed value (``STATE_QUEUED="queued"``).
* A nested model is its message; a list is a sequence (bounded when the model bounds it).
* ``X | None``: a string is empty for None (no model here gives the empty string a meaning of
  its own); a number or a message is a sequence of at most one element.
* ``dict[str, Scalar]`` (a skill's arguments) is ``SkillArg[]``, ``dict[str, int]`` is
  ``NamedCount[]``, ``dict[str, float]`` is ``NamedValue[]``.
* A condition's predicate (a union told apart by its ``predicate`` field) is one ``Predicate``
  message: ``predicate`` names the kind and the fields are the union of the kinds' fields.
* A field named with a C or C++ keyword (``new``) gets ``_value`` appended (``new_value``):
  rosidl copies field names into C++ structs.
* ``schema_version`` is left out: a typed message's type hash already refuses a peer of
  another definition.
"""

from __future__ import annotations

import argparse
import sys
import types
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pepa.messages import (
    AgentStatus,
    CandidateScore,
    Condition,
    DailyGoal,
    Decision,
    Experience,
    Goal,
    Insight,
    Message,
    Plan,
    Pose,
    Reflection,
    RequestEvent,
    SkillCall,
    UserRequest,
    WeightChange,
)

PACKAGE = "pepa_interfaces"
SKIPPED_FIELDS = frozenset({"schema_version"})
RESERVED_WORDS = frozenset(
    [
        "alignas",
        "alignof",
        "and",
        "asm",
        "auto",
        "bitand",
        "bitor",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "class",
        "compl",
        "const",
        "constexpr",
        "continue",
        "default",
        "delete",
        "do",
        "double",
        "else",
        "enum",
        "explicit",
        "export",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "nullptr",
        "operator",
        "or",
        "private",
        "protected",
        "public",
        "register",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "template",
        "this",
        "throw",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "while",
        "xor",
    ]
)


class FieldKind(StrEnum):
    """How one model field is laid out in its message."""

    SCALAR = "scalar"
    OPTIONAL_STRING = "optional_string"
    OPTIONAL_SCALAR = "optional_scalar"
    MESSAGE = "message"
    OPTIONAL_MESSAGE = "optional_message"
    MESSAGE_LIST = "message_list"
    SCALAR_LIST = "scalar_list"
    ARGS = "args"
    COUNTS = "counts"
    VALUES = "values"
    PREDICATES = "predicates"


@dataclass(frozen=True)
class RosField:
    name: str
    kind: FieldKind
    ros_type: str  # a primitive ("float64", "string<=64") or a message of this package
    bound: int | None = None  # of a sequence
    model: type[BaseModel] | None = None  # of a nested message
    constants: tuple[str, ...] = ()  # the allowed values of a string enum or Literal
    description: str = ""

    @property
    def ros_name(self) -> str:
        """The field's name in the message (a C++ keyword gets ``_value`` appended)."""
        return f"{self.name}_value" if self.name in RESERVED_WORDS else self.name

    def layout(self) -> str:
        """The field as the .msg file declares it, without its comment."""
        if self.kind in (FieldKind.OPTIONAL_SCALAR, FieldKind.OPTIONAL_MESSAGE):
            seq = "[<=1]"
        elif self.kind in (FieldKind.SCALAR, FieldKind.OPTIONAL_STRING, FieldKind.MESSAGE):
            seq = ""
        else:
            seq = f"[<={self.bound}]" if self.bound else "[]"
        return f"{self.ros_type}{seq} {self.ros_name}"

    def line(self) -> str:
        text = self.layout()
        return f"{text}  # {self.description}" if self.description else text


# The models that have a message, by the message's name. Some differ from the model's name
# where the model's would mislead a ROS reader (geometry_msgs has a Pose; an action has goals).
MESSAGE_NAMES: dict[type[BaseModel], str] = {
    Pose: "FloorPose",
    SkillCall: "SkillCall",
    Plan: "Plan",
    RequestEvent: "RequestEvent",
    UserRequest: "UserRequest",
    Goal: "UltimateGoal",
    Condition: "Condition",
    DailyGoal: "DailyGoal",
    CandidateScore: "CandidateScore",
    Decision: "Decision",
    Experience: "Experience",
    AgentStatus: "AgentStatus",
    Insight: "Insight",
    WeightChange: "WeightChange",
    Reflection: "Reflection",
}

# Messages with no model of their own: the layouts of dictionaries and of a skill argument.
HELPER_MESSAGES: dict[str, str] = {
    "SkillArg": """\
# One argument of a skill call: the key and a value of one of four kinds.
uint8 KIND_STRING=0
uint8 KIND_INTEGER=1
uint8 KIND_NUMBER=2
uint8 KIND_BOOLEAN=3
string key
uint8 kind
string text
int64 integer
float64 number
bool flag
""",
    "NamedCount": """\
# One entry of a count by name (e.g. requests per state).
string name
int64 count
""",
    "NamedValue": """\
# One entry of a value by name (e.g. a reward feature's weight).
string name
float64 value
""",
}

PRIMITIVES: dict[type, str] = {bool: "bool", int: "int64", float: "float64", str: "string"}
HEADER = "# Generated from pepa.messages.{model} by pepa_ros.ros_schema; do not edit by hand.\n"
HELPER_HEADER = "# Generated by pepa_ros.ros_schema (no model of its own); do not edit by hand.\n"


class SchemaError(TypeError):
    """A model field with no ROS layout; names the model and the field."""


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _optional_inner(tp: Any) -> Any | None:
    """``X`` of ``X | None``, or None when ``tp`` is not optional."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(args) < len(get_args(tp)):
            return _unwrap(args[0])
    return None


def _max_len(info: FieldInfo | None) -> int | None:
    for meta in info.metadata if info is not None else ():
        if isinstance(meta, MaxLen):
            return int(meta.max_length)
    return None


def _choices(tp: Any) -> tuple[str, ...]:
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return tuple(m.value for m in tp)
    if get_origin(tp) is Literal and all(isinstance(a, str) for a in get_args(tp)):
        return tuple(get_args(tp))
    return ()


def _scalar(tp: Any) -> str | None:
    if _choices(tp):
        return "string"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return None
    return PRIMITIVES.get(tp) if isinstance(tp, type) else None


def _is_predicate_union(tp: Any) -> bool:
    members = get_args(_unwrap(tp)) if get_origin(_unwrap(tp)) in (Union, types.UnionType) else ()
    return bool(members) and all(
        isinstance(m, type) and issubclass(m, Message) and "predicate" in m.model_fields
        for m in members
    )


def predicate_members(tp: Any) -> tuple[type[Message], ...]:
    return tuple(get_args(_unwrap(tp)))


def classify(model: type[BaseModel], name: str, info: FieldInfo) -> RosField:
    """The ROS layout of one field of ``model``; raises :class:`SchemaError` when it has none."""
    tp = _unwrap(info.annotation)
    desc = info.description or ""
    bound = _max_len(info)
    inner = _optional_inner(tp)
    if inner is not None:
        scalar = _scalar(inner)
        if scalar == "string":
            sized = f"string<={bound}" if bound else "string"
            return RosField(
                name,
                FieldKind.OPTIONAL_STRING,
                sized,
                constants=_choices(inner),
                description=desc or "empty: none",
            )
        if scalar is not None:
            return RosField(name, FieldKind.OPTIONAL_SCALAR, scalar, description=desc)
        if isinstance(inner, type) and inner in MESSAGE_NAMES:
            return RosField(
                name,
                FieldKind.OPTIONAL_MESSAGE,
                MESSAGE_NAMES[inner],
                model=inner,
                description=desc,
            )
        raise SchemaError(f"{model.__name__}.{name}: no ROS layout for {info.annotation!r}")
    scalar = _scalar(tp)
    if scalar is not None:
        sized = f"string<={bound}" if scalar == "string" and bound else scalar
        return RosField(name, FieldKind.SCALAR, sized, constants=_choices(tp), description=desc)
    if isinstance(tp, type) and tp in MESSAGE_NAMES:
        return RosField(name, FieldKind.MESSAGE, MESSAGE_NAMES[tp], model=tp, description=desc)
    origin, args = get_origin(tp), get_args(tp)
    if origin is list:
        item = _unwrap(args[0])
        if _is_predicate_union(item):
            return RosField(name, FieldKind.PREDICATES, "Predicate", bound, description=desc)
        if isinstance(item, type) and item in MESSAGE_NAMES:
            return RosField(
                name, FieldKind.MESSAGE_LIST, MESSAGE_NAMES[item], bound, item, description=desc
            )
        if _scalar(item) is not None:
            return RosField(
                name, FieldKind.SCALAR_LIST, _scalar(item) or "", bound, description=desc
            )
    if origin is dict and _unwrap(args[0]) is str:
        value = _unwrap(args[1])
        if value is int:
            return RosField(name, FieldKind.COUNTS, "NamedCount", description=desc)
        if value is float:
            return RosField(name, FieldKind.VALUES, "NamedValue", description=desc)
        if get_origin(value) in (Union, types.UnionType) and set(get_args(value)) == {
            str,
            int,
            float,
            bool,
        }:
            return RosField(name, FieldKind.ARGS, "SkillArg", description=desc)
    raise SchemaError(f"{model.__name__}.{name}: no ROS layout for {info.annotation!r}")


def fields_of(model: type[BaseModel]) -> tuple[RosField, ...]:
    return tuple(
        classify(model, name, info)
        for name, info in model.model_fields.items()
        if name not in SKIPPED_FIELDS
    )


def predicate_fields(union: Any) -> tuple[RosField, ...]:
    """The ``Predicate`` message's fields: every kind's fields, one layout per name."""
    merged: dict[str, RosField] = {}
    for member in predicate_members(union):
        for f in fields_of(member):
            if f.name == "predicate":
                continue
            seen = merged.get(f.name)
            if seen is not None and seen.layout() != f.layout():
                raise SchemaError(
                    f"Predicate.{f.name}: {member.__name__} lays it out as {f.layout()!r}, "
                    f"another kind as {seen.layout()!r}"
                )
            merged.setdefault(f.name, f)
    return tuple(merged.values())


def _constants(fields: tuple[RosField, ...]) -> list[str]:
    out = []
    for f in fields:
        for value in f.constants:
            out.append(f'string {f.ros_name.upper()}_{value.upper()}="{value}"')
    return out


def _render(comment: str, fields: tuple[RosField, ...], extra_constants: list[str]) -> str:
    # ASCII only: rosidl copies comments into generated C and C++ sources.
    ascii_comment = comment.replace("→", "->").encode("ascii", "replace").decode()
    lines = [f"# {line}".rstrip() for line in ascii_comment.strip().splitlines()]
    lines += extra_constants + _constants(fields) + [f.line() for f in fields]
    return "\n".join(lines) + "\n"


def _doc(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    return doc.split("\n\n")[0] if doc else model.__name__


def condition_union() -> Any:
    return Condition.model_fields["all_of"].annotation.__args__[0]  # type: ignore[union-attr]


def definitions() -> dict[str, str]:
    """Every generated message: file name (without ``.msg``) -> text."""
    out = {name: HELPER_HEADER + text for name, text in HELPER_MESSAGES.items()}
    union = condition_union()
    # each kind's `predicate` is a Literal of its one value
    kind_values = [
        get_args(m.model_fields["predicate"].annotation)[0] for m in predicate_members(union)
    ]
    out["Predicate"] = HEADER.format(model="Predicate") + _render(
        "One predicate of a condition: `predicate` names the kind; only that kind's fields count.",
        predicate_fields(union),
        [f'string PREDICATE_{v.upper()}="{v}"' for v in kind_values] + ["string predicate"],
    )
    for model, name in MESSAGE_NAMES.items():
        out[name] = HEADER.format(model=model.__name__) + _render(
            _doc(model), fields_of(model), []
        )
    return dict(sorted(out.items()))


def write(package_dir: Path) -> list[Path]:
    """Write the generated ``.msg`` files into ``package_dir/msg``; returns those changed."""
    changed = []
    msg_dir = package_dir / "msg"
    msg_dir.mkdir(parents=True, exist_ok=True)
    for name, text in definitions().items():
        path = msg_dir / f"{name}.msg"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def stale(package_dir: Path) -> list[str]:
    """Generated files that differ from what the models give (empty when up to date)."""
    msg_dir = package_dir / "msg"
    return [
        name
        for name, text in definitions().items()
        if not (msg_dir / f"{name}.msg").exists() or (msg_dir / f"{name}.msg").read_text() != text
    ]


def default_package_dir() -> Path:
    return Path(__file__).resolve().parents[2] / PACKAGE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, default=default_package_dir())
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.package)
        for name in bad:
            print(f"{name}.msg is out of date", file=sys.stderr)
        return 1 if bad else 0
    for path in write(args.package):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
