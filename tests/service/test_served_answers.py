"""The served document lists the answers the framework itself makes (issue 19, item 1).

Each test fetches the served document of a real app, provokes framework-made answers over HTTP
and checks that the operation documents that status as ``application/problem+json`` with a
schema the body validates against. Before: none of these statuses was in the served document
(a contract tester's "undocumented status").
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import yaml
from conftest import SPECS, document
from example_server import EXAMPLE, create_example_app

from openapi_aio.pipeline.problems import PROBLEM_MEDIA_TYPE

AUTH = {"Authorization": "Bearer demo-token"}
WRITING = "resources_writing/openapi.yaml"
H = "specs.faults.handlers."


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` points at."""
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


async def documented(served: dict[str, Any], path: str, method: str, response: Any) -> dict[str, Any]:
    """Check that ``response`` (a problem) is documented for the operation and validates against
    the documented schema; return the documented response object."""
    body = json.loads(await response.text())
    status = str(response.status)
    responses = served["paths"][path][method]["responses"]
    assert status in responses, f"{method.upper()} {path}: {status} not documented ({sorted(responses)})"
    documented_response = _resolve(served, responses[status])
    if "swagger" in served:
        schema = documented_response["schema"]
        assert response.content_type == PROBLEM_MEDIA_TYPE
        root = {"definitions": served["definitions"]}
    else:
        media = documented_response["content"]
        assert response.content_type in media, (response.content_type, sorted(media))
        schema = media[response.content_type]["schema"]
        root = {"components": served["components"]}
    jsonschema.Draft202012Validator({**root, **schema}).validate(body)  # the root holds $ref targets
    for header in documented_response.get("headers", {}):
        assert header in response.headers, f"{status} documents {header} but did not send it"
    return documented_response


