"""Typed keys for state openapi_aio keeps on aiohttp applications and requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .api import Api
    from .operation import Operation

__all__ = ["APIS", "ARGUMENTS", "OPERATION", "PATH_VALUES"]

APIS: web.AppKey[list[Api]] = web.AppKey("openapi_aio.apis", list)
OPERATION: web.RequestKey[Operation] = web.RequestKey("openapi_aio.operation", object)  # type: ignore[arg-type]
ARGUMENTS: web.RequestKey[dict[str, Any]] = web.RequestKey("openapi_aio.arguments", dict)
# Path parameter values as sent (percent-encoded); request.match_info holds them decoded.
PATH_VALUES: web.RequestKey[dict[str, str]] = web.RequestKey("openapi_aio.path_values", dict)
