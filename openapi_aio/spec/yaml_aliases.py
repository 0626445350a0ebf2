"""YAML aliases measured before the data is built: an alias bomb is refused, and so is a cycle.

An alias composes to the very node of its anchor, so in the composed graph a node met a second
time is an alias, and each use stands for that node's whole subtree written out once more. Twenty
levels of two aliases each are a kilobyte of YAML and a million copies of the innermost value:
PyYAML builds that in no time (the copies are shared), and then every later walk (the meta-schema
check, the schemas compiled for validation, the served JSON) goes through all of them, for minutes
and gigabytes. So what aliases repeat is bounded twice:

- in nodes (keys and values): no more than the document writes itself, plus ``ALIAS_NODES``.
  Aliases may double a document, not multiply it;
- in bytes, written out as JSON would write them: they count towards ``max_document_size`` with
  the document's files, so that one long string repeated a thousand times does not pass either.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from openapi_aio.spec.sources import Budget

__all__ = ["ALIAS_NODES", "AliasLimit", "check_aliases"]

ALIAS_NODES = 100_000


class AliasLimit(yaml.YAMLError):
    """Aliases repeat past a limit; ``mark`` is the collection holding the alias that passed it."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def check_aliases(root: yaml.Node, budget: Budget) -> None:
    """Refuse a document whose aliases repeat past either limit, or one with an alias inside its
    own anchor (``a: &x [*x]``); charge the bytes they repeat to ``budget``."""
    try:
        repeats = _walk(root, max_bytes=budget.remaining)
    except _Passed as passed:
        message = f"written out, the document would pass max_document_size ({budget.limit:,} bytes)"
        raise AliasLimit(message, passed.mark) from None
    allowed = ALIAS_NODES + repeats.written
    if repeats.nodes > allowed:
        try:
            _walk(root, max_nodes=allowed)  # again, to find where they pass it
        except _Passed as passed:
            message = f"they repeat more than {allowed:,} nodes, as many as the document writes plus {ALIAS_NODES:,}"
            raise AliasLimit(message, passed.mark) from None
    budget.used += repeats.bytes


class _Passed(Exception):
    """A limit passed at ``mark``; :func:`check_aliases` says which, in :class:`AliasLimit`."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__()
        self.mark = mark


@dataclass(slots=True)
class _Repeats:
    bytes: int = 0
    nodes: int = 0
    written: int = 1  # the distinct nodes, the root's included


class _Frame:
    """A collection being walked: its children still to see, and its size written out so far."""

    __slots__ = ("children", "node", "nodes", "size")

    def __init__(self, node: yaml.Node) -> None:
        self.node = node
        self.children = iter(_children(node))
        self.size = 2  # its brackets
        self.nodes = 1


def _walk(root: yaml.Node, *, max_bytes: int | None = None, max_nodes: int | None = None) -> _Repeats:
    """What aliases repeat under ``root``, raising :class:`_Passed` as soon as it passes
    ``max_bytes`` or ``max_nodes`` (``None``: no limit). Iterative: a recursive walk would itself
    overflow on a deep document; each node is walked once, however often it is repeated."""
    sizes: dict[int, tuple[int, int]] = {}  # collections walked: bytes written out, nodes
    scalars: set[int] = set()  # scalars seen: one met again is an alias too
    walking: set[int] = {id(root)}
    repeats = _Repeats()
    stack = [_Frame(root)]
    while stack:
        frame = stack[-1]
        child = next(frame.children, None)
        if child is None:
            stack.pop()
            walking.discard(id(frame.node))
            sizes[id(frame.node)] = (frame.size, frame.nodes)
            if stack:
                stack[-1].size += frame.size
                stack[-1].nodes += frame.nodes
            continue
        if isinstance(child, yaml.ScalarNode):
            size, nodes, again = len(child.value) + 3, 1, id(child) in scalars
            scalars.add(id(child))
        elif id(child) in walking:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias refers to an anchor that contains it (the document would be infinite)",
                child.start_mark,
            )  # fmt: skip
        elif id(child) in sizes:
            (size, nodes), again = sizes[id(child)], True
        else:
            walking.add(id(child))
            stack.append(_Frame(child))
            repeats.written += 1
            continue
        frame.size += size
        frame.nodes += nodes
        if again:
            _repeat(repeats, size, nodes, frame.node.start_mark, max_bytes, max_nodes)
        else:
            repeats.written += 1
    return repeats


def _repeat(
    repeats: _Repeats, size: int, nodes: int, where: yaml.Mark, max_bytes: int | None, max_nodes: int | None
) -> None:
    """Count one alias use; raise when it passes a limit."""
    repeats.bytes += size
    repeats.nodes += nodes
    if (max_bytes is not None and repeats.bytes > max_bytes) or (max_nodes is not None and repeats.nodes > max_nodes):
        raise _Passed(where)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
