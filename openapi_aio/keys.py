"""Typed keys for state openapi_aio keeps on aiohttp applications and requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from openapi_aio.api import Api
    from openapi_aio.db import Database
    from openapi_aio.operation import Operation
    from openapi_aio.types import Middleware
    from openapi_aio.ws.hub import Hub

__all__ = [
    "APIS", "APP_TIER", "ARGUMENTS", "DATABASE", "HEALTH_MOUNTED", "HUB", "OPERATION", "PATH_VALUES",
    "REQUEST_ID", "RESPONSE_MEDIA_TYPE", "SENTRY_ON", "TOKEN_INFO", "USER",
]  # fmt: skip

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
# The request's id (caller's X-Request-ID, traceparent's trace id, or a new one): see tracing.py.
REQUEST_ID: web.RequestKey[str] = web.RequestKey("openapi_aio.request_id", str)

# What pipeline.install_app_tier has added to an application, by factory (once each).
APP_TIER: web.AppKey[dict[Any, Middleware]] = web.AppKey("openapi_aio.app_tier", dict)
# Whether Sentry reports the application's unhandled errors (pipeline/sentry.py).
SENTRY_ON: web.AppKey[bool] = web.AppKey("openapi_aio.sentry", bool)
# The websocket hub of the application (ws/hub.py): fan-out in process, the broker across processes.
HUB: web.AppKey[Hub] = web.AppKey("openapi_aio.hub", object)  # type: ignore[arg-type]
# Whether the health and readiness endpoints are mounted (once per application).
HEALTH_MOUNTED: web.AppKey[bool] = web.AppKey("openapi_aio.health", bool)
