"""The App factory and the aiohttp plugin: documents found beside the module, several APIs, options."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import web
from conftest import OK, SPECS, document

import openapi_aio
from openapi_aio import App, Options


async def test_app_finds_documents_relative_to_its_module(aiohttp_client, monkeypatch):
    monkeypatch.syspath_prepend(str(SPECS / "connexion_app"))  # where its handler module lives
    app = App("conftest", specification_dir="specs/connexion_app")
    assert app.specification_dir == SPECS / "connexion_app"
    api = app.add_api("openapi.yaml")
    assert api.base_path == "/openapi"
    client = await aiohttp_client(app.web_app)
    assert await (await client.post("/openapi/greeting/ada")).text() == "Hello ada"


async def test_app_serves_several_apis_with_their_own_options(aiohttp_client):
    app = App(stub=True)
    app.add_api(document({"/a": {"get": {"responses": OK}}}), base_path="/v1")
    app.add_api(
        document({"/a": {"get": {"operationId": "specs.core.handlers.value", "responses": OK}}}),
        base_path="/v2",
        stub=False,
    )
    assert [api.options.stub for api in app.apis] == [True, False]  # per-API override
    client = await aiohttp_client(app.web_app)
    assert (await client.get("/v1/a")).status == 501
    assert await (await client.get("/v2/a")).json() == {"kind": "value"}


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown option"):
        openapi_aio.setup(web.Application(), document({}), no_such_option=True)


def test_options_are_frozen_and_replace_keeps_unset():
    options = Options(pythonic_params=True)
    with pytest.raises(AttributeError):
        options.stub = True  # type: ignore[misc]
    assert options.replace(stub=True, pythonic_params=None).pythonic_params is True


def test_routes_listing():
    api = openapi_aio.setup(
        web.Application(),
        document({"/a": {"get": {"operationId": "specs.core.handlers.value", "responses": OK}}}),
        base_path="/x",
    )
    [(method, path, operation)] = api.routes()
    assert (method, path) == ("GET", "/x/a")
    assert operation.bound_to == "specs.core.handlers.value"


def test_operations_are_immutable_after_compilation():
    api = openapi_aio.setup(
        web.Application(), document({"/a": {"get": {"operationId": "specs.core.handlers.value", "responses": OK}}})
    )
    [operation] = api.operations
    with pytest.raises(dataclasses.FrozenInstanceError):
        operation.handle = operation.handle  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        operation.endpoint = None  # type: ignore[misc]


def test_each_endpoint_kind_is_chosen_by_the_first_factory_that_applies(tmp_path):
    handled = {"operationId": "specs.core.handlers.value", "responses": OK}
    unbound = {"responses": OK}
    spec = document({"/handled": {"get": handled}, "/unbound": {"get": unbound}})
    kinds = {op.spec.path: op.bound_to for op in openapi_aio.setup(web.Application(), spec, stub=True).operations}
    assert kinds == {"/handled": "specs.core.handlers.value", "/unbound": "stub"}
    mocked = openapi_aio.setup(web.Application(), spec, mock="notimplemented").operations
    assert [op.bound_to for op in mocked] == ["specs.core.handlers.value", "mock"]
    assert {op.bound_to for op in openapi_aio.setup(web.Application(), spec, mock="all").operations} == {"mock"}


async def test_app_tier_order_is_the_pipelines_whatever_the_order_apis_are_added(aiohttp_client):
    """CORS, Sentry (pipeline.APP_TIER, each only when configured), then the user's middlewares;
    a second API adding CORS later still gets it in its place. Nothing configured: no middleware
    of ours at all (request ids are given by the API's own route)."""

    @web.middleware
    async def mine(request, handler):
        return await handler(request)

    app = App(middlewares=[mine], stub=True)
    app.add_api(document({"/a": {"get": {"responses": OK}}}), base_path="/v1")
    assert list(app.web_app.middlewares) == [mine]
    app.add_api(document({"/a": {"get": {"responses": OK}}}), base_path="/v2", cors={"allow_origins": ["*"]})
    [cors, user] = app.web_app.middlewares
    assert user is mine
    assert cors.__name__ == "preflight"
    client = await aiohttp_client(app.web_app)
    answer = await client.get("/v1/a", headers={"Origin": "https://x.example"})
    assert answer.status == 501
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["X-Request-ID"]
