"""Request bodies over real HTTP: JSON, forms (urlencoded and multipart), text, bytes, uploads.

Handlers echo what they receive; :func:`typed` makes ``1``, ``1.0`` and ``True`` differ, and the
echo tags ``bytes``, uploaded files and requests (see ``specs/parameters/handlers.py``).
"""

from __future__ import annotations

import itertools
from typing import Any

import aiohttp
import pytest
from conftest import OK, document, problem
from helpers import received, typed

H = "specs.parameters.handlers."
INT = {"type": "integer"}
STR = {"type": "string"}
OBJECT = {"type": "object"}
FIELDS = {
    "type": "object",
    "properties": {
        "name": STR,
        "count": INT,
        "ratio": {"type": "number"},
        "ok": {"type": "boolean"},
        "ids": {"type": "array", "items": INT},
        "tags": {"type": "array", "items": STR},
        "a/b": INT,
        "meta": {"type": "object", "properties": {"n": INT}},
    },
}
_unique = itertools.count()


def post(content: dict[str, Any], handler: str = "echo", parameters: tuple = (), **body: Any) -> dict[str, Any]:
    operation = {
        "operationId": f"{H}{handler}__{next(_unique)}",
        "parameters": list(parameters),
        "requestBody": {"content": content, **body},
        "responses": OK,
    }
    return {"post": operation}


def schema(media_type: str, value: dict[str, Any] | None = None) -> dict[str, Any]:
    return {media_type: {"schema": value or OBJECT}}


PATHS = {
    "/json": post(schema("application/json"), required=True),
    "/optional-json": post(schema("application/json")),
    "/optional-default": post(schema("application/json"), handler="optional_body"),
    "/renamed": post(schema("application/json"), **{"x-body-name": "pet"}),
    "/vendor-json": post(schema("application/vnd.api+json")),
    "/json-family": post(schema("application/*+json")),
    "/any-json": post({"application/json": {}, "*/*": {}}),
    "/form": post({**schema("application/x-www-form-urlencoded", FIELDS), **schema("multipart/form-data", FIELDS)}),
    "/required-fields": post(
        schema("application/x-www-form-urlencoded", {**FIELDS, "required": ["name", "count"]}), required=True
    ),
    "/form-signature": post(schema("application/x-www-form-urlencoded", FIELDS), handler="form_fields"),
    "/vendor-form": post(schema("application/vnd.acme+x-www-form-urlencoded", FIELDS)),
    "/vendor-multipart": post(schema("multipart/vnd.acme+form-data", FIELDS)),
    "/packed": post(
        {
            "application/x-www-form-urlencoded": {
                "schema": FIELDS,
                "encoding": {"ids": {"style": "form", "explode": False}, "tags": {"style": "pipeDelimited"}},
            }
        }
    ),
    "/text": post(schema("text/plain", STR)),
    "/bytes": post({"application/octet-stream": {}}),
    "/images": post({"image/*": {}}),
    "/mixed/{id}": post(
        schema("application/x-www-form-urlencoded", FIELDS),
        parameters=({"name": "id", "in": "path", "required": True, "schema": INT},),
    ),
}


@pytest.fixture
async def client(serve):
    return await serve(document(PATHS))


# --- JSON ---


async def test_json_body_arrives_as_body(client):
    response = await client.post("/json", json={"name": "rex", "age": 3, "weight": 4.5, "tags": [True, None]})
    assert await received(response) == typed({"body": {"name": "rex", "age": 3, "weight": 4.5, "tags": [True, None]}})


