"""Connexion starts an application whose handlers cannot take what their operation sends (a
``get(petId)`` bound to ``/pets/{id}``) and answers 500 on those routes when called; openapi_aio
refuses to start. A Connexion application keeps Connexion's behaviour: those operations are
logged at start-up and answer 500, the others are served."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from openapi_aio.errors import InternalServerError, InvalidSpecification, SpecError
from openapi_aio.resolver import Resolver, ResolverProtocol
from openapi_aio.spec.model import OperationSpec

__all__ = ["broken_operations", "tolerant"]

log = logging.getLogger("openapi_aio.compat")

_SIGNATURE = "never supplies"  # the start-up error of a handler whose arguments cannot be supplied


def _key(pointer: str) -> tuple[str, str] | None:
    """``/paths/~1pets~1{id}/get`` -> ``("/pets/{id}", "get")``."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    return (parts[1], parts[2].lower()) if len(parts) == 3 and parts[0] == "paths" else None


def broken_operations(error: InvalidSpecification) -> set[tuple[str, str]] | None:
    """The operations a start-up error is about, when each of its errors is only a handler
    signature that cannot be satisfied; ``None`` when anything else is wrong too."""
    found: set[tuple[str, str]] = set()
    for item in error.errors:
        key = _key(item.pointer) if isinstance(item, SpecError) and _SIGNATURE in item.message else None
        if key is None:
            return None
        found.add(key)
        log.error("%s (Connexion starts anyway: this operation answers 500)", item)
    return found


def tolerant(resolver: ResolverProtocol | None, broken: set[tuple[str, str]]) -> ResolverProtocol:
    """``resolver`` with the ``broken`` operations bound to a handler that answers 500."""
    inner: ResolverProtocol = resolver or Resolver()

    def resolve(operation: OperationSpec) -> Callable[..., Any] | None:
        if (operation.path, operation.method.lower()) not in broken:
            return inner(operation)

        async def unusable(**_: Any) -> Any:
            raise InternalServerError(detail="The server could not complete the request.")

        return unusable

    return resolve
