"""OpenAPI's schema dialects as plain JSON Schema, per direction.

Swagger 2.0 and OpenAPI 3.0 schemas are JSON Schema draft 4 plus a few words of their own; 3.1 is
JSON Schema 2020-12. Validators only speak JSON Schema, so each schema is rewritten once, at
start-up, for the direction it is used in:

- ``nullable: true`` (3.0) and ``x-nullable: true`` (2.0) allow ``null``.
- ``readOnly`` properties: in requests they are not required, and sending one is a violation
  (mass-assignment protection; see :data:`READ_ONLY`) unless the API ignores them, in which case
  they are dropped before validation. In responses ``writeOnly`` properties are the mirror image.
- ``discriminator`` (3.x, beside ``oneOf``/``anyOf``): its property must be present (the
  specification says so), and which value names which branch is recorded (see
  :data:`DISCRIMINATOR`) so a failure is explained by the branch the client named. Otherwise
  ``oneOf``/``anyOf`` validate as JSON Schema says.
- ``pattern`` is ECMA-262, where a brace that is no quantifier is a literal; such braces are
  escaped for the engine (the message still shows the pattern as written, :data:`PATTERN`).

The rewrite walks the same shape as the bundler (names under ``properties`` are never keywords)
and shares unchanged subtrees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from openapi_aio.spec.model import SpecVersion
from openapi_aio.validation.formats import NUMERIC_RANGES
from openapi_aio.validation.read_only import DROP_DEPTH

__all__ = ["DISCRIMINATOR", "PATTERN", "READ_ONLY", "WRITE_ONLY", "Direction", "to_json_schema"]

Direction = Literal["request", "response"]

# Marks the schema that replaces a property which must not be sent in this direction. The
# validator reports it through ``not``; :mod:`.messages` turns that into a plain sentence.
READ_ONLY = "x-openapi-aio-read-only"
WRITE_ONLY = "x-openapi-aio-write-only"
# The pattern as the document wrote it, beside the one rewritten for the engine.
PATTERN = "x-openapi-aio-pattern"
# {"keyword": "oneOf", "property": "petType", "names": {"cat": 0, "dog": 1}, "complete": True}:
# the branch each discriminator value names, learnt from what the branches allow for the property
# (``enum``/``const``); "complete" when every branch told. Read by :mod:`.messages` on failure only.
DISCRIMINATOR = "x-openapi-aio-discriminator"

_ONE = ("additionalItems", "additionalProperties", "contains", "else", "if", "items", "not",
        "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties")  # fmt: skip
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_LIST_KEYWORDS = (*_LISTS, "items")  # "items" is a list of schemas in draft 4 tuples
_MAPS = ("patternProperties", "definitions", "$defs", "dependentSchemas")


def to_json_schema(
    schema: Mapping[str, Any], version: SpecVersion, direction: Direction, *, strip_read_only: bool = False
) -> Mapping[str, Any]:
    """``schema`` rewritten for a JSON Schema validator, for requests or responses."""
    rewriter = _Rewriter(version, direction, strip_read_only)
    rewritten: Mapping[str, Any] = rewriter.rewrite(schema, 0 if rewriter.strip else None)
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
        self._seen: dict[tuple[int, int | None], Any] = {}

    def rewrite(self, schema: Any, reach: int | None = None) -> Any:
        """``schema`` for the engine. ``reach`` is how many levels deep it sits on the paths
        where the body reader drops read-only values (plain nested objects, array ``items`` and
        ``allOf``, see :mod:`.read_only`), ``None`` elsewhere: only there may
        ``read_only="ignore"`` let them pass, since nothing else removes them before the handler."""
        if not isinstance(schema, Mapping):
            return schema
        key = (id(schema), reach)
        if key in self._seen:  # shared subtrees (bundled $refs) are rewritten once
            return self._seen[key]
        result: dict[str, Any] = {}
        self._seen[key] = result  # placed before recursing: cycles through shared dicts are safe
        for keyword, value in schema.items():
            if keyword in _ONE and isinstance(value, Mapping):
                result[keyword] = self.rewrite(value, _below(reach) if keyword == "items" else None)
            elif keyword in _LIST_KEYWORDS and isinstance(value, list):
                result[keyword] = [self.rewrite(item, reach if keyword == "allOf" else None) for item in value]
            elif keyword == "patternProperties" and isinstance(value, Mapping):
                result[keyword] = {literal_braces(str(name)): self.rewrite(sub) for name, sub in value.items()}
            elif keyword in _MAPS and isinstance(value, Mapping):
                result[keyword] = {name: self.rewrite(sub) for name, sub in value.items()}
            elif keyword == "properties" and isinstance(value, Mapping):
                result[keyword] = self.properties(value, reach)
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
            if result["pattern"] != schema["pattern"]:
                result[PATTERN] = schema["pattern"]
        if self.version == "3.1":
            _exclusive_bounds(result)  # a 3.0 habit (boolean exclusiveMaximum) in a 3.1 document
        fmt = schema.get("format")
        bounds = NUMERIC_RANGES.get(fmt) if isinstance(fmt, str) else None
        if bounds is not None:  # engines only run format checkers on strings
            result.setdefault("allOf", [])
            result["allOf"] = [*result["allOf"], {"minimum": bounds[0], "maximum": bounds[1]}]
        if self.version != "2.0" and isinstance(result.get("discriminator"), Mapping):
            _discriminate(result)  # 2.0's discriminator names a subtype elsewhere; nothing to read here
        if result.get("additionalProperties") is False and "properties" not in result:
            result["properties"] = {}  # so the engine names the unexpected properties
        if self.nullable_keyword and schema.get(self.nullable_keyword) is True:
            result = _allow_null(result)
            self._seen[key] = result
        return result

    def properties(self, properties: Mapping[str, Any], reach: int | None) -> dict[str, Any]:
        below = _below(reach)
        rewritten: dict[str, Any] = {}
        for name, sub in properties.items():
            if _flag(sub, self.hidden):
                if reach is not None:
                    continue  # the body reader drops it before validation (read_only="ignore")
                rewritten[name] = {"not": {}, self.marker: True}
            else:
                rewritten[name] = self.rewrite(sub, below)
        return rewritten


def _below(reach: int | None) -> int | None:
    """The reach one level down (a member or an array item), as :mod:`.read_only` counts it."""
    return reach + 1 if reach is not None and reach < DROP_DEPTH else None


_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")
_BRACED_ESCAPE = re.compile(r"\\[pPu]\{[^{}]*\}")  # \p{Letter}, \P{Lu}, \u{1F600}


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
            braced = _BRACED_ESCAPE.match(pattern, index)
            if braced:
                out.append(braced[0])
                index = braced.end()
                continue
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


def _discriminate(schema: dict[str, Any]) -> None:
    """Require the discriminator's property and record which of its values names which branch."""
    name = schema["discriminator"].get("propertyName")
    keyword = "oneOf" if isinstance(schema.get("oneOf"), list) else "anyOf"
    branches = schema.get(keyword)
    if not isinstance(name, str) or not isinstance(branches, list):
        return
    required = schema.get("required")
    required = required if isinstance(required, list) else []
    if name not in required:
        schema["required"] = [*required, name]
    names: dict[str, int] = {}
    complete = True
    for index, branch in enumerate(branches):
        values = _allowed_values(branch, name)
        complete = complete and bool(values)
        for value in values:
            names.setdefault(value, index)
    schema[DISCRIMINATOR] = {"keyword": keyword, "property": name, "names": names, "complete": complete}


