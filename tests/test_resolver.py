"""Finding handlers: operationId paths, controllers, RestyResolver, custom resolvers, stubs."""

from __future__ import annotations

import pytest
from aiohttp import web
from conftest import OK, document

import openapi_aio
from openapi_aio.errors import ResolverError
from openapi_aio.resolver import import_function
from openapi_aio.spec.model import OperationSpec

PET_ID = {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}


def operation(path: str, method: str, operation_id: str | None = None, controller: str | None = None) -> OperationSpec:
    return OperationSpec(path, method, operation_id, (), None, {}, None, controller=controller)


def test_import_function_paths():
    assert import_function("specs.core.handlers.value").__name__ == "value"
    assert import_function("specs.core.handlers.greeter.greet").__name__ == "greet"


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        ("nothing", "'nothing' is not a 'module.function' path"),
        ("no_such_module.func", "no module found for 'no_such_module.func'"),
        ("specs.core.handlers.missing", "'specs.core.handlers' has no 'missing'"),
        ("specs.broken_module.func", "importing 'specs.broken_module' for 'specs.broken_module.func' failed"),
    ],
)
def test_import_errors_say_what_is_wrong(dotted, message):
    with pytest.raises(ResolverError) as raised:
        import_function(dotted)
    assert message in str(raised.value)


async def test_router_controller_prefix(serve):
    spec = document(
        {
            "/value": {
                "x-openapi-router-controller": "specs.core.handlers",
                "get": {"operationId": "value", "responses": OK},
            },
            "/other": {
                "get": {"operationId": "value", "x-openapi-router-controller": "specs.core.handlers", "responses": OK}
            },
        }
    )
    # Same operationId twice is a duplicate by the spec, so check one at a time.
    client = await serve(document({"/value": spec["paths"]["/value"]}))
    assert await (await client.get("/value")).json() == {"kind": "value"}
    client = await serve(document({"/other": spec["paths"]["/other"]}))
    assert await (await client.get("/other")).json() == {"kind": "value"}


def test_resty_resolver_names():
    resolver = openapi_aio.RestyResolver("api")
    assert resolver.handler_name(operation("/pets", "get")) == "api.pets.search"
    assert resolver.handler_name(operation("/pets", "post")) == "api.pets.post"
    assert resolver.handler_name(operation("/pets/{petId}", "get")) == "api.pets.get"
    assert resolver.handler_name(operation("/pets/{petId}", "put")) == "api.pets.put"
    assert resolver.handler_name(operation("/pets/{petId}/toys", "get")) == "api.pets.toys.search"
    assert resolver.handler_name(operation("/pet-shops/{id}", "delete")) == "api.pet_shops.delete"
    assert resolver.handler_name(operation("/", "get")) == "api.get"
    # An operationId still wins; a controller names the module.
    assert resolver.handler_name(operation("/pets", "get", "x.y")) == "x.y"
    assert resolver.handler_name(operation("/pets", "get", controller="ctl")) == "ctl.search"
    assert openapi_aio.RestyResolver("api", "index").handler_name(operation("/pets", "get")) == "api.pets.index"


async def test_resty_resolver_serves(serve):
    spec = document(
        {
            "/pets": {"get": {"responses": OK}, "post": {"responses": {"201": {"description": "created"}}}},
            "/pets/{petId}": {
                "get": {"parameters": [PET_ID], "responses": OK},
                "delete": {"parameters": [PET_ID], "responses": {"204": {"description": "gone"}}},
            },
        }
    )
    client = await serve(spec, resolver=openapi_aio.RestyResolver("specs.resty.api"))
    assert await (await client.get("/pets")).json() == [{"resty": "search"}]
    assert (await client.post("/pets")).status == 201
    assert await (await client.get("/pets/4")).json() == {"resty": "get", "petId": 4}
    assert (await client.delete("/pets/4")).status == 204


async def test_custom_resolver_callable(serve):
    async def everything(**kwargs: object) -> dict:
        return {"custom": sorted(kwargs)}

    spec = document({"/pets/{petId}": {"get": {"parameters": [PET_ID], "responses": OK}}})
    client = await serve(spec, resolver=lambda op: everything)
    assert await (await client.get("/pets/1")).json() == {"custom": ["petId"]}


def test_missing_handlers_are_reported_together():
    spec = document(
        {
            "/a": {"get": {"operationId": "no_such_module.a", "responses": OK}},
            "/b": {"get": {"responses": OK}},
        }
    )
    with pytest.raises(openapi_aio.InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec)
    message = str(raised.value)
    assert "(2 errors)" in message
    assert "<document>#/paths/~1a/get: no module found for 'no_such_module.a'" in message
    assert "<document>#/paths/~1b/get: GET /b has no handler" in message


def test_operations_without_handlers_are_one_warning_line(caplog):
    paths = {f"/p{n}": {"get": {"operationId": f"no_such_module.f{n}", "responses": OK}} for n in range(5)}
    paths["/ok"] = {"get": {"operationId": "specs.core.handlers.value", "responses": OK}}
    paths["/later"] = {"get": {"responses": OK}}  # no operationId: a stub by intent, no warning
    with caplog.at_level("WARNING", logger="openapi_aio"):
        openapi_aio.setup(web.Application(), document(paths), stub=True)
        openapi_aio.setup(web.Application(), document(paths), mock="all")  # as asked: no warning
    [line] = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert "5 of 7 operations have no handler and answer 501 (stub)" in line
    assert line.count("no module found for 'no_such_module.f") == 3
    assert line.endswith("; ...")


async def test_stub_answers_501_problem(serve):
    spec = document(
        {"/a": {"get": {"operationId": "no_such_module.a", "responses": OK}}, "/b": {"get": {"responses": OK}}}
    )
    client = await serve(spec, stub=True)
    for path, label in (("/a", "no_such_module.a"), ("/b", "GET /b")):
        response = await client.get(path)
        assert response.status == 501
        assert response.content_type == "application/problem+json"
        assert (await response.json())["detail"] == f"{label} has no handler yet"
