"""OpenTelemetry spans (opt-in: ``opentelemetry=True`` or ``OTEL=1``; extra ``otel``).

Per request, one stage per operation (:func:`stage`, outermost in ``pipeline.STAGES``) makes a
server span named ``"{METHOD} {path template}"``, child of the caller's W3C ``traceparent`` when
it sent one; its name and static attributes are resolved once, at start-up. Database statements
and websocket RPC calls made while it is current get child spans: ``db.connection``, ``ws.peer`` and
the client look this module up in ``sys.modules`` (never importing it), so that with telemetry off
nothing of this runs and ``opentelemetry`` is not imported.

Spans go to the global tracer provider, looked up when a span starts (a ``ProxyTracer``): the
application configures the SDK and its exporter, as OpenTelemetry recommends; openapi_aio never does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from openapi_aio.errors import ProblemException

if TYPE_CHECKING:
    from openapi_aio.db.connection import Prepared
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["enable", "inject", "stage", "statement_span", "traced_rpc"]

INSTRUMENTATION = "openapi_aio"
_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer(INSTRUMENTATION)  # a proxy: follows the global provider, even one set later
_ERROR = Status(StatusCode.ERROR)


ENABLED = False  # an operation was compiled with telemetry on: websocket RPC calls get spans too


def enable() -> None:
    """Turn the websocket RPC spans on (database spans need a current span anyway)."""
    global ENABLED
    ENABLED = True


def _parent(headers: Any) -> otel_context.Context | None:
    """The caller's trace when it sent a ``traceparent``; else the current context."""
    if "traceparent" not in headers:
        return None
    return _propagator.extract(headers)


def _status_of(error: BaseException) -> int:
    if isinstance(error, ProblemException | web.HTTPException):
        return int(error.status)
    return 500


def stage(operation: Operation, call: Handler) -> Handler:
    """A server span around ``operation``'s requests (its websocket upgrades: each RPC call gets
    its own span instead, not one span as long as the connection)."""
    enable()
    if operation.spec.websocket is not None:
        return call
    spec = operation.spec
    method = spec.method.upper()
    name = f"{method} {spec.path}"
    attributes: dict[str, Any] = {"http.route": spec.path, "http.request.method": method}
    if spec.operation_id:
        attributes["operationId"] = spec.operation_id

    async def traced(request: web.Request) -> web.StreamResponse:
        parent = _parent(request.headers)
        span = _tracer.start_span(name, parent, SpanKind.SERVER, attributes)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        status: int | None = None
        try:
            response = await call(request)
            status = response.status
            return response
        except asyncio.CancelledError:  # the client left: no status to report
            raise
        except BaseException as error:
            status = _status_of(error)
            if status >= 500 and not isinstance(error, ProblemException | web.HTTPException):
                span.record_exception(error)
            raise
        finally:
            if status is not None:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(_ERROR)
            otel_context.detach(token)
            span.end()

    return traced


# --- child spans ---------------------------------------------------------------------------------


def _kind(statement: Any) -> str:
    """SELECT, INSERT, UPDATE, DELETE, ...: the statement's kind, never its values."""
    sql = getattr(statement, "sql", None)  # a Prepared (PostgreSQL)
    if sql is None:
        sql = getattr(statement, "text", None)  # a text() clause
    if isinstance(sql, str):
        words = sql.split(None, 1)
        return words[0].upper() if words else "SQL"
    if hasattr(statement, "statement"):  # a Prepared's SQLAlchemy statement
        statement = statement.statement
    visit = getattr(statement, "__visit_name__", "")
    return str(visit).upper() if visit else "SQL"


def _table(statement: Any) -> str | None:
    table = getattr(getattr(statement, "statement", statement), "table", None)  # INSERT, UPDATE, DELETE
    name = getattr(table, "name", None)
    return name if isinstance(name, str) else None


@contextlib.contextmanager
def statement_span(system: str, statement: Prepared | Any) -> Iterator[None]:
    """A client span for one database statement, inside a request's span only (not for the
    statements of start-up); attributes: ``db.system``, ``db.operation.name``, the table."""
    if not trace.get_current_span().is_recording():
        yield
        return
    kind = _kind(statement)
    table = _table(statement)
    attributes: dict[str, Any] = {"db.system": system, "db.operation.name": kind}
    if table:
        attributes["db.collection.name"] = table
    name = f"{kind} {table}" if table else kind
    with _tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
        yield


async def traced_rpc(request: web.Request, name: str, call: Awaitable[Any]) -> Any:
    """A server span for one websocket RPC call, in the trace of the client that opened the
    connection (its handshake's ``traceparent``)."""
    attributes = {"rpc.system": "openapi_aio.websocket", "rpc.method": name}
    parent = _parent(request.headers)
    with _tracer.start_as_current_span(
        name, parent, SpanKind.SERVER, attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            return await call
        except ProblemException as problem:
            if problem.status >= 500:
                span.set_status(_ERROR)
            raise
        except Exception as error:
            span.record_exception(error)
            span.set_status(_ERROR)
            raise


def inject(headers: MutableMapping[str, str]) -> None:
    """A ``traceparent`` for the current span, when there is one (an outgoing call of ApiClient)."""
    if trace.get_current_span().get_span_context().is_valid:
        _propagator.inject(headers)
