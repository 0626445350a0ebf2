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
from collections.abc import Mapping
from typing import Any

from .files import Ref, SpecFiles

__all__ = ["SchemaBundler"]

_ONE_SCHEMA = frozenset(
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
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
_ANNOTATIONS = frozenset({"description", "summary", "title", "example", "examples", "$comment"})


class SchemaBundler:
    """Inline schemas of one document set; results are cached by the referenced location."""

    def __init__(self, files: SpecFiles, *, ref_siblings: bool) -> None:
        self.files = files
        # OpenAPI 3.1 (JSON Schema 2020-12) keeps keywords next to $ref; 2.0 and 3.0 ignore them.
        self.ref_siblings = ref_siblings
        self._inlined: dict[str, tuple[Any, frozenset[str]]] = {}
        self._defs: dict[str, Any] = {}
        self._def_needs: dict[str, frozenset[str]] = {}
        self._keys: dict[str, str] = {}

    def bundle(self, schema: Any, at: Ref) -> Any:
        """A self-contained copy of ``schema`` (found at ``at``)."""
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
        bundled["$defs"] = {**bundled.get("$defs", {}), **closure}
        return bundled

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
            resolved, needs = self._inline(target, target_at, (*stack, absolute))
            key = self._keys.get(absolute)
            if key is not None:  # this target was found recursive while inlining it
                self._defs[key] = resolved
                self._def_needs[key] = needs - {key}
            self._inlined[absolute] = (resolved, needs)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not siblings:
            return resolved, needs
        if not self.ref_siblings:
            # 2.0/3.0: keywords beside $ref are ignored by the spec; keep only annotations.
            annotations = {k: v for k, v in siblings.items() if k in _ANNOTATIONS}
            if not annotations or not isinstance(resolved, Mapping):
                return resolved, needs
            return {**resolved, **annotations}, needs
        rest, rest_needs = self._inline_object(siblings, at, stack)
        combined = dict(rest)
        combined["allOf"] = [resolved, *combined.get("allOf", [])]
        return combined, needs | rest_needs

    def _inline_object(self, node: Mapping[str, Any], at: Ref, stack: tuple[str, ...]) -> tuple[Any, frozenset[str]]:
        result: dict[str, Any] = {}
        needs: frozenset[str] = frozenset()
        changed = False
        for keyword, value in node.items():
            new = value
            if keyword in _ONE_SCHEMA and isinstance(value, Mapping):
                new, more = self._inline(value, at.child(keyword), stack)
                needs |= more
            elif keyword in _ONE_SCHEMA | _SCHEMA_LISTS and isinstance(value, list):
                items = []
                for index, item in enumerate(value):
                    inlined, more = self._inline(item, at.child(keyword, index), stack)
                    items.append(inlined)
                    needs |= more
                new = items
            elif keyword in _SCHEMA_MAPS and isinstance(value, Mapping):
                members = {}
                for name, member in value.items():
                    inlined, more = self._inline(member, at.child(keyword, name), stack)
                    members[name] = inlined
                    needs |= more
                new = members
            if new is not value:
                changed = True
            result[keyword] = new
        return (result if changed else node), needs
