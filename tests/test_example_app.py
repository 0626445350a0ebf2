"""The example task tracker, driven over HTTP as a user of the service would."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "example_app"
AUTH = {"Authorization": "Bearer demo-token"}


@pytest.fixture
async def client(aiohttp_client, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    spec = importlib.util.spec_from_file_location("example_main", EXAMPLE / "main.py")
    assert spec is not None
    assert spec.loader is not None
    main = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "example_main", main)  # App(__name__) finds its folder here
    spec.loader.exec_module(main)
    # A fresh store per test: the handlers keep tasks in module state.
    sys.modules.pop("tasks.api", None)
    return await aiohttp_client(main.create_app().web_app)


async def test_task_lifecycle(client):
    created = await client.post("/api/v1/tasks", json={"title": "write docs", "tags": ["docs"]}, headers=AUTH)
    assert created.status == 201
    task = await created.json()
    assert created.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert task["title"] == "write docs"
    assert task["done"] is False
    assert task["owner"] == "ada"

    listed = await client.get("/api/v1/tasks", params={"tag": "docs", "done": "false"})
    assert [t["id"] for t in await listed.json()] == [task["id"]]
    assert await (await client.get("/api/v1/tasks", params={"done": "true"})).json() == []

    assert (await (await client.get(f"/api/v1/tasks/{task['id']}")).json())["title"] == "write docs"
    assert (await client.delete(f"/api/v1/tasks/{task['id']}")).status == 401
    assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=AUTH)).status == 204
    missing = await client.get(f"/api/v1/tasks/{task['id']}")
    assert missing.status == 404
    assert (await missing.json())["detail"] == f"task {task['id']} does not exist"


async def test_bad_input_is_a_problem(client):
    response = await client.get("/api/v1/tasks/abc")
    assert response.status == 400
    assert (await response.json())["errors"] == [{"in": "path", "name": "taskId", "message": "must be an integer"}]
    wrong_type = await client.post("/api/v1/tasks", data="title=x", headers={**AUTH, "Content-Type": "text/plain"})
    assert wrong_type.status == 415


async def test_validated_body_and_custom_error_hook(client):
    response = await client.post(
        "/api/v1/tasks",
        json={"id": 7, "title": "", "priority": "urgent", "tags": ["Bad Tag"], "colour": "red"},
        headers=AUTH,
    )
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    # The hook keeps RFC 9457's members and the violations, and adds its own two.
    assert problem["instance"] == "/api/v1/tasks"
    assert problem["fields"] == {
        "id": ["is read-only and cannot be sent"],
        "title": ["must be at least 1 character long"],
        "priority": ["must be one of: low, normal, high"],
        "tags/0": ["must match the pattern ^[a-z0-9-]+$"],
        "colour": ["is not a known property"],
    }
    assert len(problem["errors"]) == 5
    assert problem["status"] == 400


async def test_writes_are_secured(client, monkeypatch):
    anonymous = await client.post("/api/v1/tasks", json={"title": "x"})
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    wrong = await client.post("/api/v1/tasks", json={"title": "x"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    assert "nope" not in await wrong.text()
    monkeypatch.setenv("TASKS_TOKENS", "reader-token=bob:tasks:read")
    reader = await client.post("/api/v1/tasks", json={"title": "x"}, headers={"Authorization": "Bearer reader-token"})
    assert reader.status == 403
    assert (await client.get("/api/v1/tasks")).status == 200  # reads are public
