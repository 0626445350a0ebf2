"""The helpers services use in their own tests: a client from the app's document, served for the
test only."""

from __future__ import annotations

import pytest
from aiohttp import web
from conftest import document

import openapi_aio
from openapi_aio.testing import serve_for_test

SPEC = document(
    {
        "/hello/{name}": {
            "get": {
                "operationId": "specs.tracing.handlers.echo",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ids"}},
            }
        }
    },
    servers=[{"url": "/v2"}],
)


def application() -> web.Application:
    app = web.Application()
    openapi_aio.setup(app, SPEC)
    return app


async def test_the_fixture_serves_a_plain_aiohttp_application(api_client):
    client = await api_client(application(), headers={"X-Request-ID": "from-the-test"})
    assert client.base_url.endswith("/v2")
    answer = await client.echo.raw(name="ada")
    assert answer.status == 200
    assert answer.body == {"context": "from-the-test", "request": "from-the-test"}


async def test_serve_for_test_without_pytest_fixtures():
    async with serve_for_test(application()) as client:
        body = await client.echo(name="bob")
        assert len(body["request"]) == 32


async def test_an_app_without_documents_is_refused(api_client):
    with pytest.raises(ValueError, match="serves no openapi_aio document"):
        await api_client(web.Application())
