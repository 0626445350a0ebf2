"""The example task tracker, driven over HTTP as a user of the service would.

Each test gets a fresh SQLite database in its temporary folder.
"""

from __future__ import annotations

import re

import pytest
from example_server import create_example_app

from openapi_aio import ApiError

AUTH = {"Authorization": "Bearer demo-token"}


@pytest.fixture
def example_app(monkeypatch, tmp_path):
    """The example's App on a fresh SQLite file (not yet served)."""
    return create_example_app(monkeypatch, tmp_path)


@pytest.fixture
async def client(aiohttp_client, example_app):
    return await aiohttp_client(example_app.web_app)


async def new_project(client, name="docs"):
    response = await client.post("/api/v1/projects", json={"name": name}, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


async def new_task(client, project, **values):
    response = await client.post(f"/api/v1/projects/{project['id']}/tasks", json=values, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_task_lifecycle(client):
    project = await new_project(client)
    created = await client.post(
        f"/api/v1/projects/{project['id']}/tasks", json={"title": "write docs", "tags": ["docs"]}, headers=AUTH
    )
    assert created.status == 201
    task = await created.json()
    assert created.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert created.headers["ETag"] == '"1"'
    assert task["title"] == "write docs"
    assert task["project_id"] == project["id"]
    assert task["done"] is False
    assert task["priority"] == "normal"
    assert task["owner"] == "ada"  # TaskView.before_create, from the token
    assert task["url"] == f"/api/v1/tasks/{task['id']}"  # TaskView.serialize

    listed = await client.get("/api/v1/tasks", params={"project_id": project["id"], "done": "false"})
    assert [t["id"] for t in await listed.json()] == [task["id"]]
    assert await (await client.get("/api/v1/tasks", params={"done": "true"})).json() == []
    nested = await client.get(f"/api/v1/projects/{project['id']}/tasks")
    assert [t["id"] for t in await nested.json()] == [task["id"]]

    assert (await (await client.get(f"/api/v1/tasks/{task['id']}")).json())["title"] == "write docs"
    assert (await client.delete(f"/api/v1/tasks/{task['id']}")).status == 401
    assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=AUTH)).status == 204
    missing = await client.get(f"/api/v1/tasks/{task['id']}")
    assert missing.status == 404
    assert (await missing.json())["detail"] == f"no Task with id {task['id']}"


async def test_merge_patch_and_versions(client):
    task = await new_task(client, await new_project(client), title="review", tags=["a"])
    url = f"/api/v1/tasks/{task['id']}"
    patch = {**AUTH, "Content-Type": "application/merge-patch+json"}
    changed = await client.patch(url, data='{"done": true, "due": "2030-01-31"}', headers={**patch, "If-Match": '"1"'})
    assert changed.status == 200, await changed.text()
    assert changed.headers["ETag"] == '"2"'
    body = await changed.json()
    assert (body["done"], body["due"], body["title"], body["tags"]) == (True, "2030-01-31", "review", ["a"])
    stale = await client.patch(url, data='{"title": "x"}', headers={**patch, "If-Match": '"1"'})
    assert stale.status == 412
    assert (await client.get(url, headers={"If-None-Match": '"2"'})).status == 304
    cleared = await client.patch(url, data='{"due": null}', headers=patch)
    assert (await cleared.json())["due"] is None
    # the document names RFC 7396's media type only (one, so that generated clients handle it)
    assert (await client.patch(url, json={"due": None}, headers=AUTH)).status == 415


async def test_filters_order_and_pages(client):
    project = await new_project(client)
    for title, priority, due in [("a", "low", "2020-01-01"), ("b", "high", None), ("c", "high", "2999-01-01")]:
        await new_task(client, project, title=title, priority=priority, due=due)

    def titles(tasks):
        return [t["title"] for t in tasks]

    high = await client.get("/api/v1/tasks", params={"priority__in": "high,normal", "order_by": "-title"})
    assert titles(await high.json()) == ["c", "b"]
    assert titles(await (await client.get("/api/v1/tasks", params={"overdue": "true"})).json()) == ["a"]
    assert titles(await (await client.get("/api/v1/tasks", params={"due__lt": "2500-01-01"})).json()) == ["a"]
    assert titles(await (await client.get("/api/v1/tasks", params={"search": "B"})).json()) == ["b"]

    first = await client.get("/api/v1/tasks", params={"limit": "2", "count": "true", "fields": "id,title"})
    assert first.headers["X-Total-Count"] == "3"
    assert [{"id": task["id"], "title": task["title"]} for task in await first.json()] == [
        {"id": 1, "title": "a"},
        {"id": 2, "title": "b"},
    ]
    assert {"project_id", "created", "version"} <= set((await first.json())[0])  # required: kept
    next_page = first.links["next"]["url"].path_qs  # a cursor: /tasks declares one
    assert "cursor=" in next_page
    assert titles(await (await client.get(next_page)).json()) == ["c"]

    unknown = await client.get("/api/v1/tasks", params={"colour": "red"})
    assert unknown.status == 400
    bad_order = await client.get("/api/v1/tasks", params={"order_by": "owner"})
    assert bad_order.status == 400


