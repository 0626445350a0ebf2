"""Request variants of schemas with required readOnly members, in the served document (issue 19,
item 3, first half): a client generated from the served document need not send ``id``."""

from __future__ import annotations

import copy

import jsonschema
from conftest import document
from example_server import EXAMPLE, create_example_app

AUTH = {"Authorization": "Bearer demo-token"}


def _validator(served: dict, name: str) -> jsonschema.Validator:
    return jsonschema.Draft202012Validator({"components": served["components"], "$ref": f"#/components/schemas/{name}"})


async def test_example_request_bodies_refer_to_a_variant_without_read_only_members(
    aiohttp_client, monkeypatch, tmp_path
):
    on_disk = (EXAMPLE / "openapi.yaml").read_bytes()
    client = await aiohttp_client(create_example_app(monkeypatch, tmp_path).web_app)
    served = await (await client.get("/api/v1/openapi.json")).json()
    schemas = served["components"]["schemas"]
    post = served["paths"]["/projects"]["post"]
    request_schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema == {"$ref": "#/components/schemas/ProjectInput"}
    assert schemas["ProjectInput"]["required"] == ["name"]
    assert "id" not in schemas["ProjectInput"]["properties"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Project"}
    assert "id" in schemas["Project"]["required"]  # responses still promise the id
    tasks_post = served["paths"]["/projects/{project_id}/tasks"]["post"]
    assert tasks_post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TaskInput"
    }
    assert not {"id", "version", "owner"} & set(schemas["TaskInput"].get("required", []))

    # a body that is valid by the request variant is accepted; the answer has the required id
    body = {"name": "docs"}
    _validator(served, "ProjectInput").validate(body)
    response = await client.post("/api/v1/projects", json=body, headers=AUTH)
    assert response.status == 201, await response.text()
    project = await response.json()
    assert set(schemas["Project"]["required"]) <= set(project)  # what responses promise is there
    task = {"title": "write"}
    _validator(served, "TaskInput").validate(task)
    response = await client.post(f"/api/v1/projects/{project['id']}/tasks", json=task, headers=AUTH)
    assert response.status == 201, await response.text()
    assert (EXAMPLE / "openapi.yaml").read_bytes() == on_disk


THING = {
    "type": "object",
    "required": ["id", "name", "secret"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "secret": {"type": "string", "writeOnly": True},
    },
}
PATHS = {
    "/things": {
        "post": {
            "operationId": "nowhere.create",
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Thing"},
                                {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                            ]
                        }
                    }
                }
            },
            "responses": {
                "201": {
                    "description": "made",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                }
            },
        }
    }
}


async def test_write_only_members_are_not_required_in_responses(serve):
    given = document(PATHS, components={"schemas": {"Thing": THING, "ThingInput": {"type": "string"}}})
    written = copy.deepcopy(given)
    client = await serve(given, stub=True)
    served = await (await client.get("/openapi.json")).json()
    schemas = served["components"]["schemas"]
    assert schemas["ThingInput"] == {"type": "string"}  # the author's name is not taken over
    assert schemas["ThingInput2"]["required"] == ["name", "secret"]
    assert schemas["Thing"]["required"] == ["id", "name"]
    branches = served["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert branches[0] == {"$ref": "#/components/schemas/ThingInput2"}
    assert branches[1]["items"] == {"$ref": "#/components/schemas/ThingInput2"}
    assert given == written  # the loaded document is not changed
    # the request is still checked against the document as written: an id sent is refused
    response = await client.post("/things", json={"id": 1, "name": "n", "secret": "s"})
    assert response.status == 400


async def test_a_schema_only_in_responses_is_left_alone(serve):
    paths = {
        "/things": {
            "get": {
                "operationId": "nowhere.list",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
    }
    client = await serve(document(paths, components={"schemas": {"Thing": THING}}), stub=True)
    served = await (await client.get("/openapi.json")).json()
    assert served["components"]["schemas"]["Thing"] == THING
    assert "ThingInput" not in served["components"]["schemas"]
