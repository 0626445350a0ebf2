"""``strict_validation``: query parameters and form fields the operation does not declare are a 400.

Every unknown name is listed, one ``errors`` entry each. Known names are compiled at start-up from
the declared query parameters (a deepObject ``filter`` owns ``filter[...]``, an exploded object
its properties, a free-form one any name) and from the form schema's properties.
"""

from __future__ import annotations

import aiohttp
import pytest
from conftest import OK, document, problem
from helpers import part, raw_form

from openapi_aio.request import forms
from openapi_aio.request.uploads import spooled_file

H = "specs.uploads.handlers."
INT = {"type": "integer"}
STR = {"type": "string"}
RGB = {"type": "object", "properties": {"R": INT, "G": INT, "B": INT}}
FORM = {"type": "object", "properties": {"name": STR, "count": INT}}


def operation(name: str, parameters: tuple = (), body: dict | None = None) -> dict:
    result = {"operationId": H + "describe__" + name, "parameters": list(parameters), "responses": OK}
    if body is not None:
        result["requestBody"] = {"content": body}
    return result


def query(name: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "schema": schema, **extra}


PATHS = {
    "/items": {
        "get": operation(
            "items",
            (
                query("limit", INT),
                query("tags", {"type": "array", "items": STR}),
                query("filter", {"type": "object"}, style="deepObject"),
                query("color", RGB),  # style form, explode: its properties are the parameters
                {"name": "where", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
                {"name": "X-Trace", "in": "header", "schema": STR},
            ),
        )
    },
    "/free": {"get": operation("free", (query("limit", INT), query("rest", {"type": "object"})))},
    "/open-rgb": {"get": operation("open", (query("c", {**RGB, "additionalProperties": True}),))},
    "/plain": {"get": operation("plain")},
    "/form": {
        "post": operation(
            "form",
            (query("dry", {"type": "boolean"}),),
            {
                "application/x-www-form-urlencoded": {"schema": FORM},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"name": STR, "file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        )
    },
    "/open-form": {
        "post": operation(
            "open_form", body={"application/x-www-form-urlencoded": {"schema": {**FORM, "additionalProperties": True}}}
        )
    },
    "/closed-form": {
        "post": operation(
            "closed_form",
            body={"application/x-www-form-urlencoded": {"schema": {**FORM, "additionalProperties": False}}},
        )
    },
    "/json": {"post": operation("json", body={"application/json": {"schema": {"type": "object"}}})},
}


@pytest.fixture
async def strict(serve):
    return await serve(document(PATHS), strict_validation=True)


async def ok(response):
    assert response.status == 200, await response.text()
    return await response.json()


def unknown_query(*names: str) -> list[dict[str, str]]:
    return [{"in": "query", "name": name, "message": "not a declared query parameter"} for name in names]


def unknown_fields(*names: str) -> list[dict[str, str]]:
    return [{"in": "body", "pointer": f"/{name}", "message": "not a declared form field"} for name in names]


async def test_off_by_default_unknown_names_are_ignored(serve):
    client = await serve(document(PATHS))
    assert await ok(await client.get("/items?limit=1&nope=2")) == {"limit": 1}
    assert await ok(await client.post("/form", data={"name": "rex", "nope": "1"})) == {
        "body": {"name": "rex", "nope": "1"},
        "name": "rex",  # undeclared fields are in the body only, never arguments of their own
    }


async def test_declared_query_parameters_pass(strict):
    url = "/items?limit=1&tags=a&tags=b&filter[kind]=dog&filter[age]=3&R=1&G=2&B=3&where=%7B%7D"
    assert await ok(await strict.get(url, headers={"X-Trace": "t"})) == {
        "limit": 1,
        "tags": ["a", "b"],
        "filter": {"kind": "dog", "age": "3"},
        "color": {"R": 1, "G": 2, "B": 3},
        "where": {},
        "XTrace": "t",
    }


async def test_every_unknown_query_parameter_is_listed(strict):
    body = await problem(await strict.get("/items?limit=1&offset=2&filter=x&filterx[a]=1&r=1&offset=3&X-Trace=t"))
    assert body["errors"] == unknown_query("offset", "filter", "filterx[a]", "r", "X-Trace")
    assert body["detail"] == "invalid query parameter 'offset': not a declared query parameter (and 4 more)"


async def test_unknown_query_parameters_and_bad_values_together(strict):
    body = await problem(await strict.get("/items?limit=x&sort=name"))
    assert body["errors"] == [
        {"in": "query", "name": "limit", "message": "must be an integer"},
        *unknown_query("sort"),
    ]


async def test_an_operation_without_parameters_refuses_any(strict):
    assert await ok(await strict.get("/plain")) == {}
    assert (await problem(await strict.get("/plain?debug=1")))["errors"] == unknown_query("debug")


async def test_a_free_form_exploded_object_takes_any_name(strict):
    assert await ok(await strict.get("/free?limit=1&a=1&b=2")) == {"limit": 1, "rest": {"a": "1", "b": "2"}}
    assert await ok(await strict.get("/open-rgb?R=1&other=2")) == {"c": {"R": 1, "other": "2"}}


async def test_unknown_urlencoded_fields_are_400(strict):
    assert await ok(await strict.post("/form", data={"name": "rex", "count": "2"})) == {
        "body": {"name": "rex", "count": 2},
        "name": "rex",
        "count": 2,
    }
    body = await problem(await strict.post("/form?dry=true&dryrun=1", data={"name": "rex", "a/b": "1", "zz": "2"}))
    assert body["errors"] == [*unknown_query("dryrun"), *unknown_fields("a~1b", "zz")]


async def test_unknown_multipart_fields_and_files_are_400_and_closed(strict, monkeypatch):
    created = []

    def recording():
        created.append(spooled_file())
        return created[-1]

    monkeypatch.setattr(forms, "spooled_file", recording)
    form = aiohttp.FormData()
    form.add_field("name", "rex")
    form.add_field("file", b"declared", filename="a.txt")
    form.add_field("other", b"undeclared", filename="b.txt")
    form.add_field("note", "undeclared")
    body = await problem(await strict.post("/form", data=form))
    assert body["errors"] == unknown_fields("other", "note")
    assert len(created) == 1  # the undeclared file was skipped, not stored
    assert all(file.closed for file in created)


async def test_additional_properties_allow_any_field(strict):
    assert (await ok(await strict.post("/open-form", data={"name": "rex", "extra": "1"})))["body"] == {
        "name": "rex",
        "extra": "1",
    }
    # additionalProperties: false: strict or not, the schema refuses (strict reports it first)
    body = await problem(await strict.post("/closed-form", data={"extra": "1"}))
    assert body["errors"] == unknown_fields("extra")


async def test_pattern_properties_are_known(serve):
    schema = {**FORM, "patternProperties": {"^x-": STR}}  # OpenAPI 3.1: JSON Schema 2020-12
    body = {"application/x-www-form-urlencoded": {"schema": schema}}
    client = await serve(document({"/p": {"post": operation("p", body=body)}}, version="3.1.0"), strict_validation=True)
    assert (await ok(await client.post("/p", data={"x-tag": "a"})))["body"] == {"x-tag": "a"}
    body = await problem(await client.post("/p", data={"y-tag": "a"}))
    assert body["errors"] == unknown_fields("y-tag")


async def test_json_bodies_are_not_concerned(strict):
    assert (await ok(await strict.post("/json", json={"anything": 1})))["body"] == {"anything": 1}


async def test_vendor_multipart_is_strict_too(serve):
    spec = document(
        {"/v": {"post": operation("v", body={"multipart/vnd.acme+form-data": {"schema": FORM}})}},
    )
    client = await serve(spec, strict_validation=True)
    form = raw_form(part("name", "rex"), part("nope", "1"), media_type="multipart/vnd.acme+form-data")
    assert (await problem(await client.post("/v", **form)))["errors"] == unknown_fields("nope")


async def test_swagger2_form_data_parameters(serve):
    spec = document(
        {
            "/s": {
                "post": {
                    "operationId": H + "describe__swagger",
                    "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [
                        {"name": "name", "in": "formData", "type": "string"},
                        {"name": "page", "in": "query", "type": "integer"},
                    ],
                    "responses": OK,
                }
            }
        },
        version="2.0",
    )
    client = await serve(spec, strict_validation=True)
    expected = {"body": {"name": "rex"}, "name": "rex", "page": 1}
    assert await ok(await client.post("/s?page=1", data={"name": "rex"})) == expected
    body = await problem(await client.post("/s?page=1&size=2", data={"name": "rex", "age": "3"}))
    assert body["errors"] == [*unknown_query("size"), *unknown_fields("age")]