async def test_related_rows_in_one_call(client):
    """/tasks?embed=project and /projects?embed=tasks (the 5 newest tasks of each project)."""
    docs, empty = await new_project(client, "docs"), await new_project(client, "empty")
    for number in range(7):
        await new_task(client, docs, title=f"task {number}")
    tasks = await (await client.get("/api/v1/tasks", params={"embed": "project", "limit": "3"})).json()
    assert [task["project"] for task in tasks] == [docs, docs, docs]
    sparse = await client.get("/api/v1/tasks", params={"fields": "title,project.name", "limit": "1"})
    assert (await sparse.json())[0]["project"] == {"id": docs["id"], "name": "docs"}
    matching = await client.get("/api/v1/tasks", params={"project.name__ilike": "DO*", "count": "true"})
    assert matching.headers["X-Total-Count"] == "7"
    none = await client.get("/api/v1/tasks", params={"project.name__ilike": "emp*"})
    assert await none.json() == []
    projects = await (await client.get("/api/v1/projects", params={"embed": "tasks"})).json()
    assert [project["name"] for project in projects] == ["docs", "empty"]
    assert [task["title"] for task in projects[0]["tasks"]] == [f"task {n}" for n in (6, 5, 4, 3, 2)]
    assert projects[0]["tasks"][0]["url"].startswith("/api/v1/tasks/")  # TaskView.serialize
    assert projects[1]["tasks"] == []
    assert empty["id"] == projects[1]["id"]


async def test_database_constraints_are_problems(client):
    project = await new_project(client, "same")
    again = await client.post("/api/v1/projects", json={"name": "same"}, headers=AUTH)
    assert again.status == 409
    assert again.content_type == "application/problem+json"
    nowhere = await client.post("/api/v1/projects/999/tasks", json={"title": "lost"}, headers=AUTH)
    assert nowhere.status == 404  # as GET on /projects/999/tasks
    await new_task(client, project, title="goes with its project")
    assert (await client.delete(f"/api/v1/projects/{project['id']}", headers=AUTH)).status == 204
    assert await (await client.get("/api/v1/tasks")).json() == []  # on_delete: cascade


async def test_handler_next_to_resources(client):
    project = await new_project(client)
    await new_task(client, project, title="open")
    await new_task(client, project, title="closed", done=True)
    stats = await client.get("/api/v1/stats")
    assert await stats.json() == {"projects": 1, "open": 1, "done": 1, "next_due": None}
    later = await new_task(client, project, title="later", due="2030-02-01")
    soon = await new_task(client, project, title="soon", due="2030-01-01")
    await new_task(client, project, title="done first", due="2029-01-01", done=True)
    next_due = (await (await client.get("/api/v1/stats")).json())["next_due"]
    assert next_due == {"id": soon["id"], "title": "soon", "due": "2030-01-01"}
    assert later["id"] != soon["id"]
    assert (await (await client.get("/api/v1/health")).json())["status"] == "ok"


