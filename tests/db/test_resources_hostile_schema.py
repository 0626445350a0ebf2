"""Hostile schemas and keys (issue 18: M3, M7, L2, L3, L4, L8), on SQLite and PostgreSQL.

- any legal column name works in every operation, SQL keywords, spaces and the names openapi_aio
  gives its own bound parameters included;
- a deleted key is never handed out again, so a stale URL cannot reach a newer row;
- an indexed string without maxLength has a length the database can index;
- upsert columns, search columns: mistakes stop the start-up;
- a row outside the request's reach answers as a missing one does.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
import sqlite3
import string
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner
from conftest import document, problem
from example_server import create_example_app

import openapi_aio
from openapi_aio import InvalidSpecification
from openapi_aio.keys import DATABASE

# SQL keywords, a space, non-ASCII, characters SQLAlchemy escapes in bind names, and the names of
# the parameters openapi_aio binds itself (key, p0, v_<column>, ...)
AWKWARD = [
    "key", "select", "order", "group by", "user", "type", "with space", "with_space", "größe", "名前", "p0",
    "v_key", "v3", "_v3", "__key", "k0", "f0", "s0", "limit", "dot.ted", "per%cent", "colon:x", "(paren)", 'quo"te',
    "ü" * 31 + "x",  # 63 bytes: PostgreSQL's longest name
]  # fmt: skip
TEXT = {"type": "string", "nullable": True}
AUTH = {"Authorization": "Bearer demo-token"}
OK = {"200": {"description": "ok"}, "201": {"description": "created"}, "204": {"description": "gone"}}


def _body(schema: str = "Thing") -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}}


AWKWARD_SPEC = document(
    {
        "/groups/{group}/things": {
            "x-resource": {"schema": "Thing", "upsert": ["group", "key"], "search": ["with space", "名前"]},
            "parameters": [_path("group")],
            "get": {
                "parameters": [
                    *(_query(name) for name in AWKWARD),
                    *(_query(f"{name}__like") for name in AWKWARD),
                    _query("order_by"),
                    _query("search"),
                    _query("cursor"),
                    _query("fields"),
                ],
                "responses": OK,
            },
            "post": {"requestBody": _body(), "responses": OK},
        },
        "/groups/{group}/things/{id}": {
            "x-resource": "Thing",
            "parameters": [_path("group"), _path("id")],
            "get": {"responses": OK},
            "patch": {"requestBody": _body(), "responses": OK},
            "put": {"requestBody": _body(), "responses": OK},
            "delete": {"responses": OK},
        },
    },
    components={
        "schemas": {
            "Thing": {
                "type": "object",
                "x-table": {
                    "name": "hostile schema things",
                    "version": "version",
                    "unique": [["group", "key"], ["ü" * 31 + "x"]],
                },
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "group": {"type": "integer", "readOnly": True},
                    "version": {"type": "integer", "readOnly": True},
                    **dict.fromkeys(AWKWARD, TEXT),
                    "json blob": {"type": "object", "nullable": True},
                },
            }
        }
    },
)


def _values(tag: str) -> dict[str, Any]:
    return {name: f"{tag} {index}" for index, name in enumerate(AWKWARD)}


async def test_every_operation_works_with_awkward_column_names(serve_db):
    client = await serve_db(AWKWARD_SPEC)
    response = await client.post("/groups/1/things", json=_values("first"))
    assert response.status == 201, await response.text()
    row = await response.json()
    assert {name: row[name] for name in _values("first")} == _values("first")
    assert (row["group"], row["version"]) == (1, 1)
    item = f"/groups/1/things/{row['id']}"
    response = await client.get(item)
    assert (response.status, await response.json()) == (200, row)

    # PATCH one column at a time (the others keep their values), with If-Match
    for version, name in enumerate([*AWKWARD, "json blob"], start=1):
        value: Any = {"a": name} if name == "json blob" else f"patched {name}"
        response = await client.patch(item, json={name: value}, headers={"If-Match": f'"{version}"'})
        assert response.status == 200, (name, await response.text())
        row = {**row, name: value, "version": version + 1}
        assert await response.json() == row, name
    response = await client.patch(item, json={"json blob": {"b": 2}})  # a merge patch of the JSON column
    assert response.status == 200, await response.text()
    row = await response.json()
    assert row["json blob"] == {"a": "json blob", "b": 2}

    response = await client.put(item, json=_values("second"))
    assert response.status == 200, await response.text()
    row = await response.json()
    assert {name: row[name] for name in _values("second")} == _values("second")
    assert row["json blob"] is None

    other = await client.post("/groups/1/things", json=_values("third"))
    assert other.status == 201, await other.text()
    for name in AWKWARD:
        response = await client.get("/groups/1/things", params={name: row[name]})
        assert response.status == 200, (name, await response.text())
        assert [found["id"] for found in await response.json()] == [row["id"]], name
        response = await client.get("/groups/1/things", params={f"{name}__like": "third*"})
        assert response.status == 200, (name, await response.text())
        assert [found["id"] for found in await response.json()] == [(await other.json())["id"]], name
        for order_by in (name, f"-{name}"):
            response = await client.get("/groups/1/things", params={"order_by": order_by})
            assert response.status == 200, (order_by, await response.text())
    response = await client.get("/groups/1/things", params={"order_by": "-order", "fields": "id,order,with space"})
    assert await response.json() == [
        {"id": (await other.json())["id"], "order": "third 2", "with space": "third 6"},
        {"id": row["id"], "order": "second 2", "with space": "second 6"},
    ]
    response = await client.get("/groups/1/things", params={"search": "second"})
    assert [found["id"] for found in await response.json()] == [row["id"]]

    response = await client.delete(item, headers={"If-Match": f'"{row["version"]}"'})
    assert response.status == 204, await response.text()
    assert (await client.get(item)).status == 404


async def test_an_upsert_on_awkward_unique_columns(serve_db):
    client = await serve_db(AWKWARD_SPEC)
    response = await client.post("/groups/1/things", json={"key": "k", "select": "one"})
    assert response.status == 201, await response.text()
    first = await response.json()
    response = await client.post("/groups/1/things", json={"key": "k", "select": "two"})
    assert response.status == 201, await response.text()
    again = await response.json()
    assert (again["id"], again["select"], again["version"]) == (first["id"], "two", 2)
    response = await client.post("/groups/2/things", json={"key": "k", "select": "other group"})
    assert response.status == 201, await response.text()
    assert (await response.json())["id"] != first["id"]


# --- M7: keys are never handed out again ---------------------------------------------------------

NOTES = document(
    {
        "/notes": {"x-resource": "Note", "post": {"requestBody": _body("Note"), "responses": OK}},
        "/notes/{id}": {
            "x-resource": "Note",
            "parameters": [_path("id")],
            "get": {"responses": OK},
            "patch": {"requestBody": _body("Note"), "responses": OK},
            "delete": {"responses": OK},
        },
    },
    components={
        "schemas": {
            "Note": {
                "type": "object",
                "x-table": {"name": "hostile_schema_notes", "version": "version"},
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "version": {"type": "integer", "readOnly": True},
                    "title": {"type": "string", "maxLength": 50},
                },
            }
        }
    },
)


def test_a_name_postgresql_would_cut_stops_the_start_up():
    spec = copy.deepcopy(NOTES)
    spec["components"]["schemas"]["Note"]["properties"]["ü" * 32] = TEXT  # 64 bytes
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec, datastore="sqlite:///unused.sqlite")
    assert "longer than 63 bytes" in str(raised.value)
    assert "#/components/schemas/Note/properties/" in str(raised.value)


async def test_a_deleted_key_is_never_given_to_a_new_row(serve_db):
    client = await serve_db(NOTES)
    keys = []
    for title in ("one", "two"):
        response = await client.post("/notes", json={"title": title})
        assert response.status == 201, await response.text()
        keys.append((await response.json())["id"])
    assert (await client.delete(f"/notes/{keys[-1]}")).status == 204
    response = await client.post("/notes", json={"title": "three"})
    newest = (await response.json())["id"]
    assert newest > keys[-1]  # SQLite without AUTOINCREMENT: the deleted key again

    # a stale write to the deleted row reaches nothing
    response = await client.patch(f"/notes/{keys[-1]}", json={"title": "stale"}, headers={"If-Match": '"1"'})
    await problem(response, 404)
    assert (await (await client.get(f"/notes/{newest}")).json())["title"] == "three"


async def test_the_example_app_migration_keeps_rows_and_stops_reusing_keys(aiohttp_client, monkeypatch, tmp_path):
    """A database made by revision 0001 (no AUTOINCREMENT), with rows: starting the example app
    upgrades it (0002 rebuilds the tables), every row is kept, and a deleted task's key stays unused."""
    app = create_example_app(monkeypatch, tmp_path)
    result = await asyncio.to_thread(CliRunner().invoke, app.cli, ["db", "upgrade", "0001"])
    assert result.exit_code == 0, result.output
    database = sqlite3.connect(tmp_path / "example.sqlite")
    with database:
        database.execute("INSERT INTO projects (id, name) VALUES (1, 'one'), (2, 'two')")
        database.execute("INSERT INTO tasks (id, project_id, title) VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')")
    database.close()

    client = await aiohttp_client(app.web_app)
    response = await client.get("/api/v1/tasks", params={"order_by": "id"})
    assert [(task["id"], task["project_id"]) for task in await response.json()] == [(1, 1), (2, 1), (3, 2)]
    assert (await client.delete("/api/v1/tasks/3", headers=AUTH)).status == 204
    response = await client.post("/api/v1/projects/1/tasks", json={"title": "d"}, headers=AUTH)
    assert response.status == 201, await response.text()
    assert (await response.json())["id"] == 4  # revision 0001 alone: 3 again

    # the stale write of the issue: task 3 with If-Match "1" no longer reaches project 1's task
    merge = {**AUTH, "If-Match": '"1"', "Content-Type": "application/merge-patch+json"}
    response = await client.patch("/api/v1/tasks/3", data='{"title": "stale"}', headers=merge)
    await problem(response, 404)
    database = sqlite3.connect(tmp_path / "example.sqlite")
    try:
        (schema,) = database.execute("SELECT sql FROM sqlite_master WHERE name = 'tasks'").fetchone()
        (head,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        database.close()
    assert "AUTOINCREMENT" in schema
    assert "ON DELETE CASCADE" in schema  # the rebuilt table keeps its constraints
    assert "CHECK (priority IN" in schema
    assert head == "0002"


# --- L2: an indexed string without maxLength -----------------------------------------------------

CODES = document(
    {"/codes": {"x-resource": "Code", "post": {"requestBody": _body("Code"), "responses": OK}}},
    components={
        "schemas": {
            "Code": {
                "type": "object",
                "x-table": "hostile_schema_codes",
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "code": {"type": "string", "x-column": {"unique": True}},
                    "label": {"type": "string", "maxLength": 5000, "x-column": {"index": True}},
                },
            }
        }
    },
)


