"""Routing: literal-first matching, typed path values, 404/405, HEAD, trailing slashes, base paths."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from conftest import OK, document

import openapi_aio
from openapi_aio.pipeline.routing import Router, RouterError

H = "specs.routing.handlers."
PET_ID = {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}

PATHS = {
    # The template comes first in the document: the literal must still win.
    "/pets/{petId}": {"get": {"operationId": H + "show_pet", "parameters": [PET_ID], "responses": OK}},
    "/pets/mine": {"get": {"operationId": H + "mine", "responses": OK}},
    "/pets": {
        "get": {"operationId": H + "list_pets", "responses": OK},
        "post": {"operationId": H + "create_pet", "responses": {"201": {"description": "created"}}},
    },
    "/files/{name}.{ext}": {
        "get": {
            "operationId": H + "file",
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "ext", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "responses": OK,
        }
    },
    "/": {"get": {"operationId": H + "root", "responses": OK}},
}
SPEC = document(PATHS, servers=[{"url": "https://example.com/api/v1"}])


async def test_literal_segment_wins_over_template_regardless_of_order(serve):
    client = await serve(SPEC)
    assert (await (await client.get("/api/v1/pets/mine")).json()) == {"handler": "mine"}
    assert (await (await client.get("/api/v1/pets/7")).json()) == {"handler": "show_pet", "petId": 7}


async def test_malformed_typed_path_value_is_400_naming_the_parameter(serve):
    client = await serve(SPEC)
    response = await client.get("/api/v1/pets/abc")
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["status"] == 400
    assert problem["errors"] == [{"in": "path", "name": "petId", "message": "must be an integer"}]


async def test_unknown_path_is_404_problem(serve):
    client = await serve(SPEC)
    response = await client.get("/api/v1/owners")
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no operation at /api/v1/owners",
    }


async def test_wrong_method_is_405_with_allow(serve):
    client = await serve(SPEC)
    response = await client.delete("/api/v1/pets")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert (await response.json())["title"] == "Method Not Allowed"


async def test_head_is_served_by_get_without_body(serve):
    client = await serve(SPEC)
    response = await client.head("/api/v1/pets/mine")
    assert response.status == 200
    assert await response.read() == b""


async def test_placeholders_sharing_a_segment(serve):
    client = await serve(SPEC)
    assert await (await client.get("/api/v1/files/report.tar.gz")).json() == {"name": "report", "ext": "tar.gz"}


async def test_percent_encoded_path_values_are_decoded(serve):
    client = await serve(SPEC)
    assert await (await client.get("/api/v1/files/my%20report.txt")).json() == {"name": "my report", "ext": "txt"}


async def test_base_path_root_and_outside(serve):
    client = await serve(SPEC)
    assert (await (await client.get("/api/v1/")).json()) == {"handler": "root"}
    # Outside the API's base path the application's own 404 answers (not ours).
    assert (await client.get("/elsewhere")).status == 404


async def test_base_path_override(serve):
    client = await serve(SPEC, base_path="/v2")
    assert (await client.get("/v2/pets/mine")).status == 200
    assert (await client.get("/api/v1/pets/mine")).status == 404


async def test_trailing_slash_strict_by_default(serve):
    client = await serve(SPEC)
    assert (await client.get("/api/v1/pets/mine/")).status == 404


async def test_trailing_slash_ignore(serve):
    client = await serve(SPEC, trailing_slash="ignore")
    assert (await client.get("/api/v1/pets/mine/")).status == 200


async def test_trailing_slash_redirect_keeps_query(serve):
    client = await serve(SPEC, trailing_slash="redirect")
    response = await client.get("/api/v1/pets/?limit=1", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == "/api/v1/pets?limit=1"


async def test_two_apis_on_one_application(aiohttp_client):
    app = web.Application()
    openapi_aio.setup(app, SPEC, base_path="/one")
    openapi_aio.setup(app, document({"/pets/mine": PATHS["/pets/mine"]}), base_path="/two")

    async def own(request: web.Request) -> web.Response:
        return web.json_response({"own": True})

    app.router.add_get("/own", own)
    client = await aiohttp_client(app)
    assert (await client.get("/one/pets/7")).status == 200
    assert (await client.get("/two/pets/mine")).status == 200
    assert (await client.get("/two/pets/7")).status == 404
    assert await (await client.get("/own")).json() == {"own": True}


def test_ambiguous_templates_are_a_startup_error():
    def operation(name: str) -> dict:
        parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        return {"get": {"operationId": f"{H}root_{name}", "parameters": [parameter], "responses": OK}}

    paths = {"/a/{x}": operation("x"), "/a/{y}": operation("y")}
    with pytest.raises(openapi_aio.InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), document(paths), stub=True)
    assert "GET /a/{y} is ambiguous with GET /a/{x}" in str(raised.value)
    assert "#/paths/~1a~1{y}/get" in str(raised.value)


def test_same_shape_with_other_methods_is_allowed():
    router: Router[str] = Router()
    router.add("/a/{x}", "get", "get")
    router.add("/a/{y}", "delete", "delete")
    assert router.resolve("/a/1", "DELETE").params == {"y": "1"}
    assert router.resolve("/a/1", "GET").params == {"x": "1"}
    with pytest.raises(RouterError):
        router.add("/a/{z}", "get", "again")


def test_literal_wins_deeper_with_backtracking():
    router: Router[str] = Router()
    router.add("/a/b/c", "get", "literal")
    router.add("/a/{x}/d", "get", "template")
    assert router.resolve("/a/b/c", "GET").target == "literal"
    assert router.resolve("/a/b/d", "GET").target == "template"  # backtracks out of literal 'b'
    assert router.resolve("/a/b/e", "GET") is None


def test_routing_cost_does_not_grow_with_operation_count():
    """1,000 operations under one prefix: lookups stay a walk over segments, not a scan."""

    def build(count: int) -> Router[int]:
        router: Router[int] = Router()
        for index in range(count):
            router.add(f"/repos/{{owner}}/{{repo}}/thing{index}/{{id}}", "get", index)
        return router

    def per_lookup(router: Router[int], count: int) -> float:
        paths = [f"/repos/o/r/thing{i % count}/5" for i in range(2000)]
        start = time.perf_counter()
        for path in paths:
            router.resolve(path, "GET")
        return (time.perf_counter() - start) / len(paths)

    small, large = build(10), build(1000)
    assert large.resolve("/repos/o/r/thing999/5", "GET").target == 999
    # Not a timing assertion on absolute speed: the ratio between 10 and 1,000 operations.
    ratios = [per_lookup(large, 1000) / per_lookup(small, 10) for _ in range(3)]
    assert min(ratios) < 3, ratios


async def test_trailing_slash_ignore_matches_templates_written_with_a_slash(serve):
    spec = document({"/pets/": {"get": {"operationId": H + "mine", "responses": OK}}})
    client = await serve(spec, trailing_slash="ignore")
    assert (await client.get("/pets")).status == 200
    assert (await client.get("/pets/")).status == 200


async def test_trailing_slash_redirect_only_where_the_method_is_allowed(serve):
    client = await serve(SPEC, trailing_slash="redirect")
    response = await client.delete("/api/v1/pets/", allow_redirects=False)
    assert response.status == 404  # /pets has no DELETE: a 308 would only lead to a 405


def test_base_path_with_placeholders_is_refused():
    with pytest.raises(openapi_aio.SpecError, match="must not contain placeholders"):
        openapi_aio.setup(web.Application(), SPEC, base_path="/{tenant}")
