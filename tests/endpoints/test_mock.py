"""Mock answers from the document (``mock="all"`` / ``"notimplemented"``), over real HTTP."""

from __future__ import annotations

from typing import Any

from conftest import MakeClient, document

from openapi_aio.validation import SchemaValidator

TASK = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {
        "id": {"type": "integer", "minimum": 1, "readOnly": True},
        "title": {"type": "string", "minLength": 3, "maxLength": 20},
        "secret": {"type": "string", "writeOnly": True},
        "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{4}$"},
        "due": {"type": "string", "format": "date"},
    },
}


def op(responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"responses": responses, **extra}


def json_response(media: dict[str, Any], description: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": media}, **extra}


SPEC = document(
    {
        "/media-example": {"get": op({"200": json_response({"schema": TASK, "example": {"id": 7, "title": "walk"}})})},
        "/examples": {
            "get": op(
                {
                    "200": json_response(
                        {
                            "schema": TASK,
                            "examples": {
                                "first": {"value": {"id": 1, "title": "first"}},
                                "second": {"summary": "another", "value": {"id": 2, "title": "second"}},
                            },
                        }
                    ),
                    "404": json_response({"schema": {"type": "object"}, "example": {"title": "Not Found"}}, "missing"),
                    "default": json_response({"schema": {"type": "object"}, "example": {"error": True}}, "error"),
                }
            )
        },
        "/schema-example": {
            "get": op({"200": json_response({"schema": {"type": "string", "example": "from the schema"}})})
        },
        "/schema-default": {"get": op({"200": json_response({"schema": {"type": "integer", "default": 42}})})},
        "/generated": {
            "post": op(
                {
                    "201": json_response(
                        {"schema": TASK},
                        headers={
                            "Location": {"schema": {"type": "string"}, "example": "/tasks/1"},
                            "X-Rate-Limit": {"schema": {"type": "integer", "example": 100}},
                            "X-Request-Id": {"required": True, "schema": {"type": "string", "format": "uuid"}},
                            "X-Optional": {"schema": {"type": "string"}},
                        },
                    ),
                    "400": {"description": "bad"},
                },
                requestBody={"required": True, "content": {"application/json": {"schema": TASK}}},
            )
        },
        "/secured": {
            "get": op({"200": json_response({"example": {"ok": True}})}, security=[{"key": []}]),
        },
        "/query": {
            "get": op(
                {"200": json_response({"example": {"ok": True}})},
                parameters=[{"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}],
            )
        },
        "/text": {
            "get": op(
                {
                    "200": {
                        "description": "both",
                        "content": {"text/plain": {"example": "plain"}, "application/json": {"example": {"a": 1}}},
                    }
                }
            )
        },
        "/empty": {"delete": op({"204": {"description": "gone"}})},
        "/value": {
            "get": op({"200": json_response({"example": {"from": "mock"}})}, operationId="specs.core.handlers.value")
        },
    },
    components={"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
)


async def test_media_type_example(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.get("/media-example")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {"id": 7, "title": "walk"}


async def test_first_of_examples_and_a_named_one(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    assert await (await client.get("/examples")).json() == {"id": 1, "title": "first"}
    response = await client.get("/examples", headers={"Prefer": "example=second"})
    assert await response.json() == {"id": 2, "title": "second"}
    assert response.headers["Preference-Applied"] == 'example="second"'
    unknown = await client.get("/examples", headers={"Prefer": "example=nope"})
    assert await unknown.json() == {"id": 1, "title": "first"}
    assert "Preference-Applied" not in unknown.headers


async def test_prefer_code(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.get("/examples", headers={"Prefer": "code=404"})
    assert response.status == 404
    assert await response.json() == {"title": "Not Found"}
    assert response.headers["Preference-Applied"] == "code=404"
    # an undocumented code falls to "default", answered with the code asked for
    response = await client.get("/examples", headers={"Prefer": "code=503, example=first"})
    assert response.status == 503
    assert await response.json() == {"error": True}
    # nothing documented for it: the preference is ignored
    response = await client.get("/media-example", headers={"Prefer": "code=418"})
    assert response.status == 200
    assert "Preference-Applied" not in response.headers


async def test_schema_example_and_default(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    assert await (await client.get("/schema-example")).json() == "from the schema"
    assert await (await client.get("/schema-default")).json() == 42


async def test_generated_value_validates_and_headers(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.post("/generated", json={"title": "a task"})
    assert response.status == 201
    body = await response.json()
    validator = SchemaValidator.compile(TASK, "3.0", "response")
    assert validator.is_valid(body), body
    assert "secret" not in body  # writeOnly: never in a response
    assert body["code"] == "AA-0000"
    assert body["due"] == "2024-01-01"
    assert 3 <= len(body["title"]) <= 20
    assert response.headers["Location"] == "/tasks/1"
    assert response.headers["X-Rate-Limit"] == "100"
    assert response.headers["X-Request-Id"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert "X-Optional" not in response.headers


async def test_deterministic(serve: MakeClient) -> None:
    first = await serve(SPEC, mock="all")
    second = await serve(SPEC, mock="all")
    bodies = [await (await c.post("/generated", json={"title": "a task"})).read() for c in (first, second, first)]
    assert bodies[0] == bodies[1] == bodies[2]


async def test_requests_to_mocks_are_still_secured_and_validated(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.get("/secured")
    assert response.status == 401
    assert (await client.get("/secured", headers={"X-Key": "anything"})).status == 200  # presence only
    assert (await client.get("/query")).status == 400
    assert (await client.get("/query?limit=ten")).status == 400
    assert (await client.get("/query?limit=10")).status == 200
    bad = await client.post("/generated", json={"title": 3})
    assert bad.status == 400
    assert bad.content_type == "application/problem+json"
    # a readOnly member sent is ignored, as by a real handler
    assert (await client.post("/generated", json={"title": "a task", "id": 3})).status == 201


async def test_media_type_negotiation(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    default = await client.get("/text")
    assert default.content_type == "application/json"
    assert await default.json() == {"a": 1}
    text = await client.get("/text", headers={"Accept": "text/plain"})
    assert text.content_type == "text/plain"
    assert await text.text() == "plain"
    refused = await client.get("/text", headers={"Accept": "image/png"})
    assert refused.status == 406


async def test_no_content(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.delete("/empty")
    assert response.status == 204
    assert await response.read() == b""


async def test_operations_without_operation_id(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="notimplemented")
    assert (await client.get("/media-example")).status == 200


async def test_notimplemented_keeps_handlers_all_replaces_them(serve: MakeClient) -> None:
    some = await serve(SPEC, mock="notimplemented")
    assert await (await some.get("/value")).json() != {"from": "mock"}  # the handler answered
    everything = await serve(SPEC, mock="all")
    assert await (await everything.get("/value")).json() == {"from": "mock"}


async def test_swagger_2_examples(serve: MakeClient) -> None:
    spec = document(
        {
            "/pets": {
                "get": {
                    "produces": ["application/json"],
                    "responses": {
                        "200": {
                            "description": "pets",
                            "schema": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                            "examples": {"application/json": ["rex", "tom"]},
                        }
                    },
                }
            },
            "/count": {
                "get": {
                    "produces": ["application/json"],
                    "responses": {"200": {"description": "n", "schema": {"type": "integer", "format": "int32"}}},
                }
            },
        },
        version="2.0",
    )
    client = await serve(spec, mock="all")
    assert await (await client.get("/pets")).json() == ["rex", "tom"]
    assert await (await client.get("/count")).json() == 0


async def test_bound_to_says_mock(serve: MakeClient) -> None:
    from aiohttp import web

    import openapi_aio

    api = openapi_aio.setup(web.Application(), SPEC, mock="notimplemented", base_path="")
    bound = {op.spec.path: op.bound_to for op in api.operations}
    assert bound["/value"] == "specs.core.handlers.value"
    assert bound["/media-example"] == "mock"


async def test_mocked_problem_carries_its_own_status(serve):
    problem = {
        "type": "object",
        "required": ["title", "status"],
        "properties": {"title": {"type": "string"}, "status": {"type": "integer"}},
    }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/p": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "gone", "content": {"application/problem+json": {"schema": problem}}},
                    }
                }
            }
        },
    }
    client = await serve(spec, mock="all")
    response = await client.get("/p", headers={"Prefer": "code=404"})
    assert response.status == 404
    assert (await response.json())["status"] == 404


async def test_prefer_never_picks_an_informational_status(serve):
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/p": {"get": {"responses": {"200": {"description": "ok"}, "default": {"description": "any"}}}}},
    }
    client = await serve(spec, mock="all")
    response = await client.get("/p", headers={"Prefer": "code=101"})
    assert response.status == 200
    assert "Preference-Applied" not in response.headers


async def test_a_media_range_is_never_sent_as_content_type(serve):
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/img": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
                        }
                    }
                }
            }
        },
    }
    client = await serve(spec, mock="all")
    response = await client.get("/img")
    assert response.status == 200
    assert response.content_type == "application/octet-stream"


async def test_hex_escapes_in_patterns_are_read_as_ecma_262_reads_them(serve: MakeClient) -> None:
    """``\\x41`` is "A"; ``\\x`` without two hex digits is an identity escape matching "x" (it
    made the mock a 500)."""
    schema = {
        "type": "object",
        "required": ["hex", "bare"],
        "properties": {
            "hex": {"type": "string", "pattern": "^\\x41\\x2d$"},
            "bare": {"type": "string", "pattern": "^a\\x$"},
        },
    }
    client = await serve(document({"/hex": {"get": op({"200": json_response({"schema": schema})})}}), mock="all")
    response = await client.get("/hex")
    assert response.status == 200, await response.text()
    assert await response.json() == {"hex": "A-", "bare": "ax"}


async def test_prefer_code_of_an_answer_the_framework_makes(serve: MakeClient) -> None:
    """The served document lists the framework's own answers (a 400 where there are parameters,
    a 401 on a secured operation...): the mock gives them on request too, as the problems the
    served document describes, so a client tested against the mock sees what the document says."""
    paths = {
        "/secured/{id}": {
            "get": {
                "security": [{"key": []}],
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"example": {"id": 1}}}}},
            }
        }
    }
    schemes = {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}
    client = await serve(document(paths, components=schemes), mock="all")
    served = await (await client.get("/openapi.json")).json()
    listed = served["paths"]["/secured/{id}"]["get"]["responses"]
    for code in ("400", "401", "403", "404"):
        assert code in listed
        response = await client.get("/secured/1", headers={"X-Key": "any", "Prefer": f"code={code}"})
        assert response.status == int(code), await response.text()
        assert response.content_type == "application/problem+json"
        assert (await response.json())["status"] == int(code)
        assert response.headers["Preference-Applied"] == f"code={code}"
    assert "WWW-Authenticate" in (await client.get("/secured/1", headers={"X-Key": "a", "Prefer": "code=401"})).headers
    # neither declared nor made by the framework here: ignored
    response = await client.get("/secured/1", headers={"X-Key": "any", "Prefer": "code=409"})
    assert response.status == 200
