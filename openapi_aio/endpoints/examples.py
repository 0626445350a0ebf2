"""Example values for schemas: what the document shows, or a value made up to fit.

:func:`example_for` prefers what the author wrote (``example``, the first of ``examples``,
``default``, ``const``, the first ``enum`` value) and otherwise builds a value from the schema's
keywords: types and formats, bounds, lengths, ``pattern``, required properties, ``allOf`` (merged),
``oneOf``/``anyOf`` (the first branch whose value validates), ``nullable``, and ``readOnly`` /
``writeOnly`` (a response leaves out ``writeOnly`` properties, a request ``readOnly`` ones).
Nothing is random: the same schema always gives the same value.

Recursive schemas (``$defs`` referring to themselves) are followed a few levels: below that only
required properties are filled in and optional ones left out. Numbers and strings come from
:mod:`.scalars`, and strings that must match a ``pattern`` from the sampler in :mod:`.patterns`.

>>> example_for({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}})
{'id': 1}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.endpoints.scalars import number_example, string_example
from openapi_aio.spec.pointers import resolve_pointer
from openapi_aio.validation import SchemaValidator
from openapi_aio.validation.dialects import Direction

__all__ = ["CannotGenerate", "example_for"]

_MAX_DEPTH = 12  # nesting levels in all
_RECURSION = 2  # times one $ref may repeat on the path before optional properties are left out


class CannotGenerate(Exception):
    """No value fits the schema (as far as this generator can tell)."""


def example_for(
    schema: Any,
    *,
    direction: Direction = "response",
    version: str = "3.0",
    written: bool = True,
) -> Any:
    """An example value of ``schema`` (self-contained: ``$ref`` s point into its ``$defs`` or
    ``definitions``). With ``written=False`` the schema's ``example``, ``examples`` and
    ``default`` are passed over (``enum`` and ``const`` still decide): the value is made up."""
    return _Generator(schema, direction, version, written).run()


class _Generator:
    def __init__(self, root: Any, direction: Direction, version: str, written: bool) -> None:
        self.root = root
        self.hidden = "writeOnly" if direction == "response" else "readOnly"
        self.version = version
        self.use_written = written
        self._branch_validators: dict[int, SchemaValidator | None] = {}

    def run(self) -> Any:
        return self.value(self.root, (), 0)

    # --- references and merging ---

    def deref(self, schema: Any, refs: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
            ref = schema["$ref"]
            target = self.lookup(ref)
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            refs = (*refs, ref)
            schema = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
            seen += 1
        return schema, refs

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise CannotGenerate(f"reference {ref!r} outside the schema")
        try:
            return resolve_pointer(self.root, ref[1:])
        except LookupError:
            raise CannotGenerate(f"unresolvable reference {ref!r}") from None

    def merged(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """``allOf`` folded into one schema (properties and ``required`` united)."""
        result = {k: v for k, v in schema.items() if k != "allOf"}
        for branch in schema.get("allOf") or ():
            branch, refs = self.deref(branch, refs)
            if not isinstance(branch, Mapping):
                continue
            if "allOf" in branch:
                branch, refs = self.merged(branch, refs)
            for key, value in branch.items():
                if key == "properties" and isinstance(value, Mapping):
                    result["properties"] = {**(result.get("properties") or {}), **value}
                elif key == "required" and isinstance(value, list):
                    result["required"] = [*(result.get("required") or []), *value]
                elif key in ("example", "examples", "default") and key in result:
                    continue  # the outer schema's own example wins
                else:
                    result.setdefault(key, value)
        return result, refs

    # --- values ---

    def value(self, schema: Any, refs: tuple[str, ...], depth: int, variant: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise CannotGenerate("nested too deeply")
        if schema is True or schema == {}:
            return "string"
        if schema is False:
            raise CannotGenerate("false schema")
        schema, refs = self.deref(schema, refs)
        if not isinstance(schema, Mapping):
            return "string"
        if "allOf" in schema:
            schema, refs = self.merged(schema, refs)
        written = self.written(schema, variant)
        if written is not _NONE:
            return written
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                return self.choice(schema, keyword, refs, depth)
        kind = self.kind(schema)
        if kind == "object":
            return self.object(schema, refs, depth)
        if kind == "array":
            return self.array(schema, refs, depth)
        if kind == "integer":
            return number_example(schema, variant, integer=True)
        if kind == "number":
            return number_example(schema, variant, integer=False)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return string_example(schema, variant)

    def written(self, schema: Mapping[str, Any], variant: int) -> Any:
        """What the author wrote for this schema, if anything."""
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            values = [v for v in schema["enum"] if v is not None] or schema["enum"]
            return values[variant % len(values)]
        if variant or not self.use_written:
            return _NONE
        if "example" in schema:
            return schema["example"]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if "default" in schema:
            return schema["default"]
        return _NONE

    def kind(self, schema: Mapping[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or kind
            kind = kinds[0] if kinds else None
        if isinstance(kind, str):
            return kind
        if any(k in schema for k in ("properties", "additionalProperties", "required", "minProperties")):
            return "object"
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            return "array"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number"
        return "string"

    def choice(self, schema: Mapping[str, Any], keyword: str, refs: tuple[str, ...], depth: int) -> Any:
        siblings = {k: v for k, v in schema.items() if k not in (keyword, "discriminator")}
        check = self.branch_validator(schema)
        first: Any = _NONE
        for branch in schema[keyword]:
            branch, branch_refs = self.deref(branch, refs)
            if not isinstance(branch, Mapping):
                continue
            combined = {**siblings, **branch}
            if siblings.get("properties") and branch.get("properties"):
                combined["properties"] = {**siblings["properties"], **branch["properties"]}
            if siblings.get("required") and branch.get("required"):
                combined["required"] = [*siblings["required"], *branch["required"]]
            try:
                candidate = self.value(combined, branch_refs, depth + 1)
            except CannotGenerate:
                continue
            if check is None or check.is_valid(candidate):
                return candidate
            if first is _NONE:
                first = candidate
        if first is _NONE:
            raise CannotGenerate(f"no {keyword} branch gives a value")
        return first

    def branch_validator(self, schema: Mapping[str, Any]) -> SchemaValidator | None:
        """A validator of the ``oneOf``/``anyOf`` node alone; ``None`` when it refers to shared
        definitions (then the first branch that gives a value is taken, unchecked)."""
        key = (id(schema), self.hidden, self.version)
        cached = _BRANCH_VALIDATORS.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        validator = None
        if not _refers(schema):
            try:
                direction: Direction = "response" if self.hidden == "writeOnly" else "request"
                version: Any = self.version
                validator = SchemaValidator.compile(schema, version, direction)
            except Exception:  # noqa: BLE001 - without a validator, the first branch is taken
                validator = None
        if len(_BRANCH_VALIDATORS) > 4096:
            _BRANCH_VALIDATORS.clear()
        _BRANCH_VALIDATORS[key] = (schema, validator)  # the schema is kept: its id stays unique
        return validator

    def object(self, schema: Mapping[str, Any], refs: tuple[str, ...], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [name for name in schema.get("required") or () if isinstance(name, str)]
        recursing = any(refs.count(ref) > _RECURSION - 1 for ref in set(refs)) or depth > _MAX_DEPTH // 2
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            deref, _ = self.deref(sub, refs)
            if isinstance(deref, Mapping) and deref.get(self.hidden) is True:
                continue
            if name not in required and recursing:
                continue
            try:
                result[name] = self.value(sub, refs, depth + 1)
            except CannotGenerate:
                if name in required:
                    raise
        extra = schema.get("additionalProperties")
        for name in required:
            if name not in result:
                result[name] = self.value(extra, refs, depth + 1) if isinstance(extra, Mapping) else "string"
        if isinstance(extra, Mapping) and not properties and not recursing:
            result["additionalProp1"] = self.value(extra, refs, depth + 1)
        minimum = schema.get("minProperties")
        number = 1
        while isinstance(minimum, int) and len(result) < minimum and extra is not False:
            result[f"additionalProp{number}"] = (
                self.value(extra, refs, depth + 1) if isinstance(extra, Mapping) else "string"
            )
            number += 1
        return result

    def array(self, schema: Mapping[str, Any], refs: tuple[str, ...], depth: int) -> list[Any]:
        items = schema.get("items")
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else None
        if isinstance(items, list):  # draft 4 tuple form
            prefix, items = items, schema.get("additionalItems")
        minimum: int = schema["minItems"] if isinstance(schema.get("minItems"), int) else 0
        maximum: int | None = schema["maxItems"] if isinstance(schema.get("maxItems"), int) else None
        recursing = any(refs.count(ref) > _RECURSION - 1 for ref in set(refs))
        count = max(minimum, len(prefix or ()), 0 if recursing else 1)
        if maximum is not None:
            count = min(count, maximum)
        result: list[Any] = []
        for index in range(count):
            if prefix is not None and index < len(prefix):
                sub = prefix[index]
            elif isinstance(items, Mapping) or items is True:
                sub = items
            elif items is False:
                break
            else:
                sub = {}
            variant = index if schema.get("uniqueItems") else 0
            result.append(self.value(sub, refs, depth + 1, variant))
        return result


# (id of a oneOf/anyOf node, hidden keyword, version) -> (the node, its validator or None)
_BRANCH_VALIDATORS: dict[tuple[int, str, str], tuple[Any, SchemaValidator | None]] = {}


def _refers(schema: Any, depth: int = 0) -> bool:
    """Whether a ``$ref`` appears in ``schema`` (too deep counts as yes)."""
    if depth > 24:
        return True
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(_refers(value, depth + 1) for value in schema.values())
    if isinstance(schema, list):
        return any(_refers(item, depth + 1) for item in schema)
    return False


class _NoneType:
    pass


_NONE: Any = _NoneType()
