"""Resources answer what their schema says (issue 19, item 2), over real HTTP on SQLite and PostgreSQL.

- an optional member never given is left out, not ``null``, when its schema admits no null;
- sparse ``fields`` keep the required members (the answer is still a valid ``Task``);
- ``cursor=`` (empty) is the first page, and ``order_by=`` (the empty array) the default order;
- a nested collection whose parent does not exist is a 404 on GET as on POST.
"""

from __future__ import annotations

from typing import Any

from conftest import problem

TASK = {
    "type": "object",
    "x-table": "contract_tasks",
    "required": ["id", "project_id", "title"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "project_id": {"type": "integer", "readOnly": True, "x-column": {"references": "contract_projects.id"}},
        "title": {"type": "string"},
        "notes": {"type": "string", "nullable": True},
        "owner": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "done": {"type": "boolean", "default": False},
    },
}
PROJECT = {
    "type": "object",
    "x-table": "contract_projects",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
}
ONE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}, "description": "a task"}
MANY = {
    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}},
    "description": "tasks",
}
ORDER = {"type": "array", "items": {"type": "string", "enum": ["id", "-id", "title", "-title"]}}
FIELDS = {"type": "array", "items": {"type": "string"}}
PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
LIST_PARAMETERS = [
    {"name": "order_by", "in": "query", "explode": False, "schema": ORDER},
    {"name": "fields", "in": "query", "explode": False, "schema": FIELDS},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 2}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "contract", "version": "1"},
    "paths": {
        "/projects": {
            "x-resource": "Project",
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Project"}}}},
                "responses": {"201": {"description": "created"}},
            },
        },
        "/projects/{project_id}/tasks": {
            "x-resource": "Task",
            "parameters": [PROJECT_ID],
            "get": {"parameters": LIST_PARAMETERS, "responses": {"200": MANY}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}},
                "responses": {"201": ONE},
            },
        },
        "/tasks/{id}": {
            "x-resource": "Task",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": ONE}},
        },
    },
    "components": {"schemas": {"Task": TASK, "Project": PROJECT}},
}


async def project_with_tasks(serve_db: Any, *bodies: dict[str, Any]) -> tuple[Any, int, list[dict[str, Any]]]:
    client = await serve_db(SPEC)
    response = await client.post("/projects", json={"name": "alpha"})
    assert response.status == 201, await response.text()
    project = (await response.json())["id"]
    tasks = []
    for body in bodies:
        response = await client.post(f"/projects/{project}/tasks", json=body)
        assert response.status == 201, await response.text()
        tasks.append(await response.json())
    return client, project, tasks


async def test_an_optional_member_never_given_is_omitted_not_null(serve_db):
    client, project, [task, tagged] = await project_with_tasks(serve_db, {"title": "a"}, {"title": "b", "tags": []})
    expected = {"id": task["id"], "project_id": project, "title": "a", "notes": None, "done": False}
    assert task == expected  # no "tags": null, no "owner": null; notes admits null, done has its default
    assert await (await client.get(f"/tasks/{task['id']}")).json() == expected
    listed = await (await client.get(f"/projects/{project}/tasks", params={"order_by": "id"})).json()
    assert listed == [expected, {**expected, "id": tagged["id"], "title": "b", "tags": []}]


async def test_sparse_fields_keep_the_required_members(serve_db):
    client, project, tasks = await project_with_tasks(serve_db, {"title": "a", "owner": "ann"}, {"title": "b"})
    response = await client.get(f"/projects/{project}/tasks", params={"fields": "title", "order_by": "id"})
    assert await response.json() == [
        {"id": task["id"], "project_id": project, "title": task["title"]} for task in tasks
    ]
    response = await client.get(f"/projects/{project}/tasks", params={"fields": "owner", "order_by": "id"})
    assert await response.json() == [
        {"id": tasks[0]["id"], "project_id": project, "title": "a", "owner": "ann"},
        {"id": tasks[1]["id"], "project_id": project, "title": "b"},  # no owner: left out, not null
    ]


async def test_an_empty_cursor_and_an_empty_order_by_are_the_first_page_in_the_default_order(serve_db):
    """``order_by=`` is the empty array (form style, explode false): valid by the document's
    schema (no minItems), so the default order; schemathesis --checks all found the 400 (ST202)."""
    client, project, tasks = await project_with_tasks(serve_db, {"title": "a"}, {"title": "b"}, {"title": "c"})
    path = f"/projects/{project}/tasks"
    first = await (await client.get(path)).json()
    response = await client.get(path, params={"cursor": ""})
    assert response.status == 200, await response.text()
    assert await response.json() == first == tasks[:2]
    body = await problem(await client.get(path, params={"cursor": "not-one-of-ours"}), 404)
    assert [error["name"] for error in body["errors"]] == ["cursor"]
    unordered = await client.get(path, params={"order_by": ""})
    assert unordered.status == 200, await unordered.text()
    assert await unordered.json() == first


async def test_an_offset_beyond_64_bits_is_an_empty_page_not_a_400(serve_db):
    """The document gives ``offset`` no maximum: 2**63 is a valid request (it was a 400), and
    no table holds that many rows."""
    client, project, tasks = await project_with_tasks(serve_db, {"title": "a"})
    path = f"/projects/{project}/tasks"
    assert await (await client.get(path, params={"offset": str(2**63 - 1)})).json() == []
    for offset in (2**63, 10**30):
        response = await client.get(path, params={"offset": str(offset)})
        assert response.status == 200, await response.text()
        assert await response.json() == []
    assert await (await client.get(path, params={"offset": "0"})).json() == tasks


async def test_a_parent_that_does_not_exist_is_a_404_on_get_as_on_post(serve_db):
    client, project, _ = await project_with_tasks(serve_db)
    assert await (await client.get(f"/projects/{project}/tasks")).json() == []  # exists, no tasks yet
    body = await problem(await client.get(f"/projects/{project + 998}/tasks"), 404)
    assert "project_id" in body["detail"]
    body = await problem(await client.post(f"/projects/{project + 998}/tasks", json={"title": "lost"}), 404)
    assert "project_id" in body["detail"]
    assert await (await client.get(f"/projects/{project}/tasks")).json() == []
