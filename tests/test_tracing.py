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


async def test_every_route_openapi_aio_adds_has_ids_and_users_routes_with_the_middleware(aiohttp_client):
    """Ids come from openapi_aio's own routes, not from an application middleware (which would
    cost every request); an application that wants them on its own routes adds request_ids."""
    from aiohttp import web

    import openapi_aio
    from openapi_aio.tracing import REQUEST_ID, request_ids

    async def own(request: web.Request) -> web.Response:
        return web.json_response({"id": request.get(REQUEST_ID)})

    plain = web.Application()
    plain.router.add_get("/own", own)
    openapi_aio.setup(plain, SPEC, base_path="/v1", health=True)
    assert list(plain.middlewares) == []
    client = await aiohttp_client(plain)
    for path in ("/v1/echo", "/v1/openapi.json", "/v1/ui/", "/health", "/v1/nowhere"):
        response = await client.get(path, headers={"X-Request-ID": "given"})
        assert response.headers.get("X-Request-ID") == "given", path
    assert "X-Request-ID" not in (await client.get("/own")).headers

    with_ids = web.Application(middlewares=[request_ids])
    with_ids.router.add_get("/own", own)
    openapi_aio.setup(with_ids, SPEC, base_path="/v1")
    client = await aiohttp_client(with_ids)
    own_answer = await client.get("/own")
    assert own_answer.headers["X-Request-ID"] == (await own_answer.json())["id"]
    echo = await client.get("/v1/echo", headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    assert echo.headers.getall("X-Request-ID") == [TRACE]  # one id, kept through the API's route
    assert await echo.json() == {"context": TRACE, "request": TRACE}
