"""A CrudView subclass bound from the document: row-level scope, hooks, computed fields, custom
filters, an overridden operation method, and an ordinary handler beside the resource
(tests/specs/resources_views/)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from specs.resources_views import views

from openapi_aio.keys import DATABASE

SPEC = "resources_views/openapi.yaml"
ADA = {"Authorization": "Bearer tok-ada"}
BOB = {"Authorization": "Bearer tok-bob"}


async def serve_notes(serve_db: Any, **options: Any) -> TestClient:
    return await serve_db(SPEC, validate_responses=True, **options)


async def create(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/notes", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_scope_limits_every_read_update_and_delete_to_the_users_rows(serve_db):
    client = await serve_notes(serve_db)
    mine = await create(client, ADA, title="ada's")
    theirs = await create(client, BOB, title="bob's")

    response = await client.get("/notes", headers=ADA)
    assert response.status == 200
    assert [row["id"] for row in await response.json()] == [mine["id"]]
    response = await client.get("/notes", headers=BOB)
    assert [row["id"] for row in await response.json()] == [theirs["id"]]

    for method, body in (("GET", None), ("PATCH", {"title": "taken"}), ("DELETE", None)):
        response = await client.request(method, f"/notes/{theirs['id']}", json=body, headers=ADA)
        assert response.status == 404, (method, await response.text())
        assert response.content_type == "application/problem+json"
    response = await client.get(f"/notes/{theirs['id']}", headers=BOB)
    assert (await response.json())["title"] == "bob's"  # untouched by ada's attempts

    response = await client.patch(f"/notes/{mine['id']}", json={"title": "renamed"}, headers=ADA)
    assert response.status == 200, await response.text()
    response = await client.delete(f"/notes/{mine['id']}", headers=ADA)
    assert response.status == 204
    response = await client.get(f"/notes/{mine['id']}", headers=ADA)
    assert response.status == 404


async def test_before_create_sets_the_owner_from_the_user(serve_db):
    client = await serve_notes(serve_db)
    # owner is readOnly: sent by the client, it is ignored (or refused with read_only="reject");
    # the hook sets it
    response = await client.post("/notes", json={"title": "mine", "owner": "ada"}, headers=BOB)
    assert response.status == 201
    assert (await response.json())["owner"] == "bob"
    created = await create(client, BOB, title="mine")
    assert created["owner"] == "bob"
    response = await client.get(f"/notes/{created['id']}", headers=BOB)
    assert (await response.json())["owner"] == "bob"
    response = await client.get(f"/notes/{created['id']}", headers=ADA)
    assert response.status == 404


async def test_after_write_raising_rolls_the_write_back(serve_db):
    client = await serve_notes(serve_db)
    response = await client.post("/notes", json={"title": "forbidden"}, headers=ADA)
    assert response.status == 422
    assert "refused after the write" in (await response.json())["detail"]
    response = await client.get("/notes", headers=ADA)
    assert await response.json() == []

    kept = await create(client, ADA, title="kept", priority=1)
    response = await client.patch(f"/notes/{kept['id']}", json={"title": "forbidden", "priority": 9}, headers=ADA)
    assert response.status == 422
    response = await client.get(f"/notes/{kept['id']}", headers=ADA)
    assert await response.json() == {**kept, "title": "kept", "priority": 1}

    # a delete is undone too: a row put there behind the API's back stays
    database = client.app[DATABASE]
    notes = database.metadata.tables["views_notes"]
    await database.execute(sa.insert(notes).values(id=100, owner="ada", title="forbidden", priority=0))
    response = await client.delete("/notes/100", headers=ADA)
    assert response.status == 422
    response = await client.get("/notes/100", headers=ADA)
    assert response.status == 200


async def test_serialize_adds_a_computed_field(serve_db):
    client = await serve_notes(serve_db)
    created = await create(client, ADA, title="quiet")
    assert created["shout"] == "QUIET"
    response = await client.get(f"/notes/{created['id']}", headers=ADA)
    assert (await response.json())["shout"] == "QUIET"
    response = await client.get("/notes", headers=ADA)
    assert (await response.json())[0]["shout"] == "QUIET"
    response = await client.patch(f"/notes/{created['id']}", json={"title": "louder"}, headers=ADA)
    assert (await response.json())["shout"] == "LOUDER"


async def test_custom_filter_method_and_column_filter(serve_db):
    client = await serve_notes(serve_db)
    for title, priority in (("apple", 1), ("apricot", 5), ("banana", 5), ("Apex", 9)):
        await create(client, ADA, title=title, priority=priority)
    await create(client, BOB, title="apple of bob", priority=9)

    async def titles(query: dict[str, Any]) -> list[str]:
        response = await client.get("/notes", params=query, headers=ADA)
        assert response.status == 200, await response.text()
        return [row["title"] for row in await response.json()]

    assert await titles({"starts": "ap"}) == ["apple", "apricot"]  # like: case-sensitive
    assert await titles({"starts": "ap", "priority__ge": "2"}) == ["apricot"]
    assert await titles({"priority__ge": "5"}) == ["apricot", "banana", "Apex"]
    # a '%' in the value is not a wildcard for this filter, and values are bound, never SQL
    assert await titles({"starts": "%an"}) == []
    assert await titles({"starts": "' OR 1=1 --"}) == []
    response = await client.get("/notes", params={"unknown": "1"}, headers=ADA)
    assert response.status == 400


async def test_overridden_get_list_calls_super(serve_db):
    client = await serve_notes(serve_db)
    await create(client, BOB, title="one")
    views.LIST_CALLS.clear()
    response = await client.get("/notes", params={"limit": "5"}, headers=BOB)
    assert response.status == 200
    assert response.headers["X-Listed-By"] == "bob"
    assert [row["title"] for row in await response.json()] == ["one"]
    assert views.LIST_CALLS == ["bob"]


async def test_ordinary_handler_on_a_resource_path_reaches_the_database(serve_db):
    client = await serve_notes(serve_db)
    first = await create(client, ADA, title="b-ada")
    await create(client, BOB, title="a-bob")
    await create(client, ADA, title="c-ada")
    # x-resource: false: the handler answers, unscoped, through request.app[DATABASE]
    response = await client.post(f"/notes/{first['id']}", headers=ADA)
    assert response.status == 200, await response.text()
    assert await response.json() == {"titles": ["a-bob", "b-ada", "c-ada"], "total": 3}
    response = await client.post(f"/notes/{first['id'] + 1}", headers=ADA)
    assert await response.json() == {"titles": ["a-bob", "c-ada"], "total": 3}
    response = await client.post("/notes/1")
    assert response.status == 401  # still secured


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/notes"), ("POST", "/notes"), ("GET", "/notes/1"), ("PATCH", "/notes/1"), ("DELETE", "/notes/1")],
)
async def test_security_is_enforced_on_crud_operations(serve_db, method, path):
    client = await serve_notes(serve_db)
    await create(client, ADA, title="secret")
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = await client.request(method, path, json={"title": "x"}, headers=headers)
        assert response.status == 401, await response.text()
        assert response.content_type == "application/problem+json"
    response = await client.get("/notes", headers=ADA)
    assert [row["title"] for row in await response.json()] == ["secret"]


async def test_response_validation_passes_on_every_crud_answer(serve_db):
    client = await serve_notes(serve_db)
    created = await create(client, ADA, title="valid", priority=3)
    assert created == {"id": created["id"], "owner": "ada", "title": "valid", "priority": 3, "shout": "VALID"}
    for method, path, body, status in (
        ("GET", "/notes", None, 200),
        ("GET", f"/notes/{created['id']}", None, 200),
        ("PATCH", f"/notes/{created['id']}", {"priority": 4}, 200),
        ("POST", f"/notes/{created['id']}", None, 200),
        ("DELETE", f"/notes/{created['id']}", None, 204),
        ("GET", f"/notes/{created['id']}", None, 404),
    ):
        response = await client.request(method, path, json=body, headers=ADA)
        assert response.status == status, (method, path, await response.text())


async def test_mock_all_answers_resource_operations_from_examples_without_a_database(serve):
    # nothing listens on port 1: a database would answer 503, the mock never touches it
    client = await serve(SPEC, mock="all", datastore="postgresql://nobody@127.0.0.1:1/none")
    response = await client.get("/notes/3", headers=ADA)
    assert response.status == 200, await response.text()
    assert await response.json() == {"id": 7, "owner": "ada", "title": "example note", "priority": 2,
                                     "shout": "EXAMPLE NOTE"}  # fmt: skip
    response = await client.post("/notes", json={"title": "t"}, headers=ADA)
    assert response.status == 201, await response.text()
    assert (await response.json())["title"] == "example note"
    response = await client.get("/notes", headers=ADA)
    assert response.status == 200
    assert isinstance(await response.json(), list)
    response = await client.get("/notes/3")
    assert response.status == 401


async def test_handler_statements_with_literal_values_and_in_lists(serve_db):
    """What handlers write by hand: the same statement shape with other literal values, and IN
    lists of other lengths (compiled once per shape on PostgreSQL, values never mixed up)."""
    client = await serve_notes(serve_db)
    for title in ("a", "b", "c"):
        await create(client, ADA, title=title)
    database = client.app[DATABASE]
    notes = database.metadata.tables["views_notes"]
    for title in ("a", "b", "c", "a"):
        rows = await database.fetch_all(sa.select(notes.c.title).where(notes.c.title == title))
        assert rows == [{"title": title}]
    for titles in (["a", "c"], ["b"], ["a", "b", "c"], []):
        statement = sa.select(notes.c.title).where(notes.c.title.in_(titles)).order_by(notes.c.title)
        assert [row["title"] for row in await database.fetch_all(statement)] == titles
        async with database.transaction() as conn:
            assert await conn.fetch_value(sa.select(sa.func.count()).where(notes.c.title.in_(titles))) == len(titles)
