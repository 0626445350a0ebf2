"""Typed keys for state openapi_aio keeps on aiohttp applications and requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .api import Api
    from .operation import Operation

__all__ = ["APIS", "ARGUMENTS", "OPERATION"]

APIS: web.AppKey[list[Api]] = web.AppKey("openapi_aio.apis", list)
OPERATION: web.RequestKey[Operation] = web.RequestKey("openapi_aio.operation", object)  # type: ignore[arg-type]
ARGUMENTS: web.RequestKey[dict[str, Any]] = web.RequestKey("openapi_aio.arguments", dict)
