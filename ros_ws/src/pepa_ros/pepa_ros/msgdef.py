"""ROS 2 message types by name, and their full definitions for MCAP schemas.

An MCAP file with ``ros2msg`` schemas must carry each type's definition text with every
nested type appended (the layout rosbag2 writes), so that tools such as Foxglove decode it
without the packages installed. The text comes from the ``.msg`` files each message package
installs under ``share/<package>/msg/``; when a package ships none (only IDL), it is rebuilt
from the generated Python class's field table, which loses only comments and constants.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

SEPARATOR = "=" * 80

PRIMITIVES = frozenset(
    {
        "bool",
        "byte",
        "char",
        "float32",
        "float64",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "string",
        "wstring",
    }
)
# Python-side (IDL) field type names -> .msg names.
_IDL_TO_MSG = {"double": "float64", "float": "float32", "boolean": "bool", "octet": "byte"}


class MessageTypeError(LookupError):
    """A message type that cannot be found or described; names the type and why."""


def split_type(name: str) -> tuple[str, str]:
    """'nav_msgs/msg/Odometry' or 'nav_msgs/Odometry' -> ('nav_msgs', 'Odometry')."""
    parts = name.split("/")
    if len(parts) == 3 and parts[1] == "msg":
        return parts[0], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise MessageTypeError(f"{name!r} is not a message type name like 'pkg/msg/Type'")


def get_message(name: str) -> type[Any]:
    """The generated Python class of a message type name."""
    pkg, typ = split_type(name)
    try:
        module = importlib.import_module(f"{pkg}.msg")
    except ImportError as exc:
        raise MessageTypeError(f"{name}: package {pkg} is not installed ({exc})") from None
    try:
        cls: type[Any] = getattr(module, typ)
    except AttributeError:
        raise MessageTypeError(f"{name}: {pkg}.msg has no type {typ}") from None
    return cls


def type_name(msg_class: type[Any]) -> str:
    """'nav_msgs/msg/Odometry' for the Odometry class."""
    pkg = msg_class.__module__.split(".")[0]
    return f"{pkg}/msg/{msg_class.__name__}"


def _share_dirs() -> list[Path]:
    dirs = [Path(p) / "share" for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)]
    dirs.append(Path(sys.prefix) / "share")
    return [d for d in dirs if str(d) != "share" and d.is_dir()]


def _msg_file_text(pkg: str, typ: str) -> str | None:
    for share in _share_dirs():
        path = share / pkg / "msg" / f"{typ}.msg"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].strip()


def _base_type(field_type: str) -> str:
    """'geometry_msgs/Point[<=3]' -> 'geometry_msgs/Point'; 'string<=8' -> 'string'."""
    return re.sub(r"\[.*\]$", "", field_type).split("<=")[0]


def _dependencies_of_text(pkg: str, text: str) -> list[tuple[str, str]]:
    deps = []
    for line in text.splitlines():
        body = _strip_comment(line)
        if not body:
            continue
        field_type, _, rest = body.partition(" ")
        name = re.match(r"\s*[A-Za-z_]\w*", rest)
        if name and rest[name.end() :].lstrip().startswith("="):
            continue  # a constant: "uint8 POWER_SUPPLY_STATUS_UNKNOWN = 0"
        base = _base_type(field_type)
        if base in PRIMITIVES:
            continue
        if "/" in base:
            deps.append(split_type(base))
        elif base == "Header":
            deps.append(("std_msgs", "Header"))
        else:
            deps.append((pkg, base))
    return deps


def _introspected_text(pkg: str, typ: str) -> tuple[str, list[tuple[str, str]]]:
    cls = get_message(f"{pkg}/msg/{typ}")
    lines, deps = [], []
    for field, idl in cls.get_fields_and_field_types().items():
        array = ""
        m = re.fullmatch(r"sequence<(.+?)(?:, (\d+))?>", idl)
        if m:
            idl, bound = m.group(1), m.group(2)
            array = f"[<={bound}]" if bound else "[]"
        m = re.fullmatch(r"(.+)\[(\d+)\]", idl)
        if m:
            idl, array = m.group(1), f"[{m.group(2)}]"
        base = _IDL_TO_MSG.get(idl, idl)
        if _base_type(base) not in PRIMITIVES:
            deps.append(split_type(base))
        lines.append(f"{base}{array} {field}")
    return "\n".join(lines) + "\n", deps


def _text_and_deps(pkg: str, typ: str) -> tuple[str, list[tuple[str, str]]]:
    text = _msg_file_text(pkg, typ)
    if text is not None:
        return text, _dependencies_of_text(pkg, text)
    return _introspected_text(pkg, typ)


@cache
def full_definition(name: str) -> str:
    """The type's definition with every nested type appended after a separator line."""
    pkg, typ = split_type(name)
    get_message(name)  # fail early, with a clear error, on an unknown type
    text, deps = _text_and_deps(pkg, typ)
    parts = [text.rstrip("\n")]
    seen = {(pkg, typ)}
    queue = list(deps)
    while queue:
        dep = queue.pop(0)
        if dep in seen:
            continue
        seen.add(dep)
        dep_text, dep_deps = _text_and_deps(*dep)
        parts.append(f"{SEPARATOR}\nMSG: {dep[0]}/{dep[1]}\n{dep_text.rstrip(chr(10))}")
        queue.extend(dep_deps)
    return "\n".join(parts) + "\n"
