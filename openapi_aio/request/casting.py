"""Casting raw strings (path segments, query values, headers, form fields) to a schema's type.

Compiled once per schema: :func:`caster_for` returns a function for one value, and
:func:`object_caster` one for a flat object's properties. A value that does not cast raises
:class:`CastError`, whose message never repeats the value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CastError", "Caster", "caster_for", "identity", "nullable", "object_caster", "schema_types"]


class CastError(ValueError):
    """A raw value that is not of the schema's type."""


Caster = Callable[[Any], Any]


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if k != "null"]
    if kind:
        return [kind]
    for keyword_ in ("allOf", "oneOf", "anyOf"):  # a parameter schema composed of one type
        for member in schema.get(keyword_) or ():
            if isinstance(member, Mapping) and schema_types(member):
                return schema_types(member)
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


# Python's int() and float() also take "1_000", " 7 ", "nan", "Infinity" and non-ASCII digits ("١٢");
# none of them is an integer or a number in a URL, so the text must look like one first.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _cast_integer(value: str) -> int:
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        raise CastError("must be an integer")
    return _int(value)


def _cast_number(value: str) -> float | int:
    """A float, or an int when the text is integral (exact, where a float would round)."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value):
        raise CastError("must be a number")
    if _INTEGER.fullmatch(value):
        return _int(value)
    number = float(value)
    if number in (float("inf"), float("-inf")):
        raise CastError("must be a finite number")
    return number


def _int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # longer than sys.get_int_max_str_digits()
        raise CastError("has too many digits") from None


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def _cast_boolean(value: str) -> bool:
    try:
        return _BOOLEANS[value.lower()]
    except (KeyError, AttributeError):
        raise CastError("must be a boolean (true or false)") from None


def caster_for(schema: Mapping[str, Any]) -> Caster:
    """A function turning one raw string into the schema's primitive type."""
    types = schema_types(schema)
    allows_null = nullable(schema)
    if not types or "string" in types:
        return identity
    casters = [c for c in (_PRIMITIVES.get(t) for t in types) if c is not None]
    if not casters:
        return identity

    def cast(value: Any) -> Any:
        if allows_null and value in ("", "null"):
            return None
        error: CastError | None = None
        for caster in casters:
            try:
                return caster(value)
            except CastError as failed:
                error = error or failed
        raise error  # type: ignore[misc]

    return cast


def nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or kind == "null" or (isinstance(kind, list) and "null" in kind)


def identity(value: Any) -> Any:
    return value


_PRIMITIVES: dict[str, Caster] = {"integer": _cast_integer, "number": _cast_number, "boolean": _cast_boolean}


def object_caster(schema: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Cast each property of a flat object by its own schema (for objects in query strings and forms)."""
    properties = {
        name: caster_for(sub) for name, sub in (schema.get("properties") or {}).items() if isinstance(sub, Mapping)
    }
    extra = schema.get("additionalProperties")
    fallback = caster_for(extra) if isinstance(extra, Mapping) else identity

    def cast(values: Mapping[str, Any]) -> dict[str, Any]:
        return {key: properties.get(key, fallback)(value) for key, value in values.items()}

    return cast