async def test_json_with_charset_parameter(client):
    response = await client.post(
        "/json", data='{"name": "zoë"}'.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert await received(response) == typed({"body": {"name": "zoë"}})


async def test_x_body_name_renames_the_body_argument(client):
    assert await received(await client.post("/renamed", json={"a": 1})) == typed({"pet": {"a": 1}})


async def test_vendor_json_media_type_is_parsed_as_json(client):
    response = await client.post(
        "/vendor-json", data=b'{"a": [1, 2]}', headers={"Content-Type": "application/vnd.api+json"}
    )
    assert await received(response) == typed({"body": {"a": [1, 2]}})


async def test_json_family_wildcard(client):
    headers = {"Content-Type": "application/merge-patch+json"}
    response = await client.post("/json-family", data=b'{"op": "x"}', headers=headers)
    assert await received(response) == typed({"body": {"op": "x"}})
    # application/*+json covers JSON-based types only: not every application/ type.
    response = await client.post("/json-family", data=b"<x/>", headers={"Content-Type": "application/xml"})
    assert (await problem(response, 415))["title"] == "Unsupported Media Type"


async def test_catch_all_media_type_still_parses_json(client):
    response = await client.post("/any-json", data=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert await received(response) == typed({"body": {"a": 1}})
    response = await client.post("/any-json", data=b"raw", headers={"Content-Type": "application/x-thing"})
    assert await received(response) == typed({"body": {"$type": "bytes", "value": "raw"}})


async def test_malformed_json_is_400_with_line_and_column(client):
    response = await client.post("/json", data=b'{\n  "a": 1,\n  oops\n}', headers={"Content-Type": "application/json"})
    body = await problem(response)
    message = "malformed JSON: Expecting property name enclosed in double quotes at line 3 column 3"
    assert body["errors"] == [{"in": "body", "pointer": "", "message": message}]
    assert body["detail"] == f"invalid body: {message}"


async def test_json_nested_too_deeply_is_400_not_500(client):
    response = await client.post("/json", data=b"[" * 100_000, headers={"Content-Type": "application/json"})
    body = await problem(response)
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "the JSON is nested too deeply"}]


async def test_json_that_is_not_utf8_is_400(client):
    response = await client.post("/json", data=b'{"a": "\xff"}', headers={"Content-Type": "application/json"})
    body = await problem(response)
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "the body is not valid UTF-8"}]


async def test_wrong_content_type_is_415_problem(client):
    response = await client.post("/json", data=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = await problem(response, 415)
    assert body["detail"] == "application/x-www-form-urlencoded is not accepted here; send one of: application/json"


async def test_body_without_content_type_is_415(client):
    response = await client.post("/json", data=b'{"a": 1}', skip_auto_headers=["Content-Type"])
    body = await problem(response, 415)
    assert body["detail"] == "no Content-Type is not accepted here; send one of: application/json"


async def test_required_body_missing_is_400(client):
    body = await problem(await client.post("/json"))
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "request body is required"}]


async def test_required_body_empty_with_a_content_type_is_400(client):
    response = await client.post("/json", data=b"", headers={"Content-Type": "application/json"})
    body = await problem(response)
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "request body is required"}]


async def test_optional_body_absent_is_not_passed(client):
    assert await received(await client.post("/optional-json")) == typed({})
    assert await received(await client.post("/optional-default")) == typed({"body": "function default"})


async def test_optional_body_given_replaces_the_function_default(client):
    assert await received(await client.post("/optional-default", json={"a": 1})) == typed({"body": {"a": 1}})


async def test_json_null_body_is_validated_like_any_value(serve):
    nullable = {"type": "object", "nullable": True}
    spec = document({"/n": post(schema("application/json", nullable)), "/o": post(schema("application/json"))})
    client = await serve(spec)
    headers = {"Content-Type": "application/json"}
    assert await received(await client.post("/n", data=b"null", headers=headers)) == typed({"body": None})
    refused = await problem(await client.post("/o", data=b"null", headers=headers))
    assert refused["errors"] == [{"in": "body", "pointer": "", "message": "must be an object"}]


# --- forms ---

FORM_EXPECTED = {"name": "rex", "count": 3, "ratio": 0.5, "ok": True, "ids": [1, 2]}


async def test_urlencoded_fields_are_cast_and_passed_as_body_and_arguments(client):
    data = [("name", "rex"), ("count", "3"), ("ratio", "0.5"), ("ok", "true"), ("ids", "1"), ("ids", "2")]
    response = await client.post("/form", data=data)
    assert await received(response) == typed({"body": FORM_EXPECTED, **FORM_EXPECTED})


async def test_multipart_fields_are_cast_and_passed_as_body_and_arguments(client):
    form = aiohttp.FormData()
    for name, value in [("name", "rex"), ("count", "3"), ("ratio", "0.5"), ("ok", "true"), ("ids", "1"), ("ids", "2")]:
        form.add_field(name, value)
    form.add_field("meta", '{"n": 7}', content_type="application/json")
    response = await client.post("/form", data=form)
    expected = {**FORM_EXPECTED, "meta": {"n": 7}}  # an object part is JSON (OpenAPI 3 encoding default)
    assert await received(response) == typed({"body": expected, **expected})


async def test_unknown_form_fields_are_in_the_body_only(client):
    response = await client.post("/form", data={"extra": "1", "count": "2"})
    assert await received(response) == typed({"body": {"extra": "1", "count": 2}, "count": 2})