def _allowed_values(schema: Any, name: str, depth: int = 0) -> list[str]:
    """The strings a branch allows for property ``name`` (``enum``/``const``, also in ``allOf``)."""
    if not isinstance(schema, Mapping) or depth > 8:
        return []
    found: list[str] = []
    properties = schema.get("properties")
    declared = properties.get(name) if isinstance(properties, Mapping) else None
    if isinstance(declared, Mapping):
        if isinstance(declared.get("enum"), list):
            found += [value for value in declared["enum"] if isinstance(value, str)]
        if isinstance(declared.get("const"), str):
            found.append(declared["const"])
    members = schema.get("allOf")
    for member in members if isinstance(members, list) else ():
        found += _allowed_values(member, name, depth + 1)
    return found


def _flag(schema: Any, keyword: str) -> bool:
    return isinstance(schema, Mapping) and schema.get(keyword) is True


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null``. Beside a composition, which would still refuse ``null``
    (``allOf: [$ref]`` is how 3.0 makes a reference nullable), ``null`` becomes a branch."""
    kind = schema.get("type")
    if kind is None or any(keyword in schema for keyword in ("allOf", "anyOf", "oneOf", "not")):
        return {"anyOf": [{"type": "null"}, schema]}
    if isinstance(kind, str):
        schema = {**schema, "type": [kind, "null"]}
    elif isinstance(kind, list) and "null" not in kind:
        schema = {**schema, "type": [*kind, "null"]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema
