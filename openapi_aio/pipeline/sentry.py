"""Error reporting to Sentry (extra ``openapi_aio[sentry]``, the ``sentry-sdk`` package).

On when ``SENTRY_DSN`` is set, or with the ``sentry`` option: a DSN, a mapping of
``sentry_sdk.init`` arguments (``{"dsn": ..., "environment": "prod", "traces_sample_rate": 0.1}``),
or ``True`` to use a client your code initialised itself (``False`` turns it off whatever the
environment says).

What is reported: unhandled errors, the ones answered with a 500 problem, and websocket RPC
methods that fail. Each is captured explicitly (:func:`report`), once: sentry-sdk 3 no longer
turns error log records into events, and under sentry-sdk 2 the ``openapi_aio.unhandled`` log
record that also carries the traceback is kept out of its events so nothing is reported twice.
Supported: sentry-sdk 2.x and 3.x. Every event raised while serving a request gets

- the tags ``operation_id`` and ``request_id`` (the ``X-Request-ID`` of the answer and the
  ``request_id`` of its problem body: an operator goes from a user's report to the event);
- ``user``: who the security stage authenticated (its ``id``/``sub``/``username``/``email`` when it
  is a mapping, else its text).

Problems (4xx) are answers, not errors: they are not logged as errors and so never reported.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from openapi_aio.keys import OPERATION, REQUEST_ID, SENTRY_ON, USER
from openapi_aio.types import Middleware

__all__ = ["enabled", "report", "sentry_context", "sentry_middleware"]

log = logging.getLogger("openapi_aio")
UNHANDLED_LOGGER = "openapi_aio.unhandled"


def enabled(setting: bool | str | Mapping[str, Any] | None) -> bool:
    if setting is None:
        return bool(os.environ.get("SENTRY_DSN"))
    return bool(setting)


def init(setting: bool | str | Mapping[str, Any] | None) -> None:
    """Initialise sentry-sdk from the option (``None``/``True``: ``SENTRY_DSN``, unless a client
    is already initialised)."""
    try:
        import sentry_sdk
    except ImportError as error:
        raise ImportError("Sentry reporting needs the sentry-sdk package: pip install openapi-aio[sentry]") from error
    if isinstance(setting, Mapping):
        sentry_sdk.init(**setting)
    elif isinstance(setting, str):
        sentry_sdk.init(dsn=setting)
    elif not sentry_sdk.is_initialized():
        sentry_sdk.init()  # reads SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE
    from sentry_sdk.integrations import logging as sentry_logging

    # report() captures unhandled errors itself; the log record of the same error must not become a
    # second event (sentry-sdk 2 makes events of error records; 3 names the switch differently).
    ignore = getattr(sentry_logging, "ignore_logger_for_events", None) or sentry_logging.ignore_logger
    ignore(UNHANDLED_LOGGER)


def report(request: web.Request, error: BaseException) -> None:
    """Send an unhandled error to Sentry when reporting is on for the request's application (inside
    :func:`sentry_context`'s scope, so the event carries the operation, request id and user)."""
    if request.config_dict.get(SENTRY_ON):
        import sentry_sdk

        sentry_sdk.capture_exception(error)


def sentry_middleware(app: web.Application, setting: bool | str | Mapping[str, Any] | None) -> Middleware | None:
    """Initialise Sentry for ``app`` and return :func:`sentry_context`, once per application
    (``None`` when it is off or already there)."""
    if not enabled(setting) or app.get(SENTRY_ON):
        return None
    init(setting)
    app[SENTRY_ON] = True
    return sentry_context


@web.middleware
async def sentry_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A scope per request: events sent while serving it carry its operation, id and user."""
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        request_id = request.get(REQUEST_ID)
        if request_id is not None:
            scope.set_tag("request_id", request_id)
        scope.add_event_processor(functools.partial(_enrich, request))  # type: ignore[arg-type]
        return await handler(request)


def _enrich(request: web.Request, event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Read at the time of the event: the operation and user are known only after routing and
    authentication."""
    tags = event.setdefault("tags", {})
    operation = request.get(OPERATION)
    if operation is not None:
        tags["operation_id"] = operation.spec.label
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        tags["request_id"] = request_id
    user = request.get(USER)
    if user is not None and not event.get("user"):
        event["user"] = _user(user)
    event.setdefault("request", {"method": request.method, "url": str(request.url.with_query(None))})
    return event


def _user(user: Any) -> dict[str, str]:
    if isinstance(user, Mapping):
        found = {key: str(user[name]) for key, name in _USER_FIELDS if name in user}
        found = {key: value for key, value in found.items() if value}
        if found:
            return dict(found)
    return {"id": str(user)}


_USER_FIELDS = (("id", "sub"), ("id", "id"), ("username", "name"), ("username", "username"), ("email", "email"))
