"""MethodResolver and MethodViewResolver (openapi_aio.resolver), which Connexion applications
name as connexion.resolver.*: how paths become classes and methods, served over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SPECS, document

from openapi_aio.resolver import MethodResolver, MethodViewResolver, Resolution

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
PATHS: dict[str, Any] = {
    "/pets": {
        "get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}], "responses": OK},
        "post": {
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"201": {"description": "made"}},
        },
    },
    "/pets/{petId}": {
        "get": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": OK,
        }
    },
    "/ping": {"get": {"operationId": "petclasses.ping", "responses": OK}},
}


@pytest.fixture(autouse=True)
def classes_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SPECS / "connexion_migration"))


async def test_method_resolver_uses_one_instance_and_the_collection_name(serve: Any) -> None:
    resolver = MethodResolver("petclasses", class_arguments={"PetsView": {"kwargs": {"prefix": "p-"}}})
    client = await serve(document(PATHS), resolver=resolver)
    first = await (await client.get("/pets", params={"limit": "3"})).json()
    assert first == {"called": "search", "limit": 3, "prefix": "p-", "instances": first["instances"]}
    second = await (await client.get("/pets/4")).json()
    assert (second["called"], second["petId"], second["instances"]) == ("get", 4, first["instances"])
    response = await client.post("/pets", json={"name": "tom"})
    assert (response.status, await response.json()) == (201, {"called": "post", "name": "tom"})
    assert await (await client.get("/ping")).json() == "pong"  # an operationId is a function


async def test_method_view_resolver_dispatches_by_http_method_on_new_instances(serve: Any) -> None:
    client = await serve(document(PATHS), resolver=MethodViewResolver("petclasses"))
    first = await (await client.get("/pets")).json()
    assert first["called"] == "get"  # Flask's dispatch: GET /pets is get(), not search()
    second = await (await client.get("/pets/2")).json()
    assert (second["petId"], second["instances"]) == (2, first["instances"] + 1)


def test_resolve_gives_the_name_with_the_function() -> None:
    from openapi_aio.spec import load_spec

    spec = load_spec(document(PATHS))
    operation = next(op for op in spec.operations if op.path == "/pets/{petId}")
    resolution = MethodResolver("petclasses").resolve(operation)
    assert isinstance(resolution, Resolution)
    assert resolution.operation_id == "petclasses.PetsView.get"
    assert resolution.function.__name__ == "get"
