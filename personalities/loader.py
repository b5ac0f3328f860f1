"""Find and load personality files: the five built-in prototypes and users' own.

Users add a personality by dropping a YAML file into ``<data dir>/personalities/`` or by
passing its path. Every problem is reported as :class:`PersonalityError`, naming the file and
the field, because a robot must not start with a personality that was silently misread.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pepa.personalities.model import TRAITS, Personality

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).resolve().parent
PROTOTYPES: tuple[str, ...] = ("Lazy", "Playful", "Cautious", "Working", "Curious")
DEFAULT = PROTOTYPES[-1]
"""The personality a run gets when none is named (the README's quick start)."""
USER_SUBDIR = "personalities"


class PersonalityError(ValueError):
    """A personality file that cannot be used; the message names the file and field."""


def _describe(err: ErrorDetails) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown field"
    if kind == "missing":
        what = "trait" if err["loc"] and err["loc"][0] == "big_five" else "field"
        if what == "trait" and len(err["loc"]) == 2 and err["loc"][1] not in TRAITS:
            what = "field"
        return f"{loc}: missing {what}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}"


def parse_personality(data: object, source: str) -> Personality:
    """Validate already-parsed YAML data; ``source`` names it in errors."""
    if not isinstance(data, dict):
        raise PersonalityError(f"{source}: expected a mapping at the top level")
    try:
        return Personality.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise PersonalityError(f"{source}: {problems}") from None


def load_file(path: Path) -> Personality:
    """Load one personality file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PersonalityError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PersonalityError(f"{path}: not valid YAML ({exc})") from None
    personality = parse_personality(data, str(path))
    if path.stem.lower() != personality.name.lower():
        raise PersonalityError(
            f"{path}: name: {personality.name!r} does not match the file name {path.stem!r}"
        )
    return personality


def user_dir(data_dir: Path | None) -> Path | None:
    return None if data_dir is None else data_dir / USER_SUBDIR


def available(data_dir: Path | None = None) -> dict[str, Path]:
    """Every personality by name (lower-case key); a user's file overrides a built-in one."""
    found: dict[str, Path] = {}
    dirs = [BUILTIN_DIR]
    udir = user_dir(data_dir)
    if udir is not None and udir.is_dir():
        dirs.append(udir)
    for d in dirs:
        for path in sorted([*d.glob("*.yaml"), *d.glob("*.yml")]):
            found[path.stem.lower()] = path
    return found


def load(name_or_path: str | Path, data_dir: Path | None = None) -> Personality:
    """Load a personality by name (built-in or user's) or by path to a YAML file."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text)
        if not path.is_file():
            raise PersonalityError(f"{path}: no such personality file")
        return load_file(path)
    paths = available(data_dir)
    found = paths.get(text.lower())
    if found is None:
        names = ", ".join(sorted(load_file(p).name for p in paths.values()))
        raise PersonalityError(f"unknown personality {text!r}; known: {names}")
    return load_file(found)


def load_all(data_dir: Path | None = None) -> list[Personality]:
    """All personalities, the five prototypes first in their canonical order."""
    loaded = [load_file(p) for p in available(data_dir).values()]
    order = {n.lower(): i for i, n in enumerate(PROTOTYPES)}
    return sorted(loaded, key=lambda p: (order.get(p.name.lower(), len(order)), p.name))
