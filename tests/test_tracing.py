"""Every request has an id: the caller's, or its trace's, or a new one; in the answer's
X-Request-ID header, in server errors' problem objects, and to handlers."""

from __future__ import annotations

import re

from conftest import document

SPEC = document(
    {
        "/echo": {"get": {"operationId": "specs.tracing.handlers.echo", "responses": {"200": {"description": "ids"}}}},
        "/fail": {
            "get": {"operationId": "specs.tracing.handlers.fail", "responses": {"200": {"description": "never"}}}
        },
    }
)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_a_new_id_for_each_request(serve):
    client = await serve(SPEC)
    first, second = await client.get("/echo"), await client.get("/echo")
    ids = [response.headers["X-Request-ID"] for response in (first, second)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert ids[0] != ids[1]
    assert await first.json() == {"context": ids[0], "request": ids[0]}


async def test_the_callers_id_is_kept(serve):
    client = await serve(SPEC)
    response = await client.get("/echo", headers={"X-Request-ID": "call-42.a:b"})
    assert response.headers["X-Request-ID"] == "call-42.a:b"
    assert (await response.json())["context"] == "call-42.a:b"


async def test_an_id_that_could_forge_log_lines_is_replaced(serve):
    client = await serve(SPEC)
    for bad in ("a b", "x" * 200, "id\u2028x", 'quote"d'):
        response = await client.get("/echo", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), bad


async def test_a_w3c_traceparent_gives_the_trace_id(serve):
    client = await serve(SPEC)
    response = await client.get("/echo", headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    assert response.headers["X-Request-ID"] == TRACE
    invalid = await client.get("/echo", headers={"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"})
    assert invalid.headers["X-Request-ID"] != "0" * 32


async def test_server_errors_and_client_errors_carry_the_id(serve):
    client = await serve(SPEC)
    response = await client.get("/fail", headers={"X-Request-ID": "trace-me"})
    assert response.status == 500
    body = await response.json(content_type="application/problem+json")
    assert body["request_id"] == "trace-me"
    assert "internal detail" not in await response.text()
    missing = await client.get("/nowhere", headers={"X-Request-ID": "trace-404"})
    assert missing.status == 404
    assert missing.headers["X-Request-ID"] == "trace-404"
