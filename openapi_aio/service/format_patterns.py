"""Formats openapi_aio checks that other tools do not know, spelled out as patterns when served.

``format: decimal`` (a finite decimal number written in digits, ``"12.50"``) is checked by the
request validator (:mod:`openapi_aio.validation.formats`), but JSON Schema says an unknown format
is only an annotation: a client generator or a contract tester takes any string for valid, and
then sees ``""`` or ``"12,5"`` refused. So in the served document (never the file) each string
schema with ``format: decimal`` and no ``pattern`` of its own also gets the pattern the validator
applies. Only what changes is copied.
"""

from __future__ import annotations

from typing import Any

from openapi_aio.validation.formats import DECIMAL_PATTERN

__all__ = ["with_format_patterns"]


def with_format_patterns(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with decimal patterns added (the same object when there are none)."""
    result = _walk(document)
    assert isinstance(result, dict)
    return result


_VALUES = frozenset({"example", "examples", "default", "enum", "const", "x-example", "x-examples"})


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        changed = None
        for key, value in node.items():
            if key in _VALUES:  # data, not schemas
                continue
            new = _walk(value)
            if new is not value:
                changed = changed if changed is not None else dict(node)
                changed[key] = new
        result = changed if changed is not None else node
        if result.get("format") == "decimal" and "pattern" not in result and _string(result.get("type", "string")):
            result = {**result, "pattern": DECIMAL_PATTERN}
        return result
    if isinstance(node, list):
        items = [_walk(item) for item in node]
        return items if any(new is not old for new, old in zip(items, node, strict=True)) else node
    return node


def _string(kind: Any) -> bool:
    return kind == "string" or (isinstance(kind, list) and "string" in kind)
