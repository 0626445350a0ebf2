"""Handlers for tests/validation/test_validation.py and tests/validation/test_validation_properties.py.

``echo`` returns every keyword argument it receives (JSON values pass through unchanged; uploaded
files are tagged), so a test sees exactly what validation let through to the handler.
"""

from __future__ import annotations

from typing import Any

from specs.aliases import numbered_aliases
from specs.parameters.handlers import plain


async def echo(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


async def accept(body: Any = None) -> dict[str, Any]:
    """For property-based tests: say only that the body got through (its echo is not needed)."""
    return {"accepted": True}


__getattr__ = numbered_aliases(globals())
