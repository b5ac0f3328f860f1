"""JSON schemas as grammar-based servers can read them.

Pydantic puts nested models under ``$defs`` and points at them with ``$ref``; llama.cpp's
schema-to-grammar converter fails on such references ("failed to parse grammar") and then
generates unconstrained text. String length bounds become one grammar rule per character and
overflow its repetition limit (and a failed grammar has crashed the server). The grammar only
has to keep the answer well-formed: pydantic still validates every bound afterwards.
"""

from __future__ import annotations

from typing import Any

# Keywords that a grammar expands into long repetitions; pydantic checks them after parsing.
_GRAMMAR_HEAVY = frozenset({"minLength", "maxLength", "pattern", "format"})


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` for a grammar: references inlined, string bounds left to pydantic."""
    defs: dict[str, Any] = schema.get("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise ValueError(f"schema reference {ref} is recursive; cannot inline it")
                if name not in defs:
                    raise ValueError(f"schema reference {ref} names no definition")
                target = resolve(defs[name], (*seen, name))
                extra = {k: resolve(v, seen) for k, v in node.items() if k != "$ref"}
                return {**target, **extra}
            # A discriminator's mapping points into $defs; the inlined variants carry their
            # own constant tag, so the grammar needs no mapping.
            return {
                k: resolve(v, seen)
                for k, v in node.items()
                if k != "$defs"
                and not (k == "discriminator" and "propertyName" in v)
                and not (k in _GRAMMAR_HEAVY and not isinstance(v, dict))
            }
        if isinstance(node, list):
            return [resolve(v, seen) for v in node]
        return node

    inlined: dict[str, Any] = resolve(schema, ())  # a mapping resolves to a mapping
    return inlined
