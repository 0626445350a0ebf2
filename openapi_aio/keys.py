"""Typed keys for state openapi_aio keeps on aiohttp applications and requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from openapi_aio.api import Api
    from openapi_aio.db import Database
    from openapi_aio.operation import Operation

__all__ = ["APIS", "ARGUMENTS", "DATABASE", "OPERATION", "PATH_VALUES", "RESPONSE_MEDIA_TYPE", "TOKEN_INFO", "USER"]

APIS: web.AppKey[list[Api]] = web.AppKey("openapi_aio.apis", list)
# The database of the documents' tables (x-table), shared by every API of the application.
DATABASE: web.AppKey[Database] = web.AppKey("openapi_aio.database", object)  # type: ignore[arg-type]
OPERATION: web.RequestKey[Operation] = web.RequestKey("openapi_aio.operation", object)  # type: ignore[arg-type]
ARGUMENTS: web.RequestKey[dict[str, Any]] = web.RequestKey("openapi_aio.pipeline.arguments", dict)
# Path parameter values as sent (percent-encoded); request.match_info holds them decoded.
PATH_VALUES: web.RequestKey[Mapping[str, str]] = web.RequestKey("openapi_aio.path_values", Mapping)
# The media type chosen from Accept, set when an operation offers several.
RESPONSE_MEDIA_TYPE: web.RequestKey[str] = web.RequestKey("openapi_aio.response_media_type", str)
# Who the security stage authenticated, and what the credentials' checker returned.
USER: web.RequestKey[Any] = web.RequestKey("openapi_aio.user", object)
TOKEN_INFO: web.RequestKey[Any] = web.RequestKey("openapi_aio.token_info", object)