async def test_bad_form_fields_are_400_with_json_pointers(client):
    response = await client.post("/form", data=[("count", "x"), ("ids", "1"), ("ids", "y"), ("a/b", "z")])
    body = await problem(response)
    assert body["errors"] == [
        {"in": "body", "pointer": "/count", "message": "must be an integer"},
        {"in": "body", "pointer": "/ids", "message": "must be an integer"},
        {"in": "body", "pointer": "/a~1b", "message": "must be an integer"},
    ]


async def test_missing_required_form_fields_are_400(client):
    body = await problem(await client.post("/required-fields", data={"ratio": "1"}))
    assert body["errors"] == [
        {"in": "body", "pointer": "/name", "message": "required field is missing"},
        {"in": "body", "pointer": "/count", "message": "required field is missing"},
    ]


async def test_form_fields_reach_a_declared_signature(client):
    response = await client.post("/form-signature", data={"name": "rex", "count": "4", "ok": "false"})
    assert await received(response) == typed({"name": "rex", "count": 4, "tags": None})


async def test_urlencoded_encoding_packs_arrays_into_one_field(client):
    response = await client.post("/packed", data={"ids": "1,2,3", "tags": "a|b"})
    expected = {"ids": [1, 2, 3], "tags": ["a", "b"]}
    assert await received(response) == typed({"body": expected, **expected})


async def test_vendor_urlencoded_form(client):
    headers = {"Content-Type": "application/vnd.acme+x-www-form-urlencoded"}
    response = await client.post("/vendor-form", data=b"name=rex&count=3&ids=1&ids=2", headers=headers)
    expected = {"name": "rex", "count": 3, "ids": [1, 2]}
    assert await received(response) == typed({"body": expected, **expected})


async def test_vendor_multipart_form(client):
    with aiohttp.MultipartWriter("vnd.acme+form-data") as writer:
        for name, value in [("name", "rex"), ("count", "3")]:
            part = writer.append(value)
            part.set_content_disposition("form-data", name=name)
        part = writer.append(b"hello", {"Content-Type": "text/plain"})
        part.set_content_disposition("form-data", name="file", filename="a.txt")
    response = await client.post("/vendor-multipart", data=writer)
    file = {"$type": "file", "filename": "a.txt", "content_type": "text/plain", "value": "hello"}
    expected = {"name": "rex", "count": 3, "file": file}
    # "file" is not a declared field: it is in the body, but no argument of its own
    assert await received(response) == typed({"body": expected, "name": "rex", "count": 3})


async def test_malformed_multipart_is_400(client):
    headers = {"Content-Type": "multipart/form-data; boundary=xyz"}
    response = await client.post("/form", data=b"this is not multipart", headers=headers)
    body = await problem(response)
    assert body["errors"][0]["in"] == "body"
    assert body["errors"][0]["message"].startswith("malformed multipart/form-data")


# --- text and bytes ---


