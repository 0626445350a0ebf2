"""Handlers for tests/test_validation.py and tests/test_validation_properties.py.

``echo`` returns every keyword argument it receives (JSON values pass through unchanged; uploaded
files are tagged), so a test sees exactly what validation let through to the handler.
"""

from __future__ import annotations

from typing import Any

from specs.parameters.handlers import plain


async def echo(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


async def accept(body: Any = None) -> dict[str, Any]:
    """For property-based tests: say only that the body got through (its echo is not needed)."""
    return {"accepted": True}


def __getattr__(name: str) -> Any:
    """``echo__3`` is ``echo``: operationIds must be unique within a document, handlers need not be."""
    base, separator, _ = name.partition("__")
    function = globals().get(base) if separator and base else None
    if not callable(function):
        raise AttributeError(name)
    return function
