"""Testing a service in a few lines: its own document gives the test a typed-by-operation client.

With pytest-aiohttp installed, openapi_aio registers itself as a pytest plugin (entry point
``pytest11``), so the ``api_client`` fixture is there without imports::

    async def test_create_task(api_client):
        client = await api_client(create_app(), auth={"bearer": "demo-token"})
        task = await client.createTask(project_id=1, body={"title": "docs"})
        assert task["title"] == "docs"

The app (an :class:`~openapi_aio.App`, or an ``aiohttp.web.Application`` set up with
:func:`openapi_aio.setup`) is served by aiohttp's test server on a free loopback port for the
test only, started and stopped with it: real HTTP, the whole pipeline, no port to choose. Without
pytest, :func:`serve_for_test` does the same in any ``async with``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

# This module is a pytest plugin of every project that installs openapi-aio: importing aiohttp,
# the client and the app here would add ~0.4 s to each of their pytest sessions, used or not. So
# they load when a fixture or helper runs.
if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.test_utils import TestClient

    from openapi_aio.client import ApiClient
    from openapi_aio.service.app import App

__all__ = ["api_client", "client_for", "serve_for_test"]


def _web_app(app: App | web.Application) -> web.Application:
    from openapi_aio.service.app import App

    return app.web_app if isinstance(app, App) else app


def client_for(test_client: TestClient[web.Request, web.Application], api_index: int = 0, **options: Any) -> ApiClient:
    """An :class:`ApiClient` for the ``api_index``-th document served by ``test_client``'s app,
    sharing its session (so cookies and connections are the test client's)."""
    from openapi_aio.client import ApiClient
    from openapi_aio.keys import APIS

    apis = test_client.app.get(APIS, []) if test_client.app is not None else []
    if not apis:
        raise ValueError("the application serves no openapi_aio document")
    api = apis[api_index]
    base_url = str(test_client.make_url(api.base_path or "/"))
    return ApiClient(api.spec, base_url, session=test_client.session, **options)


@contextlib.asynccontextmanager
async def serve_for_test(app: App | web.Application, **options: Any) -> AsyncIterator[ApiClient]:
    """Serve ``app`` on a free loopback port and yield a client for its (first) document."""
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(_web_app(app))) as test_client:
        yield client_for(test_client, **options)


@pytest.fixture
def api_client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]],
) -> Callable[..., Awaitable[ApiClient]]:
    """``client = await api_client(app, **client_options)``; the server stops with the test."""

    async def make(app: App | web.Application, *, api_index: int = 0, **options: Any) -> ApiClient:
        test_client = await aiohttp_client(_web_app(app))
        return client_for(test_client, api_index, **options)

    return make