async def test_an_indexed_string_without_max_length_gets_one(serve_db, caplog):
    with caplog.at_level(logging.WARNING, logger="openapi_aio.db"):
        client = await serve_db(CODES)
    assert "Code.code is an indexed string without maxLength" in caplog.text
    assert "Code.label" not in caplog.text  # it has a maxLength
    noise = "".join(random.Random(18).choices(string.ascii_letters + string.digits, k=3000))

    document = await problem(await client.post("/codes", json={"code": noise}), 422)
    assert document["errors"] == [{"in": "body", "pointer": "/code", "message": "longer than 500 characters"}]
    response = await client.post("/codes", json={"code": "𝄞" * 500})  # 2,000 bytes: PostgreSQL indexes it
    assert response.status == 201, await response.text()

    # a maxLength beyond what PostgreSQL can index: its refusal is the client's 422 too
    response = await client.post("/codes", json={"code": "b", "label": noise})
    if client.app[DATABASE].is_postgresql:
        document = await problem(response, 422)
        assert "too long for the database to index" in document["detail"]
    else:
        assert response.status == 201, await response.text()


# --- L3, L4: upsert and search columns are checked at start-up --------------------------------------

TASKS = document(
    {
        "/tasks": {
            "x-resource": {"schema": "Task", "upsert": ["title"], "search": ["title"]},
            "get": {"parameters": [_query("search")], "responses": OK},
            "post": {"requestBody": _body("Task"), "responses": OK},
        }
    },
    components={
        "schemas": {
            "Task": {
                "type": "object",
                "x-table": {"name": "hostile_schema_tasks", "unique": [["project_id", "title"]]},
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "project_id": {"type": "integer"},
                    "title": {"type": "string", "maxLength": 100},
                    "secret": {"type": "string", "maxLength": 100, "writeOnly": True},
                },
            }
        }
    },
)


