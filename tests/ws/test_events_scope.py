"""Row events obey the rows' read rules (issue 19, item 4): a subscriber of a resource's events
channel receives a created/updated/deleted row only if its user could read that row over HTTP,
shown as its reads show it (``serialize()``, no writeOnly member); a deleted row reaches those
who could read it before. On SQLite and PostgreSQL (``serve_db``). Document: specs/ws/scoped.yaml."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import SPECS, MakeClient, require_redis

import openapi_aio
from openapi_aio.ws.client import Client

ADA = {"Authorization": "Bearer tok-ada"}
BOB = {"Authorization": "Bearer tok-bob"}
ROOT = {"Authorization": "Bearer tok-root"}

Connect = Callable[[TestClient, dict[str, str]], Awaitable[Client]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    clients: list[Client] = []

    async def make(server: TestClient, headers: dict[str, str]) -> Client:
        client = await Client.connect(str(server.server.make_url("/live")), headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def received(client: Client) -> tuple[str, dict[str, Any]]:
    message = await client.receive(timeout=5)
    return message["event"], message["data"]


async def nothing_for(*clients: Client) -> None:
    for client in clients:
        with pytest.raises(TimeoutError):
            await client.receive(timeout=0.2)


async def read(server: TestClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await server.get(path, headers=headers)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_each_user_receives_only_the_rows_it_can_read(serve_db: MakeClient, connect: Connect) -> None:
    server = await serve_db("ws/scoped.yaml", broker="memory")
    ada, ada_again, bob, root = [await connect(server, who) for who in (ADA, ADA, BOB, ROOT)]
    for client in (ada, ada_again, bob, root):
        await client.subscribe("notes")

    response = await server.post("/notes", json={"title": "ada's", "secret": "s3cret"}, headers=ADA)
    assert response.status == 201, await response.text()
    note = await response.json()
    path = f"/notes/{note['id']}"
    as_ada, as_root = await read(server, path, ADA), await read(server, path, ROOT)
    assert as_ada["shout"] == "ADA'S, READ BY ADA"
    assert as_root["shout"] == "ADA'S, READ BY ROOT"
    assert await received(ada) == await received(ada_again) == ("created", as_ada)
    assert await received(root) == ("created", as_root)
    assert "secret" not in as_ada
    assert (await server.get(path, headers=BOB)).status == 404
    await nothing_for(bob)

    response = await server.post("/notes", json={"title": "bob's"}, headers=BOB)
    assert response.status == 201
    bobs = await response.json()
    assert await received(bob) == ("created", bobs)
    assert (await received(root))[1]["title"] == "bob's"
    await nothing_for(ada, ada_again)

    response = await server.patch(path, json={"title": "changed"}, headers=ADA)
    assert response.status == 200
    assert await received(ada) == ("updated", await response.json())
    assert (await received(root))[1]["shout"] == "CHANGED, READ BY ROOT"
    assert (await received(ada_again))[0] == "updated"
    await nothing_for(bob)


async def test_a_deleted_row_reaches_only_those_who_could_read_it(serve_db: MakeClient, connect: Connect) -> None:
    server = await serve_db("ws/scoped.yaml", broker="memory")
    ada, bob, root = [await connect(server, who) for who in (ADA, BOB, ROOT)]
    for client in (ada, bob, root):
        await client.subscribe("notes", "deleted")
    response = await server.post("/notes", json={"title": "short-lived"}, headers=ADA)
    note = await response.json()
    path = f"/notes/{note['id']}"
    before = await read(server, path, ADA)

    assert (await server.delete(path, headers=BOB)).status == 404  # bob cannot reach it
    await nothing_for(ada, bob, root)
    assert (await server.delete(path, headers=ADA)).status == 204
    assert await received(ada) == ("deleted", before)
    assert await received(root) == ("deleted", {**before, "shout": "SHORT-LIVED, READ BY ROOT"})
    await nothing_for(bob)


async def test_a_scope_only_the_database_evaluates_filters_events_too(serve_db: MakeClient, connect: Connect) -> None:
    server = await serve_db("ws/scoped.yaml", broker="memory")
    ada, bob = await connect(server, ADA), await connect(server, BOB)
    await ada.subscribe("shared")
    await bob.subscribe("shared")
    response = await server.post("/shared-notes", json={"title": "for bob", "reader": "BoB"}, headers=ADA)
    assert response.status == 201, await response.text()
    assert await received(bob) == ("created", await response.json())
    await nothing_for(ada)


async def test_rows_written_in_one_process_are_filtered_in_another(
    serve_db: MakeClient, datastore: str, aiohttp_client: Any, connect: Connect
) -> None:
    """Two applications on one Redis broker and one database, as two processes would be: the
    row travels once, and the receiving process shows it to each of its subscribers."""
    broker = require_redis()
    writer = await serve_db("ws/scoped.yaml", broker=broker)
    app = web.Application()
    openapi_aio.setup(app, SPECS / "ws" / "scoped.yaml", datastore=datastore, broker=broker, create_tables=False)
    reader = await aiohttp_client(app)
    ada, bob = await connect(reader, ADA), await connect(reader, BOB)
    await ada.subscribe("notes")
    await bob.subscribe("notes")
    response = await writer.post("/notes", json={"title": "far away", "secret": "s3cret"}, headers=ADA)
    assert response.status == 201, await response.text()
    note = await response.json()
    assert await received(ada) == ("created", await read(reader, f"/notes/{note['id']}", ADA))
    await nothing_for(bob)
