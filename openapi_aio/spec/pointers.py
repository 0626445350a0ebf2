"""JSON pointers (RFC 6901): the one way the package names a place inside a document.

Error messages, ``$ref`` targets and the pointers stored on the model are all built here, so a key
holding ``/`` or ``~`` (``/pets/{id}`` under ``paths``) is escaped the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["escape", "pointer_join", "resolve_pointer", "unescape"]


def escape(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    if "~" not in token and "/" not in token:  # nearly every key: the walk builds tens of thousands
        return token
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """The key one escaped token names (``~1`` first, so ``~01`` stays the key ``~1``)."""
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def pointer_join(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens``, each escaped: array indexes and keys alike."""
    for token in tokens:
        pointer = f"{pointer}/{escape(str(token))}"
    return pointer


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The node ``pointer`` names in ``document``; :class:`LookupError` when there is none."""
    node = document
    if not pointer:
        return node
    if not pointer.startswith("/"):
        raise LookupError(pointer)
    for token in pointer[1:].split("/"):
        token = unescape(token)
        if isinstance(node, list):
            if not token.isdigit():
                raise LookupError(token)
            node = node[int(token)]
        elif isinstance(node, Mapping):
            node = node[token]
        else:
            raise LookupError(token)
    return node