def _tasks(upsert: Any = ("title",), search: Any = ("title",)) -> dict[str, Any]:
    spec = copy.deepcopy(TASKS)
    spec["paths"]["/tasks"]["x-resource"].update(upsert=list(upsert), search=list(search))
    return spec


def _load_error(spec: dict[str, Any]) -> str:
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec, datastore="sqlite:///unused.sqlite")
    return str(raised.value)


def test_upsert_columns_that_are_no_unique_constraint_stop_the_start_up():
    message = _load_error(_tasks(upsert=["title"]))
    assert "#/paths/~1tasks/post: x-resource: upsert [title] is not the columns of a unique constraint" in message
    assert "(those are: id; project_id, title)" in message
    assert "upsert names 'owner', not a column" in _load_error(_tasks(upsert=["owner"]))
    openapi_aio.setup(web.Application(), _tasks(upsert=["title", "project_id"]), datastore="sqlite:///unused.sqlite")
    openapi_aio.setup(web.Application(), _tasks(upsert=["id"]), datastore="sqlite:///unused.sqlite")


def test_a_search_over_a_write_only_column_stops_the_start_up():
    message = _load_error(_tasks(upsert=["project_id", "title"], search=["title", "secret"]))
    assert "#/paths/~1tasks/get: x-resource: search names writeOnly property 'secret'" in message


