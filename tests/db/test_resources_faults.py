"""Database faults: PostgreSQL going away and coming back (through a TCP proxy this test controls),
an application starting while it is down, and an SQLite file that cannot be opened."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from conftest import document, require_postgres, reset_tables
from tcp_proxy import Proxy

import openapi_aio
from openapi_aio import ServiceUnavailable, StartupError
from openapi_aio.db import Database
from openapi_aio.keys import DATABASE

SPEC = document(
    {
        "/faults": {
            "x-resource": "Fault",
            "get": {"responses": {"200": {"description": "rows"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fault"}}}},
                "responses": {"201": {"description": "created"}},
            },
        },
        "/faults/{id}": {
            "x-resource": "Fault",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "row"}}},
        },
    },
    components={
        "schemas": {
            "Fault": {
                "type": "object",
                "x-table": "faults_items",
                "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
            }
        }
    },
)


@pytest.fixture
def postgres_url() -> str:
    """Synchronous: conftest's probe runs its own event loop, which cannot nest in a test's."""
    return require_postgres()


@pytest.fixture
async def proxy(postgres_url: str) -> Any:
    target = urlsplit(postgres_url)
    running = Proxy(target.hostname or "127.0.0.1", target.port or 5432)
    await running.start()
    yield running
    if running.server is not None:
        await running.stop()


async def start_app(aiohttp_client: Any, datastore: str) -> TestClient:
    app = web.Application()
    openapi_aio.setup(app, SPEC, datastore=datastore, create_tables=False)
    return await aiohttp_client(app)


async def assert_unavailable(client: TestClient, path: str = "/faults") -> None:
    started = time.monotonic()
    response = await asyncio.wait_for(client.get(path), timeout=5)
    assert response.status == 503, await response.text()
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
    problem = await response.json()
    assert problem["status"] == 503
    assert "unavailable" in problem["detail"]
    assert "Traceback" not in await response.text()
    assert time.monotonic() - started < 3


async def wait_until_served(client: TestClient, path: str = "/faults", within: float = 6.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        response = await asyncio.wait_for(client.get(path), timeout=5)
        if response.status == 200:
            return await response.json()
        assert response.status == 503, await response.text()
        assert time.monotonic() < deadline, "the service did not recover"
        await asyncio.sleep(0.2)


async def test_database_going_away_answers_503_then_recovers(aiohttp_client, proxy, postgres_url):
    client = await start_app(aiohttp_client, proxy.url(postgres_url))
    await reset_tables(client.app[DATABASE])
    response = await client.post("/faults", json={"name": "before"})
    assert response.status == 201, await response.text()
    response = await client.get("/faults")
    assert response.status == 200

    await proxy.stop()
    for path in ("/faults", "/faults/1", "/faults", "/faults/1"):
        await assert_unavailable(client, path)
    response = await asyncio.wait_for(client.post("/faults", json={"name": "lost"}), timeout=5)
    assert response.status == 503

    await proxy.start()
    assert await wait_until_served(client) == [{"id": 1, "name": "before"}]
    response = await client.post("/faults", json={"name": "after"})
    assert response.status == 201, await response.text()
    assert await wait_until_served(client, "/faults/2") == {"id": 2, "name": "after"}


async def test_database_cut_twice_recovers_each_time(aiohttp_client, proxy, postgres_url):
    client = await start_app(aiohttp_client, proxy.url(postgres_url))
    await reset_tables(client.app[DATABASE])
    for _ in range(2):
        assert await wait_until_served(client) == []
        await proxy.stop()
        await assert_unavailable(client)
        await proxy.start()
    assert await wait_until_served(client) == []


async def test_app_starting_while_the_database_is_down(aiohttp_client, proxy, postgres_url):
    url = proxy.url(postgres_url)
    await proxy.stop()  # the port is known, nothing listens there
    client = await start_app(aiohttp_client, url)  # starts all the same: 503 until the database is up
    await assert_unavailable(client)
    await assert_unavailable(client, "/faults/1")

    await proxy.start()
    direct = Database(postgres_url, client.app[DATABASE].metadata)  # the app's own retries wait a second
    try:
        await reset_tables(direct)
    finally:
        await direct.close()
    assert await wait_until_served(client) == []
    response = await client.post("/faults", json={"name": "late"})
    assert response.status == 201, await response.text()


async def test_a_handler_using_the_database_gets_503_while_it_is_down(proxy, postgres_url):
    database = Database(proxy.url(postgres_url), sa.MetaData())
    await database.open()
    try:
        assert await database.fetch_all(sa.text("SELECT 1 AS one")) == [{"one": 1}]
        await proxy.stop()
        with pytest.raises(ServiceUnavailable) as raised:
            async with database.transaction() as conn:
                await conn.fetch_all(sa.text("SELECT 1 AS one"))
        assert raised.value.headers["Retry-After"] == "1"
        await proxy.start()
        deadline = time.monotonic() + 6
        while True:
            try:
                assert await database.fetch_all(sa.text("SELECT 2 AS two")) == [{"two": 2}]
                break
            except ServiceUnavailable:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
    finally:
        await database.close()


# --- SQLite ------------------------------------------------------------------------------------


async def test_sqlite_in_a_folder_that_does_not_exist_fails_at_start_up(tmp_path: Path):
    """A file that cannot be opened is a configuration mistake: the app does not start, and the
    error names the datastore."""
    url = f"sqlite:///{tmp_path / 'missing' / 'folder' / 'data.sqlite'}"
    for create_tables in (True, False):
        app = web.Application()
        openapi_aio.setup(app, SPEC, datastore=url, create_tables=create_tables)
        server = TestServer(app)
        with pytest.raises(StartupError, match=r"cannot open the SQLite datastore '.*missing/folder/data\.sqlite'"):
            await server.start_server()
        await server.close()
    await aiosqlite_threads_stopped()
    assert not (tmp_path / "missing").exists()


async def test_sqlite_file_that_cannot_be_opened_later_is_503(tmp_path: Path):
    """Past start-up (a folder removed, a volume gone), the same failure is a 503, not a 500."""
    database = Database(f"sqlite:///{tmp_path / 'missing' / 'data.sqlite'}", sa.MetaData())
    try:
        with pytest.raises(ServiceUnavailable):
            await database.fetch_all(sa.text("SELECT 1"))
    finally:
        await database.close()
        await aiosqlite_threads_stopped()


async def aiosqlite_threads_stopped() -> None:
    """aiosqlite stops the thread of a connection that failed to open without waiting for it; it
    must be done before the test's event loop closes (it reports to that loop)."""
    for _ in range(200):
        if not any("_connection_worker_thread" in thread.name for thread in threading.enumerate()):
            return
        await asyncio.sleep(0.01)
