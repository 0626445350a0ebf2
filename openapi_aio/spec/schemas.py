"""Make each schema self-contained, once, at start-up.

Validators, casters and mock generators want a schema they can read without going back to the
files. :class:`SchemaBundler` inlines every ``$ref``; a reference that would recurse forever (a
tree of nodes, a person with parents) becomes ``{"$ref": "#/$defs/<key>"}`` and the target is
added under ``$defs`` of every root schema that needs it. Inlined nodes are shared between
operations, so a large document with many references to the same schema costs no copies.

The walk knows JSON Schema's shape: names under ``properties`` are never keywords, and data under
``enum``, ``const``, ``default`` and ``example(s)`` is never searched for references.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from openapi_aio.spec.files import Ref, SpecFiles

__all__ = ["ONE_SCHEMA", "SCHEMA_LISTS", "SCHEMA_MAPS", "FragmentCheck", "SchemaBundler"]

# Called with each schema that lives outside the root file: the document check never saw it.
FragmentCheck = Callable[[Any, Ref], None]

ONE_SCHEMA = frozenset(
    {
        "additionalItems",
        "additionalProperties",
        "contains",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
# Keywords whose value is plain data the rest of openapi_aio reads as such. The document check
# lets a Reference Object stand anywhere (it is resolved on use), but these are never resolved.
_VALUES = frozenset(
    {
        "type", "format", "required", "enum", "nullable", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
        "minProperties", "maxProperties", "uniqueItems", "multipleOf", "readOnly", "writeOnly",
    }
)  # fmt: skip
_ANNOTATIONS = frozenset({"description", "summary", "title", "example", "examples", "$comment"})


class SchemaBundler:
    """Inline schemas of one document set; results are cached by the referenced location."""

    def __init__(self, files: SpecFiles, *, ref_siblings: bool, check: FragmentCheck | None = None) -> None:
        self.files = files
        # OpenAPI 3.1 (JSON Schema 2020-12) keeps keywords next to $ref; 2.0 and 3.0 ignore them.
        self.ref_siblings = ref_siblings
        self.check = check
        self._checked: set[str] = set()
        self._inlined: dict[str, tuple[Any, frozenset[str]]] = {}
        self._defs: dict[str, Any] = {}
        self._def_needs: dict[str, frozenset[str]] = {}
        self._keys: dict[str, str] = {}

    def bundle(self, schema: Any, at: Ref) -> Any:
        """A self-contained copy of ``schema`` (found at ``at``)."""
        self._check(schema, at)
        node, needs = self._inline(schema, at, ())
        if not needs:
            return node
        closure: dict[str, Any] = {}
        pending = list(needs)
        while pending:
            key = pending.pop()
            if key in closure:
                continue
            closure[key] = self._defs[key]
            pending.extend(self._def_needs.get(key, ()))
        if not isinstance(node, Mapping):
            return node
        bundled = dict(node)
        own = bundled.get("$defs")
        # sorted: the served document is the same on every run (sets iterate in hash order)
        bundled["$defs"] = {**(own if isinstance(own, Mapping) else {}), **dict(sorted(closure.items()))}
        return bundled

    def _check(self, schema: Any, at: Ref) -> None:
        """Hand a schema from another file to the check, once (its sub-schemas come with it)."""
        if self.check is None or at.uri == self.files.root_uri or at.absolute in self._checked:
            return
        self._checked.add(at.absolute)
        self.check(schema, at)

    def _key(self, absolute: str) -> str:
        key = self._keys.get(absolute)
        if key is None:
            tail = absolute.rsplit("/", 1)[-1] or "root"
            key = re.sub(r"[^A-Za-z0-9_.-]", "_", tail)
            if key in self._keys.values():
                key = f"{key}_{len(self._keys)}"
            self._keys[absolute] = key
        return key

    def _inline(self, node: Any, at: Ref, stack: tuple[str, ...]) -> tuple[Any, frozenset[str]]:
        if isinstance(node, Mapping):
            if "$ref" in node and isinstance(node["$ref"], str):
                return self._inline_ref(node, at, stack)
            return self._inline_object(node, at, stack)
        if isinstance(node, list):
            return node, frozenset()
        return node, frozenset()

    def _inline_ref(self, node: Mapping[str, Any], at: Ref, stack: tuple[str, ...]) -> tuple[Any, frozenset[str]]:
        target, target_at = self.files.resolve(node["$ref"], at)
        absolute = target_at.absolute
        if absolute in stack:  # recursion: point into $defs instead of inlining forever
            key = self._key(absolute)
            self._defs.setdefault(key, None)
            resolved: Any = {"$ref": f"#/$defs/{key}"}
            needs = frozenset({key})
        elif absolute in self._inlined:
            resolved, needs = self._inlined[absolute]
        else:
            self._check(target, target_at)
            resolved, needs = self._inline(target, target_at, (*stack, absolute))
            recursive = self._keys.get(absolute)
            if recursive is not None:  # this target was found recursive while inlining it
                self._defs[recursive] = resolved
                self._def_needs[recursive] = needs - {recursive}
            self._inlined[absolute] = (resolved, needs)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not siblings:
            return resolved, needs
        if not self.ref_siblings:
            # 2.0/3.0: keywords beside $ref are ignored by the spec; keep only annotations (and
            # extensions such as x-sensitive, which say how to treat the value, not what it is).
            annotations = {k: v for k, v in siblings.items() if k in _ANNOTATIONS or k.startswith("x-")}
            if not annotations or not isinstance(resolved, Mapping):
                return resolved, needs
            return {**resolved, **annotations}, needs
        rest, rest_needs = self._inline_object(siblings, at, stack)
        combined = dict(rest)
        own = combined.get("allOf")
        combined["allOf"] = [resolved, *(own if isinstance(own, list) else [])]
        return combined, needs | rest_needs

    def _inline_object(self, node: Mapping[str, Any], at: Ref, stack: tuple[str, ...]) -> tuple[Any, frozenset[str]]:
        result: dict[str, Any] = {}
        needs: frozenset[str] = frozenset()
        changed = False
        for keyword, value in node.items():
            new = value
            if keyword in _VALUES and isinstance(value, Mapping) and "$ref" in value:
                raise at.child(keyword).error(f"{keyword!r} cannot be a $ref: only schemas can")
            if keyword in ONE_SCHEMA and isinstance(value, Mapping):
                new, more = self._inline(value, at.child(keyword), stack)
                needs |= more
            elif keyword in ONE_SCHEMA | SCHEMA_LISTS and isinstance(value, list):
                items = []
                for index, item in enumerate(value):
                    inlined, more = self._inline(item, at.child(keyword, index), stack)
                    items.append(inlined)
                    needs |= more
                new = items
            elif keyword in SCHEMA_MAPS and isinstance(value, Mapping):
                # ``properties: {$ref: common.yml#/props}``: the whole map is a reference (seen in
                # the wild); a property named "$ref" would be a schema, not a string.
                map_at = at.child(keyword)
                if isinstance(value.get("$ref"), str):
                    value, map_at = self.files.deref(value, map_at)
                members = {}
                for name, member in value.items() if isinstance(value, Mapping) else ():
                    inlined, more = self._inline(member, map_at.child(name), stack)
                    members[name] = inlined
                    needs |= more
                new = members
            if new is not value:
                changed = True
            result[keyword] = new
        return (result if changed else node), needs
