"""A query parameter with one value given twice is a 400 naming it, never its first value.

``explode: false`` arrays are one delimited value (``?ids=1,2``); ``?ids=1&ids=2`` used to read as
``[1]`` and drop ``2`` without a word (issue 19). The same holds for primitives and non-exploded
objects; exploded arrays (``?ids=1&ids=2``) are the form that repeats, and still do.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import OK, document, problem
from helpers import received, typed

H = "specs.parameters.handlers.echo"
INTS = {"type": "array", "items": {"type": "integer"}}
RGB = {"type": "object", "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}}}


def operation(name: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"operationId": f"{H}__{name}", "parameters": list(parameters), "responses": OK}}


SPEC = document(
    {
        "/csv": operation("csv", {"name": "ids", "in": "query", "explode": False, "schema": INTS}),
        "/pipes": operation(
            "pipes", {"name": "ids", "in": "query", "style": "pipeDelimited", "explode": False, "schema": INTS}
        ),
        "/exploded": operation("exploded", {"name": "ids", "in": "query", "schema": INTS}),
        "/one": operation("one", {"name": "limit", "in": "query", "schema": {"type": "integer"}}),
        "/text": operation("text", {"name": "q", "in": "query", "schema": {"type": "string"}}),
        "/object": operation("object", {"name": "rgb", "in": "query", "explode": False, "schema": RGB}),
    }
)


@pytest.fixture
async def client(serve: Any) -> Any:
    return await serve(SPEC)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/csv?ids=1&ids=2", "ids"),
        ("/csv?ids=1,2&ids=3", "ids"),
        ("/pipes?ids=1|2&ids=3", "ids"),
        ("/one?limit=1&limit=2", "limit"),
        ("/one?limit=1&limit=1", "limit"),  # the same value twice is still two values
        ("/text?q=a&q=b", "q"),
        ("/object?rgb=R,1&rgb=G,2", "rgb"),
    ],
)
async def test_a_single_valued_query_parameter_given_twice_is_a_400_naming_it(client, url, name):
    body = await problem(await client.get(url))
    assert [error["name"] for error in body["errors"]] == [name]
    assert "given 2 times" in body["errors"][0]["message"]


async def test_once_is_read_as_before_and_exploded_arrays_still_repeat(client):
    assert await received(await client.get("/csv?ids=1,2")) == typed({"ids": [1, 2]})
    assert await received(await client.get("/pipes?ids=1|2")) == typed({"ids": [1, 2]})
    assert await received(await client.get("/one?limit=7")) == typed({"limit": 7})
    assert await received(await client.get("/exploded?ids=1&ids=2")) == typed({"ids": [1, 2]})
    assert await received(await client.get("/object?rgb=R,1,G,2")) == typed({"rgb": {"R": 1, "G": 2}})