async def test_database_resource_answers_are_documented(serve_db):
    """400/404/409/412/413/415/422, provoked on a resource with no error response declared,
    on SQLite and on PostgreSQL."""
    client = await serve_db(WRITING, client_max_size=200)
    served = await (await client.get("/openapi.json")).json()
    assert served["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]

    project = await (await client.post("/projects", json={"name": "alpha"})).json()
    item = f"/projects/{project['id']}"
    provoked = [
        ("/projects", "post", await client.post("/projects", json={"name": "alpha"}), 409),
        ("/projects", "post", await client.post("/projects", data=b"x", headers={"Content-Type": "text/plain"}), 415),
        ("/projects", "post", await client.post("/projects", json={"name": "x" * 300}), 413),
        ("/projects/{id}", "get", await client.get("/projects/98765"), 404),
        ("/projects/{id}", "patch", await client.patch(item, json={}, headers={"If-Match": '"99"'}), 412),
        ("/projects/{id}", "delete", await client.delete(item, headers={"If-Match": '"99"'}), 412),
        ("/tasks", "post", await client.post("/tasks", json={"title": "t", "project_id": 12345}), 422),
        ("/tasks", "post", await client.post("/tasks", json={"title": "t", "project_id": 10**20}), 400),
    ]
    for path, method, response, status in provoked:
        assert response.status == status, (path, method, await response.text())
        answer = await documented(served, path, method, response)
        assert answer["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
    # only what can happen there: no security on these operations, no body on a GET
    assert not {"401", "403", "413", "415"} & set(served["paths"]["/projects/{id}"]["get"]["responses"])
    # the author's own answers are as written
    assert served["paths"]["/projects"]["get"]["responses"]["200"] == {"description": "the projects"}


async def test_example_app_documents_what_it_answers(aiohttp_client, monkeypatch, tmp_path):
    """The example app: 400 (a query parameter out of range, a websocket without Upgrade), 401
    with its challenge, 403 (a token without the scope), 415; the 404 the author declared stays
    the author's."""
    monkeypatch.setenv("TASKS_TOKENS", "demo-token=ada:tasks:write,reader=bob:tasks:read")
    on_disk = (EXAMPLE / "openapi.yaml").read_bytes()
    client = await aiohttp_client(create_example_app(monkeypatch, tmp_path).web_app)
    served = await (await client.get("/api/v1/openapi.json")).json()
    # the author has a Problem schema of their own: ours is added beside it under a free name
    assert served["components"]["schemas"]["Problem2"]["properties"]["errors"]["type"] == "array"

    created = await client.post("/api/v1/projects", json={"name": "docs"}, headers=AUTH)
    assert created.status == 201
    plain = {**AUTH, "Content-Type": "text/plain"}
    provoked = [
        ("/projects", "get", await client.get("/api/v1/projects", params={"limit": "0"}), 400),
        ("/projects", "post", await client.post("/api/v1/projects", json={"name": "x"}), 401),
        ("/projects", "post", await client.post("/api/v1/projects", json={"name": "x"}, headers=_bearer("nope")), 401),
        (
            "/projects",
            "post",
            await client.post("/api/v1/projects", json={"name": "x"}, headers=_bearer("reader")),
            403,
        ),
        ("/projects", "post", await client.post("/api/v1/projects", data=b"x", headers=plain), 415),
        ("/projects/{project_id}", "get", await client.get("/api/v1/projects/98765"), 404),
        ("/live", "get", await client.get("/api/v1/live"), 400),  # a websocket, asked without Upgrade
    ]
    for path, method, response, status in provoked:
        assert response.status == status, (path, method, await response.text())
        await documented(served, path, method, response)
    post = served["paths"]["/projects"]["post"]["responses"]
    assert post["401"]["headers"]["WWW-Authenticate"]["schema"] == {"type": "string"}
    assert post["409"] == {"$ref": "#/components/responses/Problem"}  # declared: left as written
    get_one = served["paths"]["/projects/{project_id}"]["get"]["responses"]
    assert get_one["404"] == {"$ref": "#/components/responses/Problem"}
    assert (EXAMPLE / "openapi.yaml").read_bytes() == on_disk
    assert "400" not in yaml.safe_load(on_disk)["paths"]["/projects"]["get"]["responses"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SWAGGER2 = document(
    {
        "/items/{id}": {
            "get": {
                "operationId": "nowhere.get_item",
                "security": [{"key": []}],
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "type": "integer"},
                    {"name": "limit", "in": "query", "type": "integer", "minimum": 1},
                ],
                "responses": {"200": {"description": "the item"}},
            }
        }
    },
    version="2.0",
    securityDefinitions={"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
)


async def test_swagger_2_documents_get_them_in_their_own_shape(serve):
    """A Swagger 2 document: ``schema`` beside the description, the header's ``type``, the
    Problem schema in ``definitions``; the mapping given to the app is not changed."""
    given = copy.deepcopy(SWAGGER2)
    client = await serve(given, stub=True)
    served = await (await client.get("/swagger.json")).json()
    assert served["definitions"]["Problem"]["properties"]["status"] == {
        "type": "integer",
        "description": "The HTTP status code.",
    }
    key = {"X-Key": "k"}
    provoked = [
        (await client.get("/items/1"), 401),
        (await client.get("/items/1", params={"limit": "0"}, headers=key), 400),
        (await client.get("/items/1", headers=key), 501),
    ]
    for response, status in provoked:
        assert response.status == status, await response.text()
        answer = await documented(served, "/items/{id}", "get", response)
        assert answer["schema"] == {"$ref": "#/definitions/Problem"}
    responses = served["paths"]["/items/{id}"]["get"]["responses"]
    assert responses["401"]["headers"]["WWW-Authenticate"]["type"] == "string"
    assert sorted(responses) == ["200", "400", "401", "403", "404", "414", "501"]
    assert given == SWAGGER2


async def test_time_limits_and_negotiation_are_documented(serve):
    """504 where a time limit applies (x-timeout), 406 where the operation offers several media
    types; neither where it cannot happen."""
    seconds = {"name": "seconds", "in": "query", "required": True, "schema": {"type": "number"}}
    two_types = {"application/json": {}, "text/csv": {}}
    paths = {
        "/slow": {
            "get": {
                "operationId": H + "slow",
                "parameters": [seconds],
                "x-timeout": 0.2,
                "responses": {"200": {"description": "slept", "content": two_types}},
            }
        },
        "/unlimited": {
            "get": {"operationId": H + "slow_too", "parameters": [seconds], "responses": {"200": {"description": "ok"}}}
        },
    }
    client = await serve(document(paths))
    served = await (await client.get("/openapi.json")).json()
    response = await client.get("/slow", params={"seconds": "5"})
    assert response.status == 504
    await documented(served, "/slow", "get", response)
    response = await client.get("/slow", params={"seconds": "0"}, headers={"Accept": "image/png"})
    assert response.status == 406, await response.text()
    await documented(served, "/slow", "get", response)
    assert sorted(served["paths"]["/unlimited"]["get"]["responses"]) == ["200", "400", "414"]


async def test_declared_statuses_and_ranges_are_left_alone(serve):
    """A status the author declared, or its range (``4XX``), is the author's: nothing added."""
    paths = {
        "/items/{id}": {
            "get": {
                "operationId": "nowhere.get_item",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}, "4XX": {"description": "mine"}},
            }
        }
    }
    client = await serve(document(paths), stub=True)
    served = await (await client.get("/openapi.json")).json()
    assert served["paths"]["/items/{id}"]["get"]["responses"] == {
        **paths["/items/{id}"]["get"]["responses"],
        "501": served["paths"]["/items/{id}"]["get"]["responses"]["501"],
    }
    response = await client.get("/items/x")
    assert response.status == 400  # answered, and documented by the author's 4XX


