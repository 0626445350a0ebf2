"""Where a request's reach ends: an upsert never takes over a row outside the view's scope or
another parent's rows, and paging values out of range are the client's 400."""

from __future__ import annotations

from typing import Any

from conftest import document

ADA = {"X-User": "ada"}
BOB = {"X-User": "bob"}


def _body(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _integer(name: str, where: str = "path") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": {"type": "integer"}}


OK = {"responses": {"200": {"description": "ok"}, "201": {"description": "created"}}}
VIEW = "specs.resources_views.views.OwnerView"

SPEC = document(
    {
        "/notes": {
            "x-resource": {"schema": "Note", "view": VIEW, "upsert": True},
            "get": OK,
            "post": {"requestBody": _body("Note"), **OK},
        },
        "/notes/{id}": {
            "x-resource": {"schema": "Note", "view": VIEW, "upsert": True},
            "parameters": [_integer("id")],
            "get": OK,
            "put": {"requestBody": _body("Note"), **OK},
        },
        "/groups/{group_id}/items": {
            "x-resource": {"schema": "Item", "upsert": True},
            "parameters": [_integer("group_id")],
            "get": {"parameters": [_integer("offset", "query")], **OK},
            "post": {"requestBody": _body("Item"), **OK},
        },
        "/groups/{group_id}/items/{id}": {
            "x-resource": {"schema": "Item", "upsert": True},
            "parameters": [_integer("group_id"), _integer("id")],
            "get": OK,
            "put": {"requestBody": _body("Item"), **OK},
        },
    },
    components={
        "schemas": {
            "Note": {
                "type": "object",
                "x-table": "boundaries_notes",
                "required": ["title"],
                "properties": {
                    "id": {"type": "integer"},
                    "owner": {"type": "string", "readOnly": True},
                    "title": {"type": "string"},
                },
            },
            "Item": {
                "type": "object",
                "x-table": "boundaries_items",
                "properties": {
                    "id": {"type": "integer"},
                    "group_id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                },
            },
        }
    },
)


async def test_an_upsert_never_overwrites_a_row_outside_the_scope(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/notes", json={"id": 1, "title": "bob's"}, headers=BOB)
    assert response.status == 201, await response.text()

    # to ada, note 1 does not exist: creating it must not take bob's row over (a 404, as her GET)
    response = await client.post("/notes", json={"id": 1, "title": "ada's"}, headers=ADA)
    assert response.status == 404, await response.text()
    response = await client.put("/notes/1", json={"title": "ada's"}, headers=ADA)
    assert response.status == 404, await response.text()
    response = await client.get("/notes/1", headers=BOB)
    assert await response.json() == {"id": 1, "owner": "bob", "title": "bob's"}

    # within the scope, both upserts still update
    response = await client.post("/notes", json={"id": 1, "title": "bob's again"}, headers=BOB)
    assert response.status == 201, await response.text()
    assert (await response.json())["title"] == "bob's again"
    response = await client.put("/notes/1", json={"title": "bob's third"}, headers=BOB)
    assert response.status == 200, await response.text()
    assert (await response.json())["title"] == "bob's third"


async def test_an_upsert_never_moves_a_row_from_another_parent(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/groups/2/items", json={"id": 1, "name": "two's"})
    assert response.status == 201, await response.text()

    response = await client.post("/groups/1/items", json={"id": 1, "name": "one's"})
    assert response.status == 404, await response.text()
    response = await client.put("/groups/1/items/1", json={"name": "one's"})
    assert response.status == 404, await response.text()
    response = await client.get("/groups/2/items/1")
    assert await response.json() == {"id": 1, "group_id": 2, "name": "two's"}
    assert (await client.get("/groups/1/items/1")).status == 404

    response = await client.put("/groups/2/items/1", json={"name": "still two's"})
    assert response.status == 200, await response.text()
    assert await response.json() == {"id": 1, "group_id": 2, "name": "still two's"}


async def test_a_negative_offset_is_a_400(serve_db):
    client = await serve_db(SPEC)
    response = await client.get("/groups/1/items", params={"offset": "-1"})
    assert response.status == 400, await response.text()
    document = await response.json(content_type="application/problem+json")
    assert "offset" in document["detail"]
    response = await client.get("/groups/1/items", params={"offset": "0"})
    assert response.status == 200, await response.text()


async def test_put_may_repeat_the_key_but_never_change_it(serve_db):
    client = await serve_db(SPEC)
    for key in (1, 2):
        response = await client.post("/groups/1/items", json={"id": key, "name": f"item {key}"})
        assert response.status == 201, await response.text()
    response = await client.put("/groups/1/items/1", json={"id": 2, "name": "moved"})
    assert response.status == 422, await response.text()
    assert "/id" in await response.text()
    response = await client.put("/groups/1/items/1", json={"id": 1, "name": "renamed"})
    assert response.status == 200, await response.text()
    names = {row["id"]: row["name"] for row in await (await client.get("/groups/1/items")).json()}
    assert names == {1: "renamed", 2: "item 2"}
