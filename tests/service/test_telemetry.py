"""OpenTelemetry spans (openapi_aio.service.telemetry) over real HTTP, read from the SDK's
in-memory exporter: a server span per request named by the operation, the caller's
``traceparent`` continued, database statements and websocket RPC calls as child spans, ApiClient
carrying the trace to the service it calls; off, no stage and no import.

The global tracer provider can be set once per process: this module sets one (an SDK provider
writing to ``EXPORTER``) and each test reads the spans it made after clearing it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import yaml
from conftest import SPECS, document
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from otel_capture import EXPORTER
from specs.telemetry import handlers

from openapi_aio.client import ApiClient
from openapi_aio.ws.client import Client

LIVE = yaml.safe_load((SPECS / "ws" / "live.yaml").read_text())  # tests/ws/test_ws.py's websockets
ADA = {"Authorization": "Bearer tok-ada"}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
SPEC = document(
    {
        "/items/{id}": {
            "get": {
                "operationId": "specs.telemetry.handlers.get_item",
                "parameters": [ID],
                "responses": {"200": {"description": "ok"}},
            }
        }
    }
)
RELAY = document(
    {"/relay": {"get": {"operationId": "specs.telemetry.handlers.relay", "responses": {"200": {"description": "ok"}}}}}
)
DB_SPEC = document(
    {
        "/rows": {
            "x-resource": "Row",
            "get": {"responses": {"200": {"description": "rows"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Row"}}}},
                "responses": {"201": {"description": "created"}},
            },
        }
    },
    components={
        "schemas": {
            "Row": {
                "type": "object",
                "x-table": "telemetry_rows",
                "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
            }
        }
    },
)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


@pytest.fixture
def spans() -> Any:
    """The spans finished since the test began."""
    EXPORTER.clear()

    def finished() -> list[ReadableSpan]:
        return list(EXPORTER.get_finished_spans())

    return finished


def server_spans(found: list[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in found if span.kind == SpanKind.SERVER]


async def test_server_span_per_request(serve, spans):
    client = await serve(SPEC, opentelemetry=True)
    for path, status in [("/items/1", 200), ("/items/abc", 400), ("/items/404", 404), ("/items/500", 500)]:
        response = await client.get(path)
        assert response.status == status
    made = server_spans(spans())
    assert [span.attributes["http.response.status_code"] for span in made] == [200, 400, 404, 500]
    for span in made:
        assert span.name == "GET /items/{id}"
        assert span.attributes["http.route"] == "/items/{id}"
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["operationId"] == "specs.telemetry.handlers.get_item"
        assert span.parent is None  # no traceparent sent: a new trace
    assert [span.status.status_code for span in made] == [StatusCode.UNSET] * 3 + [StatusCode.ERROR]
    assert [event.name for event in made[3].events] == ["exception"]  # the 500's error, recorded


async def test_incoming_traceparent_is_continued(serve, spans):
    client = await serve(SPEC, opentelemetry=True)
    assert (await client.get("/items/1", headers={"traceparent": TRACEPARENT})).status == 200
    (span,) = server_spans(spans())
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == CALLER_SPAN
    assert span.parent.is_remote


async def test_api_client_carries_the_trace(serve, spans):
    server = await serve(SPEC, opentelemetry=True)
    client = ApiClient(SPEC, str(server.make_url("/")), session=server.session)
    with trace.get_tracer("test").start_as_current_span("caller") as caller:
        assert await client.get_item(id=7) == {"id": 7}
    (span,) = server_spans(spans())
    assert span.context.trace_id == caller.get_span_context().trace_id  # one trace: client and server
    assert span.parent is not None
    assert span.parent.span_id == caller.get_span_context().span_id


async def test_a_handler_calling_another_service_continues_its_trace(serve, spans):
    service_b = await serve(SPEC, opentelemetry=True)
    service_a = await serve(RELAY, opentelemetry=True)
    handlers.CALLS["client"] = ApiClient(SPEC, str(service_b.make_url("/")), session=service_b.session)
    try:
        response = await service_a.get("/relay", headers={"traceparent": TRACEPARENT})
        assert await response.json() == {"relayed": {"id": 8}}
    finally:
        handlers.CALLS.clear()
    made = {span.name: span for span in server_spans(spans())}
    relay, item = made["GET /relay"], made["GET /items/{id}"]
    assert {format(relay.context.trace_id, "032x"), format(item.context.trace_id, "032x")} == {TRACE_ID}
    assert item.parent is not None
    assert item.parent.span_id == relay.context.span_id  # B's span is the child of A's


async def test_database_statements_are_child_spans(serve_db, datastore, spans):
    client = await serve_db(DB_SPEC, opentelemetry=True)
    spans()  # the tables' reset, before: no request, no span
    EXPORTER.clear()
    assert (await client.post("/rows", json={"name": "secret-value-123"})).status == 201
    assert (await client.get("/rows")).status == 200
    found = spans()
    servers = {span.name: span for span in server_spans(found)}
    assert set(servers) == {"POST /rows", "GET /rows"}
    statements = [span for span in found if span.kind == SpanKind.CLIENT]
    assert statements
    system = "postgresql" if datastore.startswith("postgresql") else "sqlite"
    for span in statements:
        assert span.attributes["db.system"] == system
        assert span.parent is not None
        assert span.parent.span_id in {server.context.span_id for server in servers.values()}
        assert "secret-value-123" not in json.dumps(dict(span.attributes or {}))  # never a value
    kinds = {span.attributes["db.operation.name"] for span in statements}
    assert {"INSERT", "SELECT"} <= kinds
    insert = next(span for span in statements if span.attributes["db.operation.name"] == "INSERT")
    assert insert.name == "INSERT telemetry_rows"
    assert insert.parent.span_id == servers["POST /rows"].context.span_id


async def test_websocket_rpc_call_span(serve, spans):
    server = await serve(LIVE, broker="memory", opentelemetry=True)
    client = await Client.connect(str(server.server.make_url("/live")), headers={**ADA, "traceparent": TRACEPARENT})
    try:
        assert await client.call("add", {"a": 1, "b": 2}) == 3
        with pytest.raises(Exception, match="could not complete"):
            await client.call("boom")
    finally:
        await client.close()
    calls = {span.name: span for span in spans() if span.attributes and "rpc.method" in span.attributes}
    assert set(calls) == {"add", "boom"}
    for span in calls.values():
        assert format(span.context.trace_id, "032x") == TRACE_ID  # the handshake's trace
    assert calls["add"].status.status_code == StatusCode.UNSET
    assert calls["boom"].status.status_code == StatusCode.ERROR


def run(code: str, **env: str) -> Any:
    environment = {name: text for name, text in os.environ.items() if name != "OTEL"} | env
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SPECS.parent, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


CHAIN = f"""
import json, sys
from aiohttp import web
import openapi_aio
from openapi_aio import pipeline
app = web.Application()
api = openapi_aio.setup(app, {SPEC!r})
print(json.dumps([any(name.startswith("opentelemetry") for name in sys.modules),
                  "openapi_aio.service.telemetry" in sys.modules]))
"""


def test_off_nothing_is_imported():
    assert run(CHAIN) == [False, False]


def test_environment_variable_turns_it_on():
    assert run(CHAIN, OTEL="1") == [True, True]
