"""Mistakes in the database vocabulary (x-table, x-column, x-resource) stop the start-up with an
InvalidSpecification naming file#pointer and the problem; every mistake is reported at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from conftest import SPECS, document

import openapi_aio
from openapi_aio import InvalidSpecification

LIST = {"responses": {"200": {"description": "rows"}}}
BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
ITEM = {
    "type": "object",
    "x-table": "errors_items",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "colour": {"type": "string"},
    },
}


def valid() -> dict[str, Any]:
    return document(
        {
            "/items": {"x-resource": "Item", "get": copy.deepcopy(LIST)},
            "/items/{id}": {
                "x-resource": "Item",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "get": copy.deepcopy(LIST),
            },
        },
        components={"schemas": {"Item": copy.deepcopy(ITEM)}},
    )


def load(spec: Any) -> InvalidSpecification:
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), spec, datastore="sqlite:///unused.sqlite")
    return raised.value


def query(*parameters: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        spec["paths"]["/items"]["get"]["parameters"] = list(parameters)

    return change


def set_at(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``value`` at ``a/b/c`` (keys separated by '/'; '~1' is a '/' inside a key)."""

    def change(spec: dict[str, Any]) -> None:
        *parents, last = [key.replace("~1", "/") for key in path.split("/")]
        target = spec
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value

    return change


def without_id(spec: dict[str, Any]) -> None:
    del spec["components"]["schemas"]["Item"]["properties"]["id"]
    del spec["paths"]["/items/{id}"]


MISTAKES: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "unknown schema": (
        set_at("paths/~1items/x-resource", "Itme"),
        "#/paths/~1items/get",
        "'Itme' is not a schema with x-table",
    ),
    "no primary key": (without_id, "#/components/schemas/Item", "no primary key"),
    "unknown x-column key": (
        set_at("components/schemas/Item/properties/name/x-column", {"uniq": True}),
        "#/components/schemas/Item/properties/name/x-column",
        "unknown x-column key(s): uniq",
    ),
    "unknown referenced table": (
        set_at("components/schemas/Item/properties/colour/x-column", {"references": "errors_colours.id"}),
        "#/components/schemas/Item/properties/colour/x-column",
        "references unknown table 'errors_colours'",
    ),
    "POST on an item path": (
        set_at("paths/~1items~1{id}/post", {"requestBody": BODY, **LIST}),
        "#/paths/~1items~1{id}/post",
        "no CRUD behaviour for POST on an item path",
    ),
    "undeclared meaning of a query parameter": (
        query({"name": "color", "in": "query", "schema": {"type": "string"}}),
        "#/paths/~1items/get",
        "query parameter 'color' is neither a filter",
    ),
    "unknown operator": (
        query({"name": "name__startswith", "in": "query", "schema": {"type": "string"}}),
        "#/paths/~1items/get",
        "query parameter 'name__startswith' is neither a filter",
    ),
    "in filter not an array": (
        query({"name": "colour__in", "in": "query", "schema": {"type": "string"}}),
        "#/paths/~1items/get",
        "query parameter 'colour__in' must be an array",
    ),
    "order_by enum naming an unknown column": (
        query(
            {
                "name": "order_by",
                "in": "query",
                "schema": {"type": "array", "items": {"type": "string", "enum": ["name", "-name", "-size"]}},
            }
        ),
        "#/paths/~1items/get",
        "order_by value '-size' is not a sortable column of errors_items",
    ),
    "search without search columns": (
        query({"name": "search", "in": "query", "schema": {"type": "string"}}),
        "#/paths/~1items/get",
        "a 'search' parameter needs x-resource search: [columns to search]",
    ),
    "view that is not a CrudView": (
        set_at("paths/~1items/x-resource", {"schema": "Item", "view": "specs.resources_views.views.NotAView"}),
        "#/paths/~1items/get",
        "'specs.resources_views.views.NotAView' is not a subclass of openapi_aio.db.CrudView",
    ),
    "view that cannot be imported": (
        set_at("paths/~1items/x-resource", {"schema": "Item", "view": "specs.resources_views.nowhere.View"}),
        "#/paths/~1items/get",
        "specs.resources_views.nowhere",
    ),
}


def test_the_valid_document_loads():
    app = web.Application()
    openapi_aio.setup(app, valid(), datastore="sqlite:///unused.sqlite")


TABLE_MISTAKES = {"no primary key", "unknown x-column key"}
CONSEQUENCE = "x-resource: schema 'Item' cannot be served until the mistakes in its x-table are fixed"


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_names_its_place_and_problem(mistake):
    change, pointer, problem = MISTAKES[mistake]
    spec = valid()
    change(spec)
    error = load(spec)
    first, *others = (str(found) for found in error.errors)
    assert first.startswith(f"<document>{pointer}: "), str(error)
    assert problem in first
    if mistake in TABLE_MISTAKES:  # the schema's resources say why they are not served, no more
        assert others, str(error)
        assert all(CONSEQUENCE in line for line in others), str(error)
    else:
        assert others == [], str(error)


def test_every_mistake_is_reported_at_once():
    spec = valid()
    for name in ("unknown referenced table", "POST on an item path", "in filter not an array"):
        MISTAKES[name][0](spec)
    spec["components"]["schemas"]["Other"] = {
        "type": "object",
        "x-table": "errors_others",
        "properties": {"id": {"type": "integer", "x-column": {"primary": True}}},
    }
    spec["paths"]["/others"] = {
        "x-resource": {"schema": "Other", "view": "specs.resources_views.views.NotAView"},
        "get": LIST,
    }
    spec["paths"]["/ghosts"] = {"x-resource": "Ghost", "get": LIST}
    text = str(load(spec))
    expected = [
        ("#/components/schemas/Item/properties/colour/x-column", "references unknown table 'errors_colours'"),
        ("#/components/schemas/Other/properties/id/x-column", "unknown x-column key(s): primary"),
        ("#/paths/~1items~1{id}/post", "no CRUD behaviour for POST on an item path"),
        ("#/paths/~1items/get", "query parameter 'colour__in' must be an array"),
        ("#/paths/~1others/get", "schema 'Other' cannot be served"),
        ("#/paths/~1ghosts/get", "'Ghost' is not a schema with x-table (known: Item)"),
    ]
    assert f"({len(expected)} errors)" in text, text
    for pointer, problem in expected:
        assert any(f"<document>{pointer}: " in line and problem in line for line in text.splitlines()), (
            pointer,
            problem,
            text,
        )


def test_a_file_is_named_with_its_pointers():
    error = load(SPECS / "resources_views" / "broken.yaml")
    text = str(error)
    lines = text.splitlines()
    assert "broken.yaml: invalid OpenAPI document (4 errors)" in lines[0], text
    expected = [
        ("broken.yaml#/components/schemas/Orphan", "no primary key"),
        ("broken.yaml#/components/schemas/Item/properties/owner/x-column", "references unknown table 'errors_people'"),
        ("broken.yaml#/paths/~1items/get", "x-resource: order_by '-created' is not a sortable column"),
        ("broken.yaml#/paths/~1items~1{id}/put", "schema 'Orphan' cannot be served until the mistakes in its x-table"),
    ]
    for place, problem in expected:
        assert any(place + ": " in line and problem in line for line in lines), (place, problem, text)