async def test_the_option_off_serves_the_responses_as_written(serve):
    client = await serve(copy.deepcopy(SWAGGER2), stub=True, document_framework_answers=False)
    served = await (await client.get("/swagger.json")).json()
    assert served["paths"] == SWAGGER2["paths"]
    assert "definitions" not in served
    text = await (await client.get("/swagger.yaml")).text()
    assert yaml.safe_load(text)["paths"] == SWAGGER2["paths"]


async def test_the_yaml_form_has_them_too(serve):
    """Both served forms come from the one document; the YAML one has no anchors or aliases
    (the added responses share no objects)."""
    client = await serve(copy.deepcopy(SWAGGER2), stub=True)
    text = await (await client.get("/swagger.yaml")).text()
    assert "&id" not in text
    assert "*id" not in text
    served = yaml.safe_load(text)
    assert served == await (await client.get("/swagger.json")).json()
    assert sorted(served["paths"]["/items/{id}"]["get"]["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "414",
        "501",
    ]


async def test_what_the_tables_cannot_hold_is_in_the_served_schemas(serve_db):
    """Values the document as written allows and the columns cannot keep (an integer past its
    column's type, a NUL in text) are refused with a 400; the served document says so, in the
    table's schema and in a body schema of the same columns (ProjectPatch), and the file is not
    changed. Each limit is checked both ways over HTTP: at the bound accepted, past it refused."""
    client = await serve_db(WRITING)
    served = await (await client.get("/openapi.json")).json()
    schemas = served["components"]["schemas"]
    task = schemas["Task"]["properties"]
    assert (task["project_id"]["minimum"], task["project_id"]["maximum"]) == (-(2**31), 2**31 - 1)
    assert task["title"]["pattern"] == "^[^\\u0000]*$"
    assert (schemas["Project"]["properties"]["id"]["maximum"]) == 2**63 - 1  # format: int64
    assert schemas["ProjectPatch"]["properties"]["description"]["pattern"] == "^[^\\u0000]*$"
    assert "pattern" not in schemas["ProjectPatch"]["properties"]["status"]  # an enum holds no NUL
    delete = {p["name"]: p for p in served["paths"]["/projects"]["delete"]["parameters"]}
    assert delete["name__like"]["schema"]["pattern"] == "^[^\\u0000]*$"
    on_disk = yaml.safe_load((SPECS / WRITING).read_text())
    assert "pattern" not in on_disk["components"]["schemas"]["Task"]["properties"]["title"]

    project = await (await client.post("/projects", json={"name": "limits"})).json()
    nul = await client.patch(f"/projects/{project['id']}", json={"description": "a\u0000b"})
    assert nul.status == 400, await nul.text()
    assert not jsonschema.Draft4Validator(schemas["ProjectPatch"]).is_valid({"description": "a\u0000b"})
    assert (await client.patch(f"/projects/{project['id']}", json={"description": "ab"})).status == 200
    tasks = f"/projects/{project['id']}/tasks"
    past = await client.post(tasks, json={"title": "t", "project_id": 2**31})
    assert past.status == 400, await past.text()
    assert not jsonschema.Draft4Validator(task["project_id"]).is_valid(2**31)
    assert (await client.delete("/projects", params={"name__like": "a\u0000"})).status == 400


async def test_resource_query_parameters_say_what_the_resource_accepts(serve_db):
    """``fields`` without an enum gets the names the resource accepts, integer filters their
    column's bounds, string filters the no-NUL pattern; each checked against the server: every
    listed name and bound is accepted, a name outside and a value past a bound refused."""
    client = await serve_db("resources_reading/openapi.yaml")
    served = await (await client.get("/openapi.json")).json()
    parameters = {p["name"]: p["schema"] for p in served["paths"]["/pets"]["get"]["parameters"] if "name" in p}
    names = parameters["fields"]["items"]["enum"]
    assert "id" in names
    assert (await client.get("/pets", params={"fields": ",".join(names)})).status == 200
    assert (await client.get("/pets", params={"fields": "id,nope"})).status == 400
    low, high = parameters["age__lt"]["minimum"], parameters["age__lt"]["maximum"]
    assert parameters["id__in"]["items"]["maximum"] == high
    for value in (low, high):
        assert (await client.get("/pets", params={"age__lt": value})).status == 200
    for value in (low - 1, high + 1):
        assert (await client.get("/pets", params={"age__lt": value})).status == 400
    assert parameters["name__like"]["pattern"] == "^[^\\u0000]*$"
    assert parameters["name__in"]["items"]["pattern"] == "^[^\\u0000]*$"
    assert "pattern" not in parameters["born"]  # a date holds no NUL already