async def test_bad_input_is_a_problem(client):
    response = await client.get("/api/v1/tasks/abc")
    assert response.status == 400
    assert (await response.json())["errors"] == [{"in": "path", "name": "taskId", "message": "must be an integer"}]
    wrong_type = await client.post(
        "/api/v1/projects/1/tasks", data="title=x", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert wrong_type.status == 415


async def test_validated_body_and_custom_error_hook(client):
    project = await new_project(client)
    response = await client.post(
        f"/api/v1/projects/{project['id']}/tasks",
        json={"id": 7, "title": "", "priority": "urgent", "tags": ["Bad Tag"], "colour": "red"},
        headers=AUTH,
    )
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    # The hook keeps RFC 9457's members and the violations, and adds its own two.
    assert problem["instance"] == f"/api/v1/projects/{project['id']}/tasks"
    assert problem["fields"] == {  # "id" is readOnly: ignored (dropped), not a violation
        "title": ["must be at least 1 character long"],
        "priority": ["must be one of: low, normal, high"],
        "tags/0": ["must match the pattern ^[a-z0-9-]+$"],
        "colour": ["is not a known property"],
    }
    assert len(problem["errors"]) == 4
    assert problem["status"] == 400


async def test_writes_are_secured(client, monkeypatch):
    anonymous = await client.post("/api/v1/projects", json={"name": "x"})
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    wrong = await client.post("/api/v1/projects", json={"name": "x"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    assert "nope" not in await wrong.text()
    monkeypatch.setenv("TASKS_TOKENS", "reader-token=bob:tasks:read")
    reader = await client.post("/api/v1/projects", json={"name": "x"}, headers={"Authorization": "Bearer reader-token"})
    assert reader.status == 403
    assert (await client.get("/api/v1/projects")).status == 200  # reads are public
    assert (await client.get("/api/v1/tasks")).status == 200


async def live(client):
    """A websocket client of the example's /live endpoint (openapi_aio's own asyncio client)."""
    from openapi_aio.ws.client import Client

    return await Client.connect(str(client.make_url("/api/v1/live")))


async def test_task_changes_are_pushed_live(client):
    project = await new_project(client)
    async with await live(client) as socket:  # public, like every read: no token needed
        assert await socket.subscribe("tasks") == {"channel": "tasks", "event": "*"}
        task = await new_task(client, project, title="watch me")
        created = await socket.receive(timeout=5)
        assert created == {"channel": "tasks", "event": "created", "data": task}  # the row as REST gave it

        merge = {**AUTH, "Content-Type": "application/merge-patch+json"}
        patched = await client.patch(f"/api/v1/tasks/{task['id']}", data='{"done": true}', headers=merge)
        assert patched.status == 200
        updated = await socket.receive(timeout=5)
        assert (updated["event"], updated["data"]) == ("updated", await patched.json())

        assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=AUTH)).status == 204
        deleted = await socket.receive(timeout=5)
        assert (deleted["event"], deleted["data"]["id"], deleted["data"]["done"]) == ("deleted", task["id"], True)


async def test_live_channel_rules(client):
    from openapi_aio.ws.client import RpcError

    async with await live(client) as socket:
        await socket.subscribe("tasks", "deleted")  # a glob pattern on the event: only deletions
        project = await new_project(client)
        task = await new_task(client, project, title="short-lived")
        await client.delete(f"/api/v1/tasks/{task['id']}", headers=AUTH)
        assert (await socket.receive(timeout=5))["event"] == "deleted"  # "created" was not sent

        with pytest.raises(RpcError) as refused:  # only the server publishes on `tasks`
            await socket.publish("tasks", "created", {"id": 1})
        assert refused.value.status == 403
        with pytest.raises(RpcError) as unknown:
            await socket.subscribe("projects")
        assert unknown.value.status == 404


async def test_rpc_method_reads_the_database(client):
    from openapi_aio.ws.client import RpcError

    first, second = await new_project(client, "one"), await new_project(client, "two")
    await new_task(client, first, title="open")
    await new_task(client, first, title="closed", done=True)
    await new_task(client, second, title="elsewhere")
    async with await live(client) as socket:
        assert await socket.call("count_open_tasks", {}) == {"open": 2}
        assert await socket.call("count_open_tasks", {"project_id": first["id"]}) == {"open": 1}
        with pytest.raises(RpcError) as invalid:  # validated against the payload schema
            await socket.call("count_open_tasks", {"project_id": "one"})
        assert invalid.value.status == 400
        assert invalid.value.problem["errors"] == [
            {"in": "body", "pointer": "/project_id", "message": "must be an integer"}
        ]
        assert await socket.call("count_open_tasks", {}) == {"open": 2}  # the socket stays open


# --- the same service through the test helpers: a client made from its own document -----------


async def test_projects_and_tasks_through_the_generated_client(api_client, example_app):
    client = await api_client(example_app, auth={"bearer": "demo-token"})
    project = await client.createProject(body={"name": "helpers"})
    task = await client.createTask(project_id=project["id"], body={"title": "try api_client", "priority": "high"})
    assert task["owner"] == "ada"
    assert [row["id"] for row in await client.listTasks(priority__in=["high"])] == [task["id"]]
    updated = await client.updateTask(taskId=task["id"], body={"done": True})
    assert updated["done"] is True
    assert (await client.getTask.raw(taskId=task["id"])).headers["ETag"] == '"2"'


async def test_problems_arrive_as_api_errors(api_client, example_app):
    client = await api_client(example_app)  # no credentials
    with pytest.raises(ApiError) as unauthorized:
        await client.createProject(body={"name": "nope"})
    assert unauthorized.value.status == 401
    with pytest.raises(ApiError) as missing:
        await client.getTask(taskId=999)
    assert missing.value.status == 404
    assert "999" in (missing.value.detail or "")


def _counts(text: str) -> dict[str, float]:
    """The request counters of a /metrics text, by their label set."""
    found = re.findall(r"^openapi_aio_requests_total(\{[^}]*\}) ([0-9.e+]+)$", text, re.MULTILINE)
    return {labels: float(value) for labels, value in found}


async def test_metrics_count_the_example_operations(client):
    """The example enables /metrics (issue 21): each operation counted by its operationId and
    status (the counters are the process's: compared before and after)."""
    before = _counts(await (await client.get("/metrics")).text())
    project = await new_project(client)
    assert (await client.get(f"/api/v1/projects/{project['id']}")).status == 200
    assert (await client.get("/api/v1/projects/987654")).status == 404
    after = _counts(await (await client.get("/metrics")).text())
    for labels in (
        '{method="GET",operation_id="getProject",status="200"}',
        '{method="GET",operation_id="getProject",status="404"}',
        '{method="POST",operation_id="createProject",status="201"}',
    ):
        assert after.get(labels, 0) - before.get(labels, 0) == 1, (labels, after)
