"""OpenAPI's schema dialects as plain JSON Schema, per direction.

Swagger 2.0 and OpenAPI 3.0 schemas are JSON Schema draft 4 plus a few words of their own; 3.1 is
JSON Schema 2020-12. Validators only speak JSON Schema, so each schema is rewritten once, at
start-up, for the direction it is used in:

- ``nullable: true`` (3.0) and ``x-nullable: true`` (2.0) allow ``null``.
- ``readOnly`` properties: in requests they are not required, and sending one is a violation
  (mass-assignment protection; see :data:`READ_ONLY`) unless the API ignores them, in which case
  they are dropped before validation. In responses ``writeOnly`` properties are the mirror image.
- ``discriminator`` stays an annotation: ``oneOf``/``anyOf`` validate as JSON Schema says.

The rewrite walks the same shape as the bundler (names under ``properties`` are never keywords)
and shares unchanged subtrees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from ..spec.model import SpecVersion
from .formats import NUMERIC_RANGES

__all__ = ["READ_ONLY", "WRITE_ONLY", "Direction", "to_json_schema"]

Direction = Literal["request", "response"]

# Marks the schema that replaces a property which must not be sent in this direction. The
# validator reports it through ``not``; :mod:`.messages` turns that into a plain sentence.
READ_ONLY = "x-openapi-aio-read-only"
WRITE_ONLY = "x-openapi-aio-write-only"

_ONE = ("additionalItems", "additionalProperties", "contains", "else", "if", "items", "not",
        "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties")  # fmt: skip
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_LIST_KEYWORDS = (*_LISTS, "items")  # "items" is a list of schemas in draft 4 tuples
_MAPS = ("patternProperties", "definitions", "$defs", "dependentSchemas")


def to_json_schema(
    schema: Mapping[str, Any], version: SpecVersion, direction: Direction, *, strip_read_only: bool = False
) -> Mapping[str, Any]:
    """``schema`` rewritten for a JSON Schema validator, for requests or responses."""
    rewritten: Mapping[str, Any] = _Rewriter(version, direction, strip_read_only).rewrite(schema)
    return rewritten


class _Rewriter:
    def __init__(self, version: SpecVersion, direction: Direction, strip_read_only: bool) -> None:
        self.version = version
        self.nullable_keyword = {"2.0": "x-nullable", "3.0": "nullable"}.get(version)
        self.direction = direction
        # request: readOnly is forbidden (or silently dropped); response: writeOnly is forbidden
        self.hidden = "readOnly" if direction == "request" else "writeOnly"
        self.marker = READ_ONLY if direction == "request" else WRITE_ONLY
        self.strip = strip_read_only and direction == "request"
        self._seen: dict[int, Any] = {}

    def rewrite(self, schema: Any) -> Any:
        if not isinstance(schema, Mapping):
            return schema
        key = id(schema)
        if key in self._seen:  # shared subtrees (bundled $refs) are rewritten once
            return self._seen[key]
        result: dict[str, Any] = {}
        self._seen[key] = result  # placed before recursing: cycles through shared dicts are safe
        for keyword, value in schema.items():
            if keyword in _ONE and isinstance(value, Mapping):
                result[keyword] = self.rewrite(value)
            elif keyword in _LIST_KEYWORDS and isinstance(value, list):
                result[keyword] = [self.rewrite(item) for item in value]
            elif keyword in _MAPS and isinstance(value, Mapping):
                result[keyword] = {name: self.rewrite(sub) for name, sub in value.items()}
            elif keyword == "properties" and isinstance(value, Mapping):
                result[keyword] = self.properties(value)
            else:
                result[keyword] = value
        if isinstance(result.get("properties"), Mapping) and isinstance(result.get("required"), list):
            hidden = {name for name, sub in schema["properties"].items() if _flag(sub, self.hidden)}
            if hidden:
                result["required"] = [name for name in result["required"] if name not in hidden]
                if not result["required"]:
                    del result["required"]  # draft 4 forbids an empty required list
        if isinstance(result.get("pattern"), str):
            result["pattern"] = literal_braces(result["pattern"])
        if self.version == "3.1":
            _exclusive_bounds(result)  # a 3.0 habit (boolean exclusiveMaximum) in a 3.1 document
        fmt = schema.get("format")
        bounds = NUMERIC_RANGES.get(fmt) if isinstance(fmt, str) else None
        if bounds is not None:  # engines only run format checkers on strings
            result.setdefault("allOf", [])
            result["allOf"] = [*result["allOf"], {"minimum": bounds[0], "maximum": bounds[1]}]
        if result.get("additionalProperties") is False and "properties" not in result:
            result["properties"] = {}  # so the engine names the unexpected properties
        if self.nullable_keyword and schema.get(self.nullable_keyword) is True:
            result = _allow_null(result)
            self._seen[key] = result
        return result

    def properties(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        rewritten: dict[str, Any] = {}
        for name, sub in properties.items():
            if _flag(sub, self.hidden):
                if self.strip:
                    continue  # dropped from the body before validation, see strip_read_only()
                rewritten[name] = {"not": {}, self.marker: True}
            else:
                rewritten[name] = self.rewrite(sub)
        return rewritten


_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")


def literal_braces(pattern: str) -> str:
    """Escape braces that are not quantifiers (``{abc}``), which ECMA-262 and Python read as
    literals but the validator's regex engine rejects."""
    if "{" not in pattern and "}" not in pattern:
        return pattern
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "{":
            quantifier = _QUANTIFIER.match(pattern, index)
            if quantifier and index > 0:
                out.append(quantifier[0])
                index = quantifier.end()
                continue
            out.append("\\{")
        elif char == "}":
            out.append("\\}")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _exclusive_bounds(schema: dict[str, Any]) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(exclusive), bool):
            if schema[exclusive] and bound in schema:
                schema[exclusive] = schema.pop(bound)
            else:
                del schema[exclusive]


def _flag(schema: Any, keyword: str) -> bool:
    return isinstance(schema, Mapping) and schema.get(keyword) is True


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema = {**schema, "type": [kind, "null"]}
    elif isinstance(kind, list) and "null" not in kind:
        schema = {**schema, "type": [*kind, "null"]}
    elif kind is None:
        return {"anyOf": [{"type": "null"}, schema]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def read_only_paths(schema: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where ``readOnly`` properties sit in plain nested objects (for dropping them from a
    request body when the API ignores them instead of rejecting)."""
    found: list[tuple[str, ...]] = []
    if not isinstance(schema, Mapping) or len(prefix) > 32:
        return found
    for name, sub in (schema.get("properties") or {}).items():
        if _flag(sub, "readOnly"):
            found.append((*prefix, name))
        else:
            found += read_only_paths(sub, (*prefix, name))
    for member in schema.get("allOf") or ():
        found += read_only_paths(member, prefix)
    return found
