"""The request pipeline, declared in one place and read top to bottom.

A request goes through three tiers, then the operation's endpoint::

    app tier         aiohttp middlewares of the whole application, outermost first (APP_TIER),
                     only for features that are configured (none by default: no middleware cost)
      cors           preflights answered; the headers added to every answer
      sentry         a scope per request for error reports
      ...            the user's own middlewares, then aiohttp's router
    api tier         one document at its base path (api_handler: its one route)
      request id     X-Request-ID / traceparent in, X-Request-ID out, for logs and problems
                     (tracing.identified; openapi_aio's other routes are wrapped in it too)
      problems       every error below becomes application/problem+json          (problems.py)
      dispatch       path + method -> Operation; 404 / 405 / redirects              (api.py)
    operation tier   compiled per operation at start-up, outermost first (STAGES)
      metrics        requests, latency, in flight by operationId (metrics / METRICS=1 only)
      telemetry      an OpenTelemetry server span per request (opentelemetry / OTEL=1 only)
      security       the document's security requirements: 401 / 403, before any body is read
      arguments      parameters and body -> keyword arguments, 400 on bad input
      responses      the answer checked against the document, 500 if it breaks it (validate_responses)
      timeouts       handler_timeout / x-timeout: still running -> cancelled, 504
    endpoint         the first of ENDPOINTS that applies to the operation answers it
      mock_all, database_resource, websocket, bound_handler, mock_missing, not_implemented

The app tier, the stages and the endpoints are tuples of small factories. A factory with nothing
to do returns ``None`` (app tier, endpoints) or its ``next`` unchanged (stages), so a feature
that is not configured costs nothing per request. Everything here runs once, at start-up; a
request only calls what it built.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from aiohttp import web

from openapi_aio import endpoints, security
from openapi_aio.keys import APP_TIER as APP_TIER_INSTALLED
from openapi_aio.pipeline import arguments, response_validation, sentry, timeouts
from openapi_aio.pipeline.cors import Cors, cors_middleware
from openapi_aio.pipeline.problems import ExceptionHandler, problem_stage
from openapi_aio.tracing import identified
from openapi_aio.types import Endpoint, Handler, Middleware

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.options import Options

__all__ = [
    "APP_TIER",
    "ENDPOINTS",
    "STAGES",
    "Stage",
    "api_handler",
    "chain",
    "choose_endpoint",
    "metrics_on",
    "telemetry_on",
]

# --- app tier: (app, options) -> middleware | None; once per application ---------------------

AppTier = Callable[[web.Application, "Options"], Middleware | None]


def _cors(app: web.Application, options: Options) -> Middleware | None:
    return cors_middleware(app, Cors.of(options.cors)) if options.cors else None


def _sentry(app: web.Application, options: Options) -> Middleware | None:
    return sentry.sentry_middleware(app, options.sentry)


APP_TIER: tuple[AppTier, ...] = (_cors, _sentry)


def install_app_tier(app: web.Application, options: Options) -> None:
    """Put the app tier's middlewares first in ``app``, in APP_TIER's order, before the user's.

    Several APIs may be set up on one application, each adding what its options need: the list is
    recomposed from APP_TIER each time, never inserted into by position.
    """
    installed = app.setdefault(APP_TIER_INSTALLED, {})
    for factory in APP_TIER:
        if factory not in installed:
            middleware = factory(app, options)
            if middleware is not None:
                installed[factory] = middleware
    ours = [installed[factory] for factory in APP_TIER if factory in installed]
    theirs = [middleware for middleware in app.middlewares if middleware not in ours]
    app.middlewares.clear()
    app.middlewares.extend([*ours, *theirs])


# --- api tier: the document's one aiohttp handler ----------------------------------------------


def api_handler(dispatch: Handler, exception_handlers: Mapping[type[BaseException], ExceptionHandler]) -> Handler:
    """The API's catch-all route: ``identified(problems(dispatch))``."""
    problems: Handler = problem_stage(exception_handlers)(dispatch)
    return identified(problems)


# --- operation tier: (operation, next) -> handler ----------------------------------------------

Stage = Callable[["Operation", Handler], Handler]


def metrics_on(options: Options) -> bool:
    """Prometheus metrics asked for: ``metrics=True``, or ``METRICS=1`` in the environment."""
    return options.metrics or os.environ.get("METRICS") == "1"


def _metrics(operation: Operation, call: Handler) -> Handler:
    """Outermost, so that what security and arguments refuse is counted too; prometheus_client
    is imported only when metrics are on."""
    if not metrics_on(operation.options):
        return call
    from openapi_aio.service.metrics import stage

    return stage(operation, call)


def telemetry_on(options: Options) -> bool:
    """OpenTelemetry spans asked for: ``opentelemetry=True``, or ``OTEL=1`` in the environment."""
    return options.opentelemetry or os.environ.get("OTEL") == "1"


def _telemetry(operation: Operation, call: Handler) -> Handler:
    """Inside metrics, outside security: a refused request has its span too; opentelemetry is
    imported only when telemetry is on."""
    if not telemetry_on(operation.options):
        return call
    from openapi_aio.service.telemetry import stage

    return stage(operation, call)


STAGES: tuple[Stage, ...] = (
    _metrics,
    _telemetry,
    security.stage,
    arguments.stage,
    response_validation.stage,
    timeouts.stage,
)


def chain(operation: Operation, stages: tuple[Stage, ...] = STAGES) -> Handler:
    """Compose ``stages[0](op, stages[1](op, ... endpoint))`` around the operation's endpoint."""
    assert operation.endpoint is not None, "compile_operation chooses the endpoint before the chain"
    handler = operation.endpoint.handler
    for stage in reversed(stages):
        handler = stage(operation, handler)
    return handler


# --- endpoints: (operation, context) -> Endpoint | None, first match wins --------------------------

EndpointFactory = Callable[["Operation", endpoints.BindContext], Endpoint | None]

ENDPOINTS: tuple[EndpointFactory, ...] = (
    endpoints.mock_all,
    endpoints.database_resource,
    endpoints.websocket,
    endpoints.bound_handler,
    endpoints.mock_missing,
    endpoints.not_implemented,
)


def choose_endpoint(operation: Operation, context: endpoints.BindContext) -> Endpoint:
    for factory in ENDPOINTS:
        endpoint = factory(operation, context)
        if endpoint is not None:
            return endpoint
    raise AssertionError("not_implemented always answers")  # pragma: no cover
