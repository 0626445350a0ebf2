"""Dropping ``readOnly`` members from a request body (``read_only="ignore"``, the default).

A client SHOULD NOT send them (OpenAPI 3, Schema Object); a server may ignore them, as Connexion
does. Ignoring must never let one reach the handler (mass assignment), so they are removed before
validation wherever :class:`~openapi_aio.validation.dialects._Rewriter` lets them pass: members of
plain nested objects, ``allOf`` members and array ``items``, down to ``DROP_DEPTH`` levels.
Anywhere else (``oneOf`` branches, ``additionalProperties``, deeper) they stay refused. A member
that another ``allOf`` branch declares without ``readOnly`` is not dropped: the document asks the
client for it there.

The plan is a small tree built once per schema at start-up, shared where the schema is (so a
recursive schema costs its depth, not its number of paths); per request it walks only the parts
of the body where a readOnly member may sit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DROP_DEPTH", "ReadOnlyDrop", "read_only_drop"]

# How many levels (members or array items) deep read-only values are looked for.
DROP_DEPTH = 32


@dataclass(frozen=True, slots=True)
class ReadOnlyDrop:
    """What to remove from one value: its readOnly members, and where below to look."""

    names: tuple[str, ...]
    nested: tuple[tuple[str, ReadOnlyDrop], ...]
    items: tuple[ReadOnlyDrop, ...]

    def apply(self, value: Any) -> None:
        if isinstance(value, dict):
            for name in self.names:
                value.pop(name, None)
            for name, below in self.nested:
                member = value.get(name)
                if member is not None:
                    below.apply(member)
        elif isinstance(value, list):
            for plan in self.items:
                for item in value:
                    plan.apply(item)


def read_only_drop(schema: Any) -> ReadOnlyDrop | None:
    """The plan for a body of ``schema``, or ``None`` when it can hold no droppable member."""
    return _Planner().plan(schema, 0)


class _Planner:
    def __init__(self) -> None:
        self._seen: dict[tuple[int, int], ReadOnlyDrop | None] = {}

    def plan(self, schema: Any, depth: int) -> ReadOnlyDrop | None:
        if not isinstance(schema, Mapping):
            return None
        key = (id(schema), depth)
        if key in self._seen:
            return self._seen[key]
        self._seen[key] = None  # a cycle deeper than DROP_DEPTH is cut by depth; this only guards
        names: list[str] = []
        nested: list[tuple[str, ReadOnlyDrop]] = []
        items: list[ReadOnlyDrop] = []
        below = depth + 1 if depth < DROP_DEPTH else None
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                if isinstance(sub, Mapping) and sub.get("readOnly") is True:
                    names.append(name)
                elif below is not None and (plan := self.plan(sub, below)) is not None:
                    nested.append((name, plan))
        if below is not None and (plan := self.plan(schema.get("items"), below)) is not None:
            items.append(plan)
        for member in schema.get("allOf") or ():
            if (plan := self.plan(member, depth)) is not None:
                names += plan.names
                nested += plan.nested
                items += plan.items
        if names:  # a member another allOf branch declares as an ordinary one is the client's to send
            plain = _plain_members(schema)
            names = [name for name in names if name not in plain]
        result = ReadOnlyDrop(tuple(names), tuple(nested), tuple(items)) if names or nested or items else None
        self._seen[key] = result
        return result


def _plain_members(schema: Any) -> set[str]:
    """The members ``schema`` (with its ``allOf`` members, at the same level) declares without
    ``readOnly``: Connexion's restyresolver example requires ``id`` in a PUT body through an
    ``allOf`` branch beside a ``Pet`` whose ``id`` is readOnly; the request must keep it."""
    if not isinstance(schema, Mapping):
        return set()
    properties = schema.get("properties")
    plain = set()
    if isinstance(properties, Mapping):
        plain = {name for name, sub in properties.items() if not (isinstance(sub, Mapping) and sub.get("readOnly"))}
    for member in schema.get("allOf") or ():
        plain |= _plain_members(member)
    return plain
