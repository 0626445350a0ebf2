"""The write side of x-resource, over real HTTP, on SQLite and PostgreSQL (each test runs on both).

The document is tests/specs/resources_writing/openapi.yaml: projects (version column, unique
name, JSON settings, writeOnly secret, timestamps) and their tasks (foreign key, restrict), labels
(uuid key, ``upsert: true`` on PUT) and settings (``upsert: [scope, key]`` on POST).
"""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from conftest import problem

from openapi_aio.keys import DATABASE

SPEC = "resources_writing/openapi.yaml"


# --- helpers ---------------------------------------------------------------------------------


async def stored(client: TestClient, table: str, **where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` as the database has them (writeOnly columns too), by primary key."""
    database = client.app[DATABASE]
    columns = database.metadata.tables[table].c
    statement = sa.select(columns).where(*(columns[name] == value for name, value in where.items()))
    return await database.fetch_all(statement.order_by(columns.id))


def pointers(document: dict[str, Any]) -> list[str]:
    return [error.get("pointer") for error in document.get("errors", [])]


async def created(client: TestClient, path: str, body: Any, status: int = 201) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status == status, await response.text()
    return await response.json()


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- create ----------------------------------------------------------------------------------


async def test_create_answers_201_with_location_generated_values_and_defaults(serve_db):
    client = await serve_db(SPEC)
    before = datetime.datetime.now(datetime.UTC)
    response = await client.post("/projects", json={"name": "alpha", "settings": {"theme": "dark"}})
    assert response.status == 201, await response.text()
    body = await response.json()
    assert response.headers["Location"] == f"/projects/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert isinstance(body["id"], int)
    assert body["status"] == "active"  # the schema's default
    assert body["version"] == 1
    assert body["description"] is None
    assert body["settings"] == {"theme": "dark"}
    assert before - datetime.timedelta(seconds=5) <= moment(body["created"]) <= before + datetime.timedelta(minutes=1)
    # each column takes its own "now": the same moment give or take the microseconds between them
    assert datetime.timedelta(0) <= moment(body["updated"]) - moment(body["created"]) < datetime.timedelta(seconds=1)

    again = await client.get(response.headers["Location"])
    assert again.status == 200
    assert await again.json() == body
    assert again.headers["ETag"] == '"1"'

    second = await created(client, "/projects", {"name": "beta"})
    assert second["id"] != body["id"]

    # the schema allows other properties, but they are not columns: refused, not ignored
    document = await problem(await client.post("/projects", json={"name": "gamma", "colour": "red"}), 422)
    assert pointers(document) == ["/colour"]
    assert len(await stored(client, "writing_projects")) == 2


async def test_create_generates_uuid_keys_and_schema_defaults(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/labels", json={"name": "bug"})
    assert response.status == 201, await response.text()
    body = await response.json()
    key = uuid.UUID(body["id"])  # a generated uuid, as text
    assert body == {"id": str(key), "name": "bug", "color": "grey"}
    assert response.headers["Location"] == f"/labels/{key}"
    assert "ETag" not in response.headers  # no version column
    assert await (await client.get(f"/labels/{key}")).json() == body


async def test_write_only_is_stored_but_never_returned(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/projects", json={"name": "alpha", "secret": "s3cret"})
    body = await response.json()
    assert "secret" not in body
    assert "secret" not in await (await client.get(f"/projects/{body['id']}")).json()
    [row] = await stored(client, "writing_projects")
    assert row["secret"] == "s3cret"

    patched = await client.patch(f"/projects/{body['id']}", json={"secret": "other"})
    assert patched.status == 200
    assert "secret" not in await patched.json()
    [row] = await stored(client, "writing_projects")
    assert row["secret"] == "other"


async def test_read_only_properties_are_refused_with_read_only_reject(serve_db):
    client = await serve_db(SPEC, read_only="reject")
    for extra in ({"id": 999}, {"version": 7}, {"created": "2000-01-01T00:00:00Z"}):
        response = await client.post("/projects", json={"name": "alpha", **extra})
        await problem(response, 400)
    assert await stored(client, "writing_projects") == []

    body = await created(client, "/projects", {"name": "alpha"})
    response = await client.patch(f"/projects/{body['id']}", json={"version": 40})
    await problem(response, 400)
    [row] = await stored(client, "writing_projects")
    assert row["version"] == 1


async def test_read_only_properties_are_dropped_by_default(serve_db):
    client = await serve_db(SPEC)
    sent_key = str(uuid.uuid4())
    response = await client.post(
        "/settings",
        json={"scope": "ui", "key": "k", "id": sent_key, "version": 7, "created": "2000-01-01T00:00:00Z"},
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["id"] != sent_key
    assert body["version"] == 1
    assert moment(body["created"]).year > 2000
    [row] = await stored(client, "writing_settings")
    assert (str(row["id"]), row["version"], row["created"].year > 2000) == (body["id"], 1, True)

    project = await created(client, "/projects", {"name": "alpha"})
    response = await client.patch(
        f"/projects/{project['id']}", json={"version": 40, "created": "2000-01-01T00:00:00Z", "description": "x"}
    )
    assert response.status == 200, await response.text()
    [row] = await stored(client, "writing_projects")
    assert (row["version"], row["description"]) == (2, "x")  # bumped by the write, not set from input
    assert row["created"].year > 2000

    # by design, read-only values are dropped only from plain objects: POST /projects takes
    # oneOf [object, array], where they stay refused (see validation.read_only)
    await problem(await client.post("/projects", json={"name": "beta", "id": 999}), 400)


async def test_create_an_array_in_one_transaction(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/projects", json=[{"name": "a"}, {"name": "b", "status": "archived"}])
    assert response.status == 201, await response.text()
    body = await response.json()
    assert [(row["name"], row["status"]) for row in body] == [("a", "active"), ("b", "archived")]
    assert "Location" not in response.headers
    assert [row["name"] for row in await stored(client, "writing_projects")] == ["a", "b"]

    # the third row repeats a name: none of the three is stored
    response = await client.post("/projects", json=[{"name": "c"}, {"name": "d"}, {"name": "a"}])
    document = await problem(response, 409)
    assert "name" in document["detail"]
    assert [row["name"] for row in await stored(client, "writing_projects")] == ["a", "b"]

    # a row repeating an earlier row of the same array
    response = await client.post("/projects", json=[{"name": "e"}, {"name": "e"}])
    await problem(response, 409)
    assert [row["name"] for row in await stored(client, "writing_projects")] == ["a", "b"]


# --- constraint violations -------------------------------------------------------------------


async def test_unique_violation_is_a_409_naming_the_column(serve_db):
    client = await serve_db(SPEC)
    first = await created(client, "/projects", {"name": "alpha"})
    second = await created(client, "/projects", {"name": "beta"})

    document = await problem(await client.post("/projects", json={"name": "alpha"}), 409)
    assert document["detail"].startswith("name")
    assert pointers(document) == ["/name"]

    # by PATCH and PUT too; the row is left as it was
    document = await problem(await client.patch(f"/projects/{second['id']}", json={"name": "alpha"}), 409)
    assert pointers(document) == ["/name"]
    document = await problem(await client.put(f"/projects/{second['id']}", json={"name": "alpha"}), 409)
    assert pointers(document) == ["/name"]
    names = [(row["id"], row["name"], row["version"]) for row in await stored(client, "writing_projects")]
    assert names == [(first["id"], "alpha", 1), (second["id"], "beta", 1)]


async def test_foreign_key_to_a_missing_row_is_a_422_naming_the_column(serve_db):
    client = await serve_db(SPEC)
    document = await problem(await client.post("/tasks", json={"title": "t", "project_id": 12345}), 422)
    assert "project_id" in document["detail"]
    assert pointers(document) == ["/project_id"]
    # through the nested path, the parent comes from the path: it names nothing, a 404 (as GET)
    document = await problem(await client.post("/projects/12345/tasks", json={"title": "t"}), 404)
    assert "project_id" in document["detail"]
    assert await stored(client, "writing_tasks") == []

    project = await created(client, "/projects", {"name": "alpha"})
    task = await created(client, "/tasks", {"title": "t", "project_id": project["id"]})
    assert task["project_id"] == project["id"]


async def test_foreign_key_to_a_missing_row_by_patch_and_put_is_a_422_naming_the_column(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    task = await created(client, "/tasks", {"title": "t", "project_id": project["id"]})
    document = await problem(await client.patch(f"/tasks/{task['id']}", json={"project_id": 12345}), 422)
    assert pointers(document) == ["/project_id"]
    document = await problem(await client.put(f"/tasks/{task['id']}", json={"title": "u", "project_id": 12345}), 422)
    assert pointers(document) == ["/project_id"]
    [row] = await stored(client, "writing_tasks")
    assert (row["title"], row["project_id"]) == ("t", project["id"])


async def test_values_out_of_the_columns_range_are_not_a_500(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    huge = 10**20  # beyond int64; 3e9 is beyond the int32 of writing_tasks.id
    await problem(await client.get(f"/projects/{huge}"), 404)  # no row can have that key
    # the column's own bounds on both databases (SQLite's integers are all 64-bit)
    await problem(await client.delete(f"/projects/{project['id']}/tasks/3000000000"), 404)
    await problem(await client.patch(f"/projects/{project['id']}/tasks/3000000000", json={"done": True}), 404)
    document = await problem(await client.post("/tasks", json={"title": "t", "project_id": huge}), 400)
    assert document["errors"][0]["pointer"] == "/project_id"
    # an If-Match no version can have simply does not match
    for tag in (f'"{huge}"', '"3000000000"', '"\u00b2"'):
        await problem(await client.patch(f"/projects/{project['id']}", json={}, headers={"If-Match": tag}), 412)
    [row] = await stored(client, "writing_projects")
    assert row["version"] == 1


async def test_deleting_a_row_still_referenced_is_a_409(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    task = await created(client, f"/projects/{project['id']}/tasks", {"title": "t"})

    document = await problem(await client.delete(f"/projects/{project['id']}"), 409)
    assert "referenced" in document["detail"]
    assert len(await stored(client, "writing_projects")) == 1
    # by a bulk delete as well
    await problem(await client.delete("/projects", params={"status": "active"}), 409)
    assert len(await stored(client, "writing_projects")) == 1

    assert (await client.delete(f"/projects/{project['id']}/tasks/{task['id']}")).status == 204
    assert (await client.delete(f"/projects/{project['id']}")).status == 204
    assert await stored(client, "writing_projects") == []


async def test_null_for_a_not_null_column(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    task = await created(client, f"/projects/{project['id']}/tasks", {"title": "t"})

    # ProjectPatch lets name be null, so the database's NOT NULL refuses it: 422 naming the column
    document = await problem(await client.patch(f"/projects/{project['id']}", json={"name": None}), 422)
    assert pointers(document) == ["/name"]
    [row] = await stored(client, "writing_projects")
    assert (row["name"], row["version"]) == ("alpha", 1)

    # TaskPatch's title is not nullable: validation refuses the null before the database (400)
    document = await problem(
        await client.patch(f"/projects/{project['id']}/tasks/{task['id']}", json={"title": None}), 400
    )
    assert "/title" in str(document)
    [row] = await stored(client, "writing_tasks")
    assert row["title"] == "t"


async def test_missing_ids_are_404(serve_db):
    client = await serve_db(SPEC)
    await created(client, "/projects", {"name": "alpha"})
    await problem(await client.get("/projects/999"), 404)
    await problem(await client.patch("/projects/999", json={"description": "x"}), 404)
    await problem(await client.patch("/projects/999", json={"settings": {"a": 1}}), 404)  # the merge path
    await problem(await client.put("/projects/999", json={"name": "other"}), 404)
    await problem(await client.delete("/projects/999"), 404)
    await problem(await client.delete(f"/labels/{uuid.uuid4()}"), 404)
    [row] = await stored(client, "writing_projects")
    assert (row["name"], row["version"]) == ("alpha", 1)


# --- PATCH and PUT ---------------------------------------------------------------------------


async def test_patch_is_a_json_merge_patch(serve_db):
    client = await serve_db(SPEC)
    project = await created(
        client,
        "/projects",
        {
            "name": "alpha",
            "description": "first",
            "status": "archived",
            "secret": "s",
            "settings": {"theme": "dark", "size": 3, "nested": {"a": 1, "b": 2}, "list": [1, 2]},
        },
    )
    response = await client.patch(
        f"/projects/{project['id']}",
        json={"description": "changed", "settings": {"size": None, "nested": {"b": None, "c": 3}, "list": [9]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["name"] == "alpha"
    assert body["status"] == "archived"  # not sent: unchanged (no default applied)
    assert body["description"] == "changed"
    assert body["settings"] == {"theme": "dark", "nested": {"a": 1, "c": 3}, "list": [9]}
    assert body["version"] == 2
    [row] = await stored(client, "writing_projects")
    assert row["secret"] == "s"
    assert row["settings"] == body["settings"]

    # null on a top-level member clears the column
    response = await client.patch(f"/projects/{project['id']}", json={"description": None, "settings": None})
    body = await response.json()
    assert (body["description"], body["settings"], body["name"]) == (None, None, "alpha")
    # merging into a null JSON column starts from an empty object
    response = await client.patch(f"/projects/{project['id']}", json={"settings": {"x": 1, "y": None}})
    assert (await response.json())["settings"] == {"x": 1}


async def test_concurrent_merge_patches_lose_nothing(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha", "settings": {}})
    path = f"/projects/{project['id']}"
    responses = await asyncio.gather(*(client.patch(path, json={"settings": {f"k{i}": i}}) for i in range(6)))
    assert [response.status for response in responses] == [200] * 6
    [row] = await stored(client, "writing_projects")
    assert row["settings"] == {f"k{i}": i for i in range(6)}
    assert row["version"] == 7


async def test_put_replaces_the_row(serve_db):
    client = await serve_db(SPEC)
    project = await created(
        client,
        "/projects",
        {"name": "alpha", "description": "d", "status": "archived", "secret": "s", "settings": {"a": 1}},
    )
    response = await client.put(f"/projects/{project['id']}", json={"name": "renamed", "settings": {"b": 2}})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert response.headers["ETag"] == '"2"'
    assert body["id"] == project["id"]
    assert body["name"] == "renamed"
    assert body["settings"] == {"b": 2}  # replaced, not merged
    assert body["description"] is None  # not sent: back to null
    assert body["status"] == "active"  # not sent: back to the schema default
    assert body["created"] == project["created"]
    [row] = await stored(client, "writing_projects")
    assert row["secret"] is None
    assert row["version"] == 2
    assert await (await client.get(f"/projects/{project['id']}")).json() == body


async def test_timestamps_updated_changes_created_does_not(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    response = await client.patch(f"/projects/{project['id']}", json={"description": "x"})
    patched = await response.json()
    assert patched["created"] == project["created"]
    assert moment(patched["updated"]) > moment(project["updated"])
    response = await client.put(f"/projects/{project['id']}", json={"name": "alpha"})
    replaced = await response.json()
    assert replaced["created"] == project["created"]
    assert moment(replaced["updated"]) > moment(patched["updated"])
    [row] = await stored(client, "writing_projects")
    assert row["updated"] == moment(replaced["updated"])


# --- ETag and conditional requests -----------------------------------------------------------


async def test_etag_and_if_none_match(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    path = f"/projects/{project['id']}"
    response = await client.get(path, headers={"If-None-Match": '"1"'})
    assert response.status == 304
    assert response.headers["ETag"] == '"1"'
    assert await response.read() == b""
    assert (await client.get(path, headers={"If-None-Match": 'W/"1"'})).status == 304
    assert (await client.get(path, headers={"If-None-Match": '"7", "1"'})).status == 304
    assert (await client.get(path, headers={"If-None-Match": "*"})).status == 304

    patched = await client.patch(path, json={"description": "x"})
    assert patched.headers["ETag"] == '"2"'
    response = await client.get(path, headers={"If-None-Match": '"1"'})
    assert response.status == 200
    assert response.headers["ETag"] == '"2"'
    assert (await response.json())["description"] == "x"


async def test_if_match_current_succeeds_and_bumps_the_version(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    path = f"/projects/{project['id']}"
    response = await client.patch(path, json={"description": "x"}, headers={"If-Match": '"1"'})
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"2"'
    response = await client.put(path, json={"name": "beta"}, headers={"If-Match": '"2"'})
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"3"'
    assert (await response.json())["version"] == 3
    response = await client.delete(path, headers={"If-Match": '"3"'})
    assert response.status == 204
    assert await stored(client, "writing_projects") == []


async def test_stale_if_match_is_a_412_and_nothing_changes(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha", "settings": {"a": 1}})
    path = f"/projects/{project['id']}"
    await client.patch(path, json={"description": "current"})
    for tag in ('"1"', 'W/"2"', '"x"'):  # old, weak (If-Match compares strongly), not ours
        await problem(await client.patch(path, json={"description": "lost"}, headers={"If-Match": tag}), 412)
        await problem(await client.patch(path, json={"settings": {"a": 2}}, headers={"If-Match": tag}), 412)
        await problem(await client.put(path, json={"name": "lost"}, headers={"If-Match": tag}), 412)
        await problem(await client.delete(path, headers={"If-Match": tag}), 412)
    [row] = await stored(client, "writing_projects")
    assert (row["name"], row["description"], row["settings"], row["version"]) == ("alpha", "current", {"a": 1}, 2)
    # a missing row stays a 404, whatever the condition
    await problem(await client.patch("/projects/999", json={"description": "x"}, headers={"If-Match": '"1"'}), 404)


async def test_concurrent_writes_with_one_if_match_let_one_win(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    path = f"/projects/{project['id']}"
    responses = await asyncio.gather(
        *(client.patch(path, json={"description": str(i)}, headers={"If-Match": '"1"'}) for i in range(4))
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [200, 412, 412, 412]
    [winner] = [response for response in responses if response.status == 200]
    [row] = await stored(client, "writing_projects")
    assert (row["description"], row["version"]) == ((await winner.json())["description"], 2)


async def test_if_match_lists_several_etags(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    path = f"/projects/{project['id']}"
    await client.patch(path, json={"description": "x"})
    response = await client.patch(path, json={"description": "y"}, headers={"If-Match": '"1", "2"'})
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"3"'


async def test_if_match_star(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "alpha"})
    response = await client.patch(f"/projects/{project['id']}", json={"description": "x"}, headers={"If-Match": "*"})
    assert response.status == 200, await response.text()
    assert response.headers["ETag"] == '"2"'
    await problem(await client.patch("/projects/999", json={"description": "x"}, headers={"If-Match": "*"}), 404)

    # `*` needs no version column: it only asks that the row exists
    label = await created(client, "/labels", {"name": "bug"})
    response = await client.put(f"/labels/{label['id']}", json={"name": "feature"}, headers={"If-Match": "*"})
    assert response.status == 200, await response.text()
    # an upsert PUT with If-Match must not create (RFC 9110: `*` is false without a current row)
    missing = uuid.uuid4()
    await problem(await client.put(f"/labels/{missing}", json={"name": "new"}, headers={"If-Match": "*"}), 412)
    assert [row["name"] for row in await stored(client, "writing_labels")] == ["feature"]


async def test_if_match_on_a_table_without_version_is_a_412(serve_db):
    client = await serve_db(SPEC)
    label = await created(client, "/labels", {"name": "bug"})
    path = f"/labels/{label['id']}"
    await problem(await client.put(path, json={"name": "feature"}, headers={"If-Match": '"1"'}), 412)
    await problem(await client.delete(path, headers={"If-Match": '"1"'}), 412)
    [row] = await stored(client, "writing_labels")
    assert row["name"] == "bug"


# --- upsert ----------------------------------------------------------------------------------


async def test_put_upsert_creates_then_replaces(serve_db):
    client = await serve_db(SPEC)
    key = uuid.uuid4()
    response = await client.put(f"/labels/{key}", json={"name": "bug", "color": "red"})
    assert response.status == 201, await response.text()
    assert response.headers["Location"] == f"/labels/{key}"
    assert await response.json() == {"id": str(key), "name": "bug", "color": "red"}

    response = await client.put(f"/labels/{key}", json={"name": "defect"})
    assert response.status == 200, await response.text()
    assert await response.json() == {"id": str(key), "name": "defect", "color": "grey"}
    rows = await stored(client, "writing_labels")
    assert [(row["id"], row["name"], row["color"]) for row in rows] == [(key, "defect", "grey")]


async def test_post_upsert_on_a_natural_key_updates_the_existing_row(serve_db):
    client = await serve_db(SPEC)
    first = await created(client, "/settings", {"scope": "ui", "key": "theme", "value": {"mode": "dark"}})
    other = await created(client, "/settings", {"scope": "ui", "key": "size", "value": {"px": 12}})
    assert first["version"] == 1

    response = await client.post("/settings", json={"scope": "ui", "key": "theme", "value": {"mode": "light"}})
    assert response.status == 201, await response.text()  # the declared status, inserted or updated
    again = await response.json()
    assert again["id"] == first["id"]  # the same row: its generated key is kept...
    assert again["created"] == first["created"]  # ...and so is its creation time
    assert moment(again["updated"]) > moment(first["updated"])
    assert again["version"] == 2
    assert again["value"] == {"mode": "light"}
    assert response.headers["ETag"] == '"2"'
    assert response.headers["Location"] == f"/settings/{first['id']}"
    assert await (await client.get(f"/settings/{first['id']}")).json() == again

    rows = await stored(client, "writing_settings")
    assert [(str(row["id"]), row["key"], row["value"]) for row in rows] == sorted(
        [(first["id"], "theme", {"mode": "light"}), (other["id"], "size", {"px": 12})]
    )


# --- bulk delete -----------------------------------------------------------------------------


async def test_bulk_delete_needs_a_filter(serve_db):
    client = await serve_db(SPEC)
    await created(client, "/projects", [{"name": "a"}, {"name": "b", "status": "archived"}, {"name": "ab"}])
    document = await problem(await client.delete("/projects"), 400)
    assert "filter" in document["detail"]
    assert len(await stored(client, "writing_projects")) == 3

    response = await client.delete("/projects", params={"status": "archived"})
    assert response.status == 204
    assert response.headers["X-Total-Count"] == "1"
    assert [row["name"] for row in await stored(client, "writing_projects")] == ["a", "ab"]

    response = await client.delete("/projects", params={"name__like": "a*"})
    assert response.status == 204
    assert response.headers["X-Total-Count"] == "2"
    assert await stored(client, "writing_projects") == []


# --- nested resources ------------------------------------------------------------------------


async def test_nested_resource_is_scoped_by_its_parent(serve_db):
    client = await serve_db(SPEC)
    one = await created(client, "/projects", {"name": "one"})
    two = await created(client, "/projects", {"name": "two"})

    # the path sets project_id, whatever the body says
    response = await client.post(f"/projects/{one['id']}/tasks", json={"title": "a", "project_id": two["id"]})
    assert response.status == 201, await response.text()
    task = await response.json()
    assert task["project_id"] == one["id"]
    assert task["done"] is False  # schema default
    assert response.headers["Location"] == f"/projects/{one['id']}/tasks/{task['id']}"
    assert await (await client.get(response.headers["Location"])).json() == task
    other = await created(client, f"/projects/{two['id']}/tasks", {"title": "b"})

    listed = await (await client.get(f"/projects/{one['id']}/tasks")).json()
    assert [row["id"] for row in listed] == [task["id"]]

    wrong = f"/projects/{two['id']}/tasks/{task['id']}"
    await problem(await client.get(wrong), 404)
    await problem(await client.patch(wrong, json={"title": "stolen"}), 404)
    await problem(await client.delete(wrong), 404)
    rows = await stored(client, "writing_tasks")
    assert [(row["id"], row["project_id"], row["title"]) for row in rows] == [
        (task["id"], one["id"], "a"),
        (other["id"], two["id"], "b"),
    ]

    # PATCH through the right path cannot move the task to another project
    right = f"/projects/{one['id']}/tasks/{task['id']}"
    response = await client.patch(right, json={"done": True, "project_id": two["id"]})
    assert response.status == 200, await response.text()
    assert (await response.json())["done"] is True
    assert (await response.json())["project_id"] == one["id"]

    # DELETE of the nested collection takes only the parent's rows (the path is the filter)
    response = await client.delete(f"/projects/{one['id']}/tasks")
    assert response.status == 204
    rows = await stored(client, "writing_tasks")
    assert [row["id"] for row in rows] == [other["id"]]


async def test_created_outside_the_nested_path_is_located_under_it(serve_db):
    client = await serve_db(SPEC)
    project = await created(client, "/projects", {"name": "one"})
    response = await client.post("/tasks", json={"title": "a", "project_id": project["id"]})
    task = await response.json()
    assert response.headers["Location"] == f"/projects/{project['id']}/tasks/{task['id']}"

    await created(client, "/tasks", {"title": "b", "project_id": project["id"], "done": True})
    response = await client.delete("/tasks", params={"done": "true"})
    assert response.status == 204
    assert [row["title"] for row in await stored(client, "writing_tasks")] == ["a"]
