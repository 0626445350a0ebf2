"""``fill_defaults``: body properties the client left out get their schema's ``default``.

Compiled once per body schema at start-up into a :class:`Defaults` tree that knows where defaults
sit: ``properties`` (recursively in nested objects), array ``items``, ``allOf`` members and the
``$defs`` a recursive schema points into. A request then only walks the parts of its body that can
receive a default. ``oneOf`` / ``anyOf`` members are not followed (which one applies is known only
once the body is validated), and ``readOnly`` properties are never filled in: a client must not
send them, so a request would break its own schema.

>>> defaults = Defaults.compile({"properties": {"size": {"default": 10}, "page": {"type": "integer"}}})
>>> body = {"page": 2}
>>> defaults.fill(body)
>>> body
{'page': 2, 'size': 10}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from openapi_aio.spec.pointers import resolve_pointer

__all__ = ["Defaults"]


class Defaults:
    """Where the defaults of one schema go."""

    __slots__ = ("children", "items", "members", "values")

    def __init__(self) -> None:
        self.values: list[tuple[str, Any]] = []  # properties with a default
        self.children: list[tuple[str, Defaults]] = []  # properties with defaults inside
        self.items: Defaults | None = None
        self.members: list[Defaults] = []  # allOf members and $ref targets: the same value

    @classmethod
    def compile(cls, schema: Any) -> Defaults | None:
        """The defaults of ``schema``; ``None`` when it has none to fill."""
        if not isinstance(schema, Mapping):
            return None
        return _Compiler(schema).compile(schema)

    def fill(self, value: Any) -> None:
        """Add the missing defaults to ``value`` in place (a copy of each).

        Iterative, so a body as deeply nested as JSON allows is no deeper a problem here.
        """
        pending: list[tuple[Defaults, Any]] = [(self, value)]
        while pending:
            node, value = pending.pop()
            if isinstance(value, dict):
                for name, default in node.values:
                    if name not in value:
                        value[name] = copy.deepcopy(default) if isinstance(default, dict | list) else default
                pending += [(child, value[name]) for name, child in node.children if name in value]
            elif isinstance(value, list) and node.items is not None:
                pending += [(node.items, item) for item in value]
            pending += [(member, value) for member in reversed(node.members)]

    def _empty(self) -> bool:
        return not (self.values or self.children or self.items or self.members)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        # By schema id: the node (a schema in progress is found here when it refers to itself).
        self.nodes: dict[int, Defaults | None] = {}

    def compile(self, schema: Any) -> Defaults | None:
        if not isinstance(schema, Mapping):
            return None
        key = id(schema)
        if key in self.nodes:
            return self.nodes[key]
        node = self.nodes[key] = Defaults()
        if "$ref" in schema:
            target = self.compile(self.target(schema))
            if target is not None:
                node.members.append(target)
        properties = schema.get("properties")
        for name, sub in (properties if isinstance(properties, Mapping) else {}).items():
            resolved = self.target(sub) if isinstance(sub, Mapping) and "$ref" in sub else sub
            if not isinstance(resolved, Mapping) or resolved.get("readOnly") is True:
                continue
            if "default" in resolved:
                node.values.append((str(name), resolved["default"]))
            child = self.compile(sub)
            if child is not None:
                node.children.append((str(name), child))
        node.items = self.compile(schema.get("items"))
        for member in schema.get("allOf") or ():
            child = self.compile(member)
            if child is not None:
                node.members.append(child)
        if node._empty():
            self.nodes[key] = None  # (a reference to it from inside stays: it fills nothing)
            return None
        return node

    def target(self, schema: Mapping[str, Any]) -> Any:
        """What a local ``$ref`` (``#/$defs/...``) points to in the root schema, else ``None``."""
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        try:
            return resolve_pointer(self.root, ref[1:])
        except LookupError:
            return None
