"""JSON schemas as grammar-based servers can read them.

Pydantic puts nested models under ``$defs`` and points at them with ``$ref``; llama.cpp's
schema-to-grammar converter fails on such references ("failed to parse grammar") and then
generates unconstrained text. Inlining every reference gives it one self-contained schema.
"""

from __future__ import annotations

from typing import Any


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` with every local ``#/$defs/...`` reference replaced by its target."""
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
                if k != "$defs" and not (k == "discriminator" and "propertyName" in v)
            }
        if isinstance(node, list):
            return [resolve(v, seen) for v in node]
        return node

    return resolve(schema, ())
