"""Calling handlers and turning their results into responses: every return convention."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp import web
from conftest import document
from helpers import typed

import openapi_aio

H = "specs.core.handlers."
JSON = {"application/json": {"schema": {"type": "object"}}}


def get(operation_id: str, responses: dict | None = None, **extra: object) -> dict:
    return {"get": {"operationId": H + operation_id, "responses": responses or {"200": {"description": "ok"}}, **extra}}


NAME = {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}
PATHS = {
    "/value": get("value"),
    "/with-status": get("with_status"),
    "/with-http-status": get("with_http_status"),
    "/with-headers": get("with_headers"),
    "/body-and-headers": get("body_and_headers"),
    "/none": get("none"),
    "/no-content": get("no_content"),
    "/no-content-status": get("no_content_status"),
    "/stream": get("stream"),
    "/aiohttp-response": get("aiohttp_response"),
    "/types": get("types"),
    "/more-types": get("more_types"),
    "/naive-datetimes": get("naive_datetimes"),
    "/not-finite": get(
        "not_finite", parameters=[{"name": "which", "in": "query", "required": True, "schema": {"type": "string"}}]
    ),
    "/echo": {
        "post": {
            "operationId": H + "echo",
            "requestBody": {"content": {"application/json": {"schema": {}}}},
            "responses": {"200": {"description": "the body"}},
        }
    },
    "/text": get("text", {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}}),
    "/any-text": get("any_text", {"200": {"description": "ok", "content": {"*/*": {"schema": {"type": "string"}}}}}),
    "/any-bytes": get("raw_bytes", {"200": {"description": "ok", "content": {"*/*": {}}}}),
    "/any-value": get("any_value", {"200": {"description": "ok", "content": {"*/*": {}}}}),
    "/text-range": get("text_range", {"200": {"description": "ok", "content": {"text/*": {}}}}),
    "/undeclared-text": get("undeclared_text"),
    "/only-201": get("only_201", {"201": {"description": "created"}, "400": {"description": "bad"}}),
    "/negotiated": get(
        "negotiated",
        {"200": {"description": "ok", "content": {**JSON, "application/xml": {"schema": {"type": "object"}}}}},
    ),
    "/sync": get("sync_handler", parameters=[NAME]),
    "/dict-for-csv": get("dict_for_csv", {"200": {"description": "ok", "content": {"text/csv": {}}}}),
    "/crash": get("crash"),
    "/problem": get("problem"),
    "/http-exception": get("http_exception"),
    "/redirect": get("redirect"),
    "/custom-error": get("custom_error"),
    "/method": get("greeter.greet", parameters=[NAME]),
    "/callable": get("callable_handler"),
}
SPEC = document(PATHS)


@pytest.fixture
async def client(serve):
    return await serve(SPEC)


async def test_plain_value_is_json_200(client):
    response = await client.get("/value")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {"kind": "value"}


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/with-status", 201, {"kind": "created"}),
        ("/with-http-status", 202, {"kind": "accepted"}),
    ],
)
async def test_body_and_status(client, path, status, body):
    response = await client.get(path)
    assert response.status == status
    assert await response.json() == body


async def test_body_status_headers(client):
    response = await client.get("/with-headers")
    assert response.status == 200
    assert response.headers["X-Thing"] == "1"
    assert await response.json() == {"kind": "headers"}


async def test_body_and_headers_without_status(client):
    response = await client.get("/body-and-headers")
    assert response.status == 200
    assert response.headers["X-Other"] == "2"


@pytest.mark.parametrize(("path", "status"), [("/none", 204), ("/no-content", 204), ("/no-content-status", 202)])
async def test_empty_bodies(client, path, status):
    response = await client.get(path)
    assert response.status == status
    assert await response.read() == b""


async def test_stream_response_passes_through(client):
    response = await client.get("/stream")
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert await response.read() == b"a,b\n1,2\n"


async def test_aiohttp_response_passes_through(client):
    response = await client.get("/aiohttp-response")
    assert response.status == 203
    assert await response.text() == "raw"


async def test_json_serialises_common_types(client):
    assert await (await client.get("/types")).json() == {
        "datetime": "2024-05-01T12:30:00+00:00",
        "date": "2024-05-01",
        "uuid": "12345678-1234-5678-1234-567812345678",
        "decimal": "10.10",
        "dataclass": {"x": 1, "y": 2},
        "enum": "red",
    }


async def test_json_writes_what_orjson_cannot_as_json_would(client):
    response = await client.get("/more-types")
    assert response.status == 200
    text = await response.text()
    assert '"big":1180591620717411303424' in text  # beyond 64 bits: exact, not a float
    assert await response.json() == {
        "big": 2**70,
        "negative_big": -(2**64),
        "int_keys": {"1": "one"},
        "naive": "2024-05-01T12:30:00.123456Z",  # naive is UTC, whichever encoder ran
        "time": "08:15:00",
        "set": [3],
        "tuple": [1, "a"],
        "model": {"json-name": 7},  # to_dict, not the dataclass's fields
        "nothing": None,
        "unicode": "d\u00e9j\u00e0 \u2713",
    }


async def test_naive_datetimes_are_written_as_utc(client):
    """RFC 3339 (``format: date-time``) requires an offset: a naive datetime is taken as UTC and
    written with ``Z``, as Connexion writes it; aware ones keep their own offset."""
    response = await client.get("/naive-datetimes")
    assert await response.json() == {
        "naive": "2024-05-01T12:30:00.123456Z",
        "in_list": ["2024-05-01T12:30:00Z"],
        "aware": "2024-05-01T12:30:00.123456+02:00",
        "utc": "2024-05-01T12:30:00+00:00",
        "date": "2024-05-01",
    }


@pytest.mark.parametrize("which", ["nan", "inf", "-inf"])
async def test_nan_and_infinity_are_refused_not_written(client, which):
    """Not JSON (RFC 8259): a 500 problem, never ``NaN`` or a silent ``null``."""
    response = await client.get("/not-finite", params={"which": which})
    assert response.status == 500
    assert response.content_type == "application/problem+json"
    assert "NaN" not in await response.text()


@pytest.mark.parametrize(
    "body",
    [
        b'{"n": 123456789012345678901234567890}',
        b'{"n": -9223372036854775809, "m": 18446744073709551616}',
        b"[1.5, 1e-7, 0.1, 12345678901234567890.5]",
        '{"name": "utf16"}'.encode("utf-16"),
        b'\xef\xbb\xbf{"bom": true}',
    ],
)
async def test_request_bodies_read_as_json_reads_them(client, body):
    """Whichever parser reads it, the handler gets what ``json.loads`` gives (types included)."""
    response = await client.post("/echo", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()
    assert typed(json.loads(await response.read())) == typed(json.loads(body))


async def test_text_media_type_from_the_document(client):
    response = await client.get("/text")
    assert response.content_type == "text/plain"
    assert response.charset == "utf-8"
    assert await response.text() == "plain words"


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/any-text", "text/plain; charset=utf-8", b"plain words"),
        ("/text-range", "text/plain; charset=utf-8", b"plain words"),
        ("/any-bytes", "application/octet-stream", b"\x00\x01 raw"),
        ("/any-value", "application/json", b'{"kind":"value"}'),
        ("/undeclared-text", "application/json", b'"plain words"'),
    ],
)
async def test_media_ranges_send_strings_and_bytes_as_they_are(client, path, content_type, body):
    """An operation that declares only a media range (``*/*``) sends a ``str`` as text and
    ``bytes`` as they are, as Connexion does; but under a real media type (a range is no
    ``Content-Type``). Structures are JSON; with no content declared at all, everything is JSON."""
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert await response.read() == body


async def test_default_status_is_the_only_declared_2xx(client):
    response = await client.get("/only-201")
    assert response.status == 201


async def test_accept_negotiation(client):
    assert (await client.get("/negotiated")).content_type == "application/json"
    xml = await client.get("/negotiated", headers={"Accept": "application/xml"})
    assert xml.content_type == "application/xml"
    assert await xml.text() == "<format>either</format>"
    preferred = await client.get("/negotiated", headers={"Accept": "application/xml;q=0.5, application/json"})
    assert preferred.content_type == "application/json"
    wildcard = await client.get("/negotiated", headers={"Accept": "application/*;q=0.9, text/html"})
    assert wildcard.content_type == "application/json"


async def test_nothing_acceptable_is_406(client):
    response = await client.get("/negotiated", headers={"Accept": "text/html"})
    assert response.status == 406
    problem = await response.json()
    assert problem["detail"] == "this operation produces application/json, application/xml"


async def test_sync_handler_runs_off_the_event_loop(client):
    response = await client.get("/sync", params={"name": "ada"})
    assert await response.json() == {"name": "ada", "on_loop_thread": False}


async def test_handler_exception_is_500_without_internals(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/crash")
    assert response.status == 500
    assert response.content_type == "application/problem+json"
    text = await response.text()
    assert "secret internal detail" not in text
    assert "Traceback" not in text
    assert (await response.json())["title"] == "Internal Server Error"
    # ...but the operator sees it, traceback and all.
    assert "secret internal detail" in caplog.text
    assert "specs.core.handlers.crash" in caplog.text


async def test_problem_exception_from_handler(client):
    response = await client.get("/problem")
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    assert await response.json() == {
        "type": "https://example.com/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "pet 'rex' exists",
        "pet": "rex",
    }


async def test_aiohttp_http_exception_becomes_problem(client):
    response = await client.get("/http-exception")
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    assert (await response.json())["detail"] == "already there"


async def test_redirect_is_not_a_problem(client):
    response = await client.get("/redirect", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/elsewhere"


async def test_exception_handlers_by_mro(serve):
    async def lookup_errors(request: web.Request, error: BaseException) -> web.StreamResponse:
        return web.json_response({"handled": type(error).__name__}, status=410)

    client = await serve(SPEC, exception_handlers={LookupError: lookup_errors})
    response = await client.get("/custom-error")
    assert response.status == 410
    assert await response.json() == {"handled": "KeyError"}
    # Unrelated errors still get the default renderer.
    assert (await client.get("/crash")).status == 500


async def test_bound_method_and_callable_object(client):
    assert await (await client.get("/method", params={"name": "ada"})).json() == {"greeting": "hello ada"}
    assert await (await client.get("/callable")).json() == {"callable": True}


def test_required_argument_the_operation_cannot_supply_is_a_startup_error():
    spec = document({"/x": get("needs_unknown")})
    with pytest.raises(openapi_aio.InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec)
    message = str(raised.value)
    assert "<document>#/paths/~1x/get" in message
    assert "requires 'unknown_thing'" in message


def test_unused_operation_parameters_are_a_warning(caplog):
    spec = document({"/x": get("ignores_parameters", parameters=[NAME])})
    with caplog.at_level(logging.WARNING, logger="openapi_aio"):
        openapi_aio.setup(web.Application(), spec)
    assert "does not accept name" in caplog.text


async def test_app_level_middlewares_still_run(aiohttp_client):
    seen = []

    @web.middleware
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        seen.append(request.path)
        return await handler(request)

    app = web.Application(middlewares=[record])
    openapi_aio.setup(app, SPEC)
    client = await aiohttp_client(app)
    assert (await client.get("/value")).status == 200
    assert seen == ["/value"]


async def test_connexion_no_content_marker_is_recognised(serve, monkeypatch):
    import types

    fake_connexion = types.ModuleType("connexion")
    fake_connexion.NoContent = object()  # how Connexion defines it
    monkeypatch.setitem(__import__("sys").modules, "connexion", fake_connexion)

    async def handler() -> tuple:
        return fake_connexion.NoContent, 201

    client = await serve(
        document({"/x": {"get": {"responses": {"201": {"description": "ok"}}}}}), resolver=lambda op: handler
    )
    response = await client.get("/x")
    assert response.status == 201
    assert await response.read() == b""


async def test_406_is_decided_before_the_handler_runs(serve):
    calls = []

    async def handler() -> dict:
        calls.append(1)
        return {}

    spec = document({"/x": {"post": {"responses": {"200": {"description": "ok", "content": JSON}}}}})
    client = await serve(spec, resolver=lambda op: handler)
    # One offered type: nothing to negotiate, the handler runs.
    assert (await client.post("/x", headers={"Accept": "text/html"})).status == 200
    spec["paths"]["/x"]["post"]["responses"]["200"]["content"]["text/csv"] = {}
    client = await serve(spec, resolver=lambda op: handler)
    assert (await client.post("/x", headers={"Accept": "text/html"})).status == 406
    assert calls == [1]


async def test_structured_value_for_a_non_json_media_type_is_a_server_error(client, caplog):
    response = await client.get("/dict-for-csv")
    assert response.status == 500
    assert "returned dict for text/csv" in caplog.text


async def test_context_and_security_arguments(serve):
    async def handler(context_: dict) -> dict:
        return context_

    spec = document({"/x": {"get": {"operationId": "ctx", "responses": {"200": {"description": "ok"}}}}})
    client = await serve(spec, resolver=lambda op: handler, base_path="/b")
    assert await (await client.get("/b/x")).json() == {
        "api_base_path": "/b",
        "operation_id": "ctx",
        "user": None,
        "token_info": None,
    }


def test_user_argument_on_a_public_operation_is_a_startup_error():
    async def handler(user: str) -> dict:
        return {}

    spec = document({"/x": {"get": {"responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(openapi_aio.InvalidSpecification, match="requires 'user'"):
        openapi_aio.setup(web.Application(), spec, resolver=lambda op: handler)


def test_resolver_exceptions_are_reported_not_raised_raw():
    spec = document({"/x": {"get": {"responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(openapi_aio.InvalidSpecification, match=r"the resolver failed: KeyError\('GET /x'\)"):
        openapi_aio.setup(web.Application(), spec, resolver=lambda op: {}[op.label])


def test_two_apis_on_one_base_path_is_a_startup_error():
    app = web.Application()
    spec = document({"/x": {"get": {"responses": {"200": {"description": "ok"}}}}})
    openapi_aio.setup(app, spec, stub=True, base_path="/same")
    with pytest.raises(openapi_aio.SpecError, match="already served"):
        openapi_aio.setup(app, spec, stub=True, base_path="/same")


async def test_a_plain_handler_returning_a_coroutine_is_awaited(serve):
    async def later() -> dict:
        return {"awaited": True}

    def handler():  # e.g. a plain function wrapped by a decorator that returns a coroutine
        return later()

    client = await serve(
        document({"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}), resolver=lambda op: handler
    )
    assert await (await client.get("/x")).json() == {"awaited": True}
