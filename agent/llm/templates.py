"""Prompt templates: every prompt the LLM client sends lives in a file under ``prompts/``.

A template ``prompts/<name>.md`` has a system part and a user part, each opened by a line
``# system`` or ``# user`` (text before the first such line is a comment for people); a
template used for a whole request needs a user part, a fragment may have just one part.
``{name}`` is replaced by the variable ``name``; ``{{`` and ``}}`` give literal braces. Other
braces (JSON examples) are left alone, so templates can show JSON without escaping it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

PROMPTS_DIR = Path(__file__).with_name("prompts")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_SECTION_RE = re.compile(r"^#\s*(system|user)\s*$", re.IGNORECASE)
_FIELD_RE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RenderedPrompt(BaseModel):
    """The two chat messages a template produces."""

    model_config = ConfigDict(frozen=True)
    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        out = [{"role": "system", "content": self.system}] if self.system else []
        return [*out, {"role": "user", "content": self.user}]


class PromptTemplate(BaseModel):
    """A parsed template file; :meth:`render` fills in the variables."""

    model_config = ConfigDict(frozen=True)
    name: str
    path: Path
    system: str
    user: str

    @property
    def variables(self) -> frozenset[str]:
        found = {m.group(1) for part in (self.system, self.user) for m in _FIELD_RE.finditer(part)}
        return frozenset(v for v in found if v)

    def render(self, variables: Mapping[str, Any]) -> RenderedPrompt:
        missing = sorted(self.variables - set(variables))
        if missing:
            raise ValueError(
                f"prompt template {self.path}: missing variable(s) {', '.join(missing)}"
            )
        return RenderedPrompt(
            system=_substitute(self.system, variables), user=_substitute(self.user, variables)
        )


def _format_value(value: Any) -> str:
    """Strings go in as they are; models, dicts and lists as indented JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return str(value)


def _substitute(text: str, variables: Mapping[str, Any]) -> str:
    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return _format_value(variables[match.group(1)])

    return _FIELD_RE.sub(repl, text)


def parse_template(name: str, path: Path, text: str) -> PromptTemplate:
    """Split a template file's text into its system and user parts."""
    parts: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _SECTION_RE.match(line.strip())
        if match:
            current = match.group(1).lower()
            if current in parts:
                raise ValueError(f"prompt template {path}: section '# {current}' appears twice")
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    if not parts:
        raise ValueError(f"prompt template {path}: no '# system' or '# user' section")
    system = "\n".join(parts.get("system", [])).strip()
    user = "\n".join(parts.get("user", [])).strip()
    return PromptTemplate(name=name, path=path, system=system, user=user)


@lru_cache(maxsize=128)
def _load_cached(directory: Path, name: str) -> PromptTemplate:
    path = directory / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"prompt template {name!r} not found: no file {path}")
    return parse_template(name, path, path.read_text(encoding="utf-8"))


def load_template(name: str, directory: Path | None = None) -> PromptTemplate:
    """The template ``<directory>/<name>.md`` (default directory: the package's prompts)."""
    if not _NAME_RE.match(name):
        raise ValueError(
            f"prompt template name {name!r} must be lower-case letters, digits and underscores"
        )
    return _load_cached((directory or PROMPTS_DIR).resolve(), name)


def available_templates(directory: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (directory or PROMPTS_DIR).glob("*.md"))
