"""``fill_defaults``: body properties the client left out arrive with their schema ``default``."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from conftest import OK, document, problem

from openapi_aio.request.defaults import Defaults

H = "specs.uploads.handlers."
STR = {"type": "string"}

PET = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": STR,
        "kind": {"type": "string", "default": "dog"},
        "age": {"type": "integer", "default": 1},
        "nickname": {"type": "string", "nullable": True, "default": "buddy"},
        "tags": {"type": "array", "items": STR, "default": []},
        "owner": {"type": "object", "properties": {"city": {"type": "string", "default": "Paris"}, "name": STR}},
        "settings": {
            "type": "object",
            "default": {},
            "properties": {"public": {"type": "boolean", "default": False}},
        },
        "toys": {
            "type": "array",
            "items": {"type": "object", "properties": {"squeaks": {"type": "boolean", "default": True}}},
        },
        "id": {"type": "integer", "readOnly": True, "default": 0},
    },
}
COMPOSED = {
    "allOf": [
        {"type": "object", "properties": {"a": {"type": "integer", "default": 1}}},
        {"type": "object", "properties": {"b": {"type": "integer", "default": 2}}},
    ]
}
_operations = iter(range(1000))


def post(content: dict[str, Any], handler: str = "describe") -> dict[str, Any]:
    operation_id = f"{H}{handler}__{next(_operations)}"
    return {"post": {"operationId": operation_id, "requestBody": {"content": content}, "responses": OK}}


SPEC = document(
    {
        "/pets": post({"application/json": {"schema": PET}}),
        "/mutate": post({"application/json": {"schema": PET}}, handler="mutate"),
        "/composed": post({"application/json": {"schema": COMPOSED}}),
        "/tree": post({"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}),
        "/deep": post({"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}, handler="colors"),
        "/search": post(
            {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"q": STR, "page": {"type": "integer", "default": 1}},
                    }
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "q": STR,
                            "page": {"type": "integer", "default": 1},
                            "filter": {
                                "type": "object",
                                "properties": {"sort": {"type": "string", "default": "name"}},
                            },
                        },
                    }
                },
            }
        ),
    },
    components={
        "schemas": {
            "Node": {
                "type": "object",
                "properties": {
                    "color": {"type": "string", "default": "red"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            }
        }
    },
)


@pytest.fixture
async def filling(serve):
    return await serve(SPEC, fill_defaults=True)


async def ok(response: Any) -> Any:
    assert response.status == 200, await response.text()
    return await response.json()


async def test_off_by_default_the_body_arrives_as_sent(serve):
    client = await serve(SPEC)
    assert await ok(await client.post("/pets", json={"name": "rex"})) == {"body": {"name": "rex"}}


async def test_missing_properties_get_their_defaults_recursively(filling):
    sent = {"name": "rex", "owner": {"name": "ada"}, "toys": [{}, {"squeaks": False}]}
    assert (await ok(await filling.post("/pets", json=sent)))["body"] == {
        "name": "rex",
        "kind": "dog",
        "age": 1,
        "nickname": "buddy",
        "tags": [],
        "owner": {"name": "ada", "city": "Paris"},  # a nested object the client sent: filled in
        "settings": {"public": False},  # a default object, filled in as well
        "toys": [{"squeaks": True}, {"squeaks": False}],  # each item of an array
    }


async def test_what_the_client_sent_is_kept_even_null(filling):
    sent = {"name": "rex", "kind": "cat", "age": 7, "nickname": None, "settings": {"public": True}}
    body = (await ok(await filling.post("/pets", json=sent)))["body"]
    assert {key: body[key] for key in sent} == sent
    assert "owner" not in body  # an object without a default of its own is not created


async def test_read_only_properties_are_not_filled_in(filling):
    body = (await ok(await filling.post("/pets", json={"name": "rex"})))["body"]
    assert "id" not in body


async def test_defaults_are_copies(filling):
    for _ in range(2):  # the second time, after the handler changed its copies
        got = await ok(await filling.post("/mutate", json={"name": "rex"}))
        assert (got["tags"], got["settings"]) == ([], {"public": False})


async def test_required_properties_are_still_required(filling):
    body = await problem(await filling.post("/pets", json={"kind": "cat"}))
    [error] = body["errors"]
    assert "name" in error["pointer"] + error["message"]


async def test_all_of_members(filling):
    assert (await ok(await filling.post("/composed", json={"b": 5})))["body"] == {"a": 1, "b": 5}


async def test_recursive_schemas(filling):
    sent = {"children": [{"children": [{"color": "blue"}, {}]}]}
    assert (await ok(await filling.post("/tree", json=sent)))["body"] == {
        "color": "red",
        "children": [{"color": "red", "children": [{"color": "blue"}, {"color": "red"}]}],
    }


async def test_form_fields_get_defaults_as_body_and_as_arguments(filling):
    got = await ok(await filling.post("/search", data={"q": "rex"}))
    assert got == {"body": {"q": "rex", "page": 1}, "q": "rex", "page": 1}
    form = aiohttp.FormData()
    form.add_field("q", "rex")
    form.add_field("filter", "{}", content_type="application/json")
    got = await ok(await filling.post("/search", data=form))
    assert got["body"] == {"q": "rex", "filter": {"sort": "name"}, "page": 1}
    assert got["page"] == 1


def test_compiled_defaults_skip_schemas_without_any():
    assert Defaults.compile({"type": "object", "properties": {"a": STR, "b": {"items": STR}}}) is None
    assert Defaults.compile(True) is None
    defaults = Defaults.compile({"type": "array", "items": {"properties": {"n": {"default": 0}}}})
    assert defaults is not None
    items: list[Any] = [{}, {"n": 5}, "not an object"]
    defaults.fill(items)
    assert items == [{"n": 0}, {"n": 5}, "not an object"]


async def test_a_deeply_nested_body_is_filled(filling):
    depth = 450  # as deep as JSON parses, deeper than a recursive walk could go
    body = '{"children": [' * depth + '{"color": "blue"}' + "]}" * depth
    response = await filling.post("/deep", data=body, headers={"Content-Type": "application/json"})
    assert await ok(response) == {"colors": ["red"] * depth + ["blue"]}
