"""Schemas sent to grammar-based servers are self-contained."""

from __future__ import annotations

import json

import pytest

from pepa.agent.llm.schema import inline_refs
from pepa.messages import Reflection


def test_every_reference_of_a_nested_model_is_inlined() -> None:
    schema = Reflection.model_json_schema()
    assert "$defs" in schema
    flat = inline_refs(schema)
    text = json.dumps(flat)
    assert "$ref" not in text and "$defs" not in text
    goal = flat["properties"]["tomorrow_goals"]["items"]
    assert "condition" in goal["properties"] and "action" in goal["properties"]


def test_unknown_reference_is_named() -> None:
    with pytest.raises(ValueError, match="Missing"):
        inline_refs({"properties": {"a": {"$ref": "#/$defs/Missing"}}})


def test_recursive_reference_is_refused() -> None:
    schema = {
        "$defs": {"Node": {"properties": {"next": {"$ref": "#/$defs/Node"}}}},
        "$ref": "#/$defs/Node",
    }
    with pytest.raises(ValueError, match="recursive"):
        inline_refs(schema)


def test_string_bounds_are_left_to_pydantic_but_fields_named_like_them_stay() -> None:
    schema = {
        "properties": {
            "summary": {"type": "string", "minLength": 1, "maxLength": 2000},
            "pattern": {"type": "string"},
        }
    }
    flat = inline_refs(schema)
    assert flat["properties"]["summary"] == {"type": "string"}
    assert flat["properties"]["pattern"] == {"type": "string"}
