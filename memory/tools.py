"""The memory's query tools as LLM function-calling tools.

:func:`tool_specs` gives OpenAI-style tool definitions whose parameter schemas come from the
pydantic argument models; :func:`call_tool` validates an LLM's arguments against the same
models and returns a JSON answer. Invalid arguments come back as an error object naming the
field, so the LLM can correct itself; nothing an LLM sends is ever executed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery, PlaceQuery, Recall, TextQuery, TimeQuery

_TOOLS: dict[str, tuple[type[BaseModel], str]] = {
    "memory_by_text": (TextQuery, "Recall episodes whose captions mean something like a text."),
    "memory_by_place": (PlaceQuery, "Recall what happened in a room, on a floor or near a point."),
    "memory_by_time": (TimeQuery, "Recall what happened between two simulated times (seconds)."),
    "memory_search": (MemoryQuery, "Recall episodes with any combination of filters."),
}


def tool_specs() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": description,
                "parameters": model.model_json_schema(),
            },
        }
        for name, (model, description) in _TOOLS.items()
    ]


def _runner(memory: EpisodicMemory, name: str) -> Callable[[Any], list[Recall]]:
    return {
        "memory_by_text": memory.by_text,
        "memory_by_place": memory.by_place,
        "memory_by_time": memory.by_time,
        "memory_search": memory.search,
    }[name]


def call_tool(memory: EpisodicMemory, name: str, arguments: str | dict[str, Any]) -> str:
    """Run one tool call; the answer (or the error) is a JSON string for the LLM."""
    if name not in _TOOLS:
        return json.dumps({"error": f"unknown tool {name!r}; known: {sorted(_TOOLS)}"})
    model, _ = _TOOLS[name]
    try:
        args = (
            model.model_validate_json(arguments)
            if isinstance(arguments, str)
            else model.model_validate(arguments)
        )
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
            for e in exc.errors()
        ]
        return json.dumps({"error": "invalid arguments", "problems": problems})
    found = _runner(memory, name)(args)
    return json.dumps({"episodes": [r.brief() for r in found]})
