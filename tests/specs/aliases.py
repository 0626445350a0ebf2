"""``echo__3`` names ``echo``: operationIds must be unique within a document, handlers need not be."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def numbered_aliases(namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving ``name__N`` to the module's ``name``."""

    def getattr_(name: str) -> Any:
        base, separator, _ = name.partition("__")
        function = namespace.get(base) if separator and base else None
        if not callable(function):
            raise AttributeError(name)
        return function

    return getattr_