async def test_text_plain_is_str(client):
    response = await client.post("/text", data="héllo".encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert await received(response) == typed({"body": "héllo"})


async def test_text_in_its_declared_charset(client):
    response = await client.post(
        "/text", data="héllo".encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"}
    )
    assert await received(response) == typed({"body": "héllo"})


@pytest.mark.parametrize("charset", ["utf-8", "no-such-charset"])
async def test_text_that_does_not_decode_is_400(client, charset):
    response = await client.post("/text", data=b"\xff\xfe", headers={"Content-Type": f"text/plain; charset={charset}"})
    body = await problem(response)
    assert body["errors"][0]["in"] == "body"
    assert body["errors"][0]["message"] == f"the body is not valid {charset} text"


async def test_octet_stream_is_bytes(client):
    response = await client.post("/bytes", data=b"\x00\x01\xff", headers={"Content-Type": "application/octet-stream"})
    assert await received(response) == typed({"body": {"$type": "bytes", "value": "\x00\x01\xff"}})


async def test_media_range_in_the_document(client):
    response = await client.post("/images", data=b"PNG", headers={"Content-Type": "image/png"})
    assert await received(response) == typed({"body": {"$type": "bytes", "value": "PNG"}})
    assert (await client.post("/images", data=b"x", headers={"Content-Type": "text/plain"})).status == 415


# --- violations from parameters and body together ---


async def test_parameter_and_body_violations_are_reported_together(client):
    body = await problem(await client.post("/mixed/abc", data={"count": "many"}))
    assert body["errors"] == [
        {"in": "path", "name": "id", "message": "must be an integer"},
        {"in": "body", "pointer": "/count", "message": "must be an integer"},
    ]


# --- Swagger 2.0: in: body and in: formData ---

SWAGGER = document(
    {
        "/pets": {
            "post": {
                "operationId": H + "echo",
                "parameters": [
                    {"name": "pet", "in": "body", "required": True, "schema": {"type": "object"}},
                    {"name": "dry_run", "in": "query", "type": "boolean"},
                ],
                "responses": OK,
            }
        },
        "/upload": {
            "post": {
                "operationId": H + "upload",
                "consumes": ["multipart/form-data"],
                "parameters": [
                    {"name": "file", "in": "formData", "type": "file", "required": True},
                    {"name": "note", "in": "formData", "type": "string"},
                ],
                "responses": OK,
            }
        },
        "/fields": {
            "post": {
                "operationId": H + "form_fields",
                "parameters": [
                    {"name": "name", "in": "formData", "type": "string", "required": True},
                    {"name": "count", "in": "formData", "type": "integer", "required": True},
                    {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"}},
                ],
                "responses": OK,
            }
        },
    },
    version="2.0",
)


@pytest.fixture
async def swagger(serve):
    return await serve(SWAGGER)


async def test_swagger2_body_arrives_under_the_body_parameter_name(swagger):
    response = await swagger.post("/pets?dry_run=true", json={"name": "rex"})
    assert await received(response) == typed({"pet": {"name": "rex"}, "dry_run": True})


async def test_swagger2_required_body_missing_is_400(swagger):
    body = await problem(await swagger.post("/pets"))
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "request body is required"}]


async def test_swagger2_form_data_fields_are_separate_arguments(swagger):
    response = await swagger.post("/fields", data=[("name", "rex"), ("count", "2"), ("tags", "a"), ("tags", "b")])
    assert await received(response) == typed({"name": "rex", "count": 2, "tags": ["a", "b"]})


async def test_swagger2_form_data_missing_required_field_is_400(swagger):
    body = await problem(await swagger.post("/fields", data={"name": "rex"}))
    assert body["errors"] == [{"in": "body", "pointer": "/count", "message": "required field is missing"}]


async def test_swagger2_file_upload(swagger):
    form = aiohttp.FormData()
    form.add_field("file", b"file content", filename="notes.txt", content_type="text/plain")
    form.add_field("note", "first")
    response = await swagger.post("/upload", data=form)
    file = {"$type": "file", "filename": "notes.txt", "content_type": "text/plain", "value": "file content"}
    assert await received(response) == typed({"file": file, "note": "first"})


async def test_json_number_out_of_double_range_is_refused(client):
    response = await client.post("/optional-json", data=b'{"n": 1e400}', headers={"Content-Type": "application/json"})
    body = await problem(response)
    assert body["errors"] == [{"in": "body", "pointer": "", "message": "1e400 is out of range for a JSON number"}]


async def test_form_fields_never_replace_parameters_or_framework_arguments(serve):
    seen = {}

    async def handler(**kwargs) -> dict:
        seen.update(kwargs)
        return {}

    form = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "limit": {"type": "string"}, "user": {"type": "string"}},
    }
    spec = document(
        {
            "/t": {
                "post": {
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}],
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": form}}},
                    "responses": OK,
                }
            }
        }
    )
    client = await serve(spec, resolver=lambda op: handler)
    response = await client.post("/t?limit=5", data={"title": "x", "limit": "999999", "user": "root", "extra": "y"})
    assert response.status == 200, await response.text()
    assert seen["limit"] == 5  # the validated query parameter, not the form field
    assert "user" not in seen  # a public operation has no user, whatever the form says
    assert "extra" not in seen  # undeclared fields are in body only
    assert seen["title"] == "x"
    assert seen["body"] == {"title": "x", "limit": "999999", "user": "root", "extra": "y"}


async def test_form_fields_are_arguments_only_when_every_media_type_is_a_form(serve):
    seen = {}

    async def handler(**kwargs) -> dict:
        seen.update(kwargs)
        return {}

    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    content = {"application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}}
    spec = document({"/t": {"post": {"requestBody": {"content": content}, "responses": OK}}})
    client = await serve(spec, resolver=lambda op: handler)
    assert (await client.post("/t", data={"title": "x"})).status == 200
    assert seen == {"body": {"title": "x"}}