# --- L8: a row out of reach answers as a missing one ------------------------------------------------


OWNED_RESOURCE = {"schema": "Owned", "view": "specs.resources_views.views.OwnerView", "upsert": True}
OWNED = document(
    {
        "/owned": {"x-resource": OWNED_RESOURCE, "post": {"requestBody": _body("Owned"), "responses": OK}},
        "/owned/{id}": {
            "x-resource": OWNED_RESOURCE,
            "parameters": [_path("id")],
            "get": {"responses": OK},
            "put": {"requestBody": _body("Owned"), "responses": OK},
        },
    },
    components={
        "schemas": {
            "Owned": {
                "type": "object",
                "x-table": "hostile_schema_owned",
                "properties": {
                    "id": {"type": "integer"},
                    "owner": {"type": "string", "maxLength": 20, "readOnly": True},
                    "title": {"type": "string", "maxLength": 20},
                },
            }
        }
    },
)
ADA, BOB = {"X-User": "ada"}, {"X-User": "bob"}


async def test_another_users_key_answers_as_a_missing_one(serve_db):
    client = await serve_db(OWNED)
    response = await client.put("/owned/1", json={"title": "bob's"}, headers=BOB)
    assert response.status == 201, await response.text()

    missing = await problem(await client.get("/owned/1", headers=ADA), 404)
    for response in (
        await client.put("/owned/1", json={"title": "ada's"}, headers=ADA),
        await client.post("/owned", json={"id": 1, "title": "ada's"}, headers=ADA),
    ):
        assert (await problem(response, 404))["detail"] == missing["detail"] == "no Owned with id 1"
    response = await client.get("/owned/1", headers=BOB)
    assert await response.json() == {"id": 1, "owner": "bob", "title": "bob's"}

    # a free key is ada's to take; her own rows are hers to upsert
    response = await client.put("/owned/2", json={"title": "ada's"}, headers=ADA)
    assert response.status == 201, await response.text()
    response = await client.post("/owned", json={"id": 2, "title": "ada's again"}, headers=ADA)
    assert (response.status, (await response.json())["title"]) == (201, "ada's again")
