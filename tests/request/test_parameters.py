"""Parameters over real HTTP: every location and style, casting, defaults, names, and 400s.

Handlers echo what they receive (see ``specs/parameters/handlers.py``) and assertions compare with
:func:`typed`, so ``1``, ``1.0`` and ``True`` are different values here, as they are to a handler.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import yarl
from conftest import OK, document, problem
from helpers import received, typed
from multidict import CIMultiDict

H = "specs.parameters.handlers."
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STR = {"type": "string"}
INTS = {"type": "array", "items": INT}
STRS = {"type": "array", "items": STR}
RGB = {"type": "object", "properties": {"R": INT, "G": INT, "B": INT}}


def param(location: str, name: str, schema: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    result = {"name": name, "in": location, **extra}
    if schema is not None:
        result["schema"] = schema
    if location == "path":
        result["required"] = True
    return result


def path(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return param("path", name, schema, **extra)


def query(name: str, schema: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return param("query", name, schema, **extra)


def header(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return param("header", name, schema, **extra)


def cookie(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return param("cookie", name, schema, **extra)


_unique = itertools.count()


def get(*parameters: dict[str, Any], handler: str = "echo") -> dict[str, Any]:
    """A GET operation; operationIds are unique (``echo__7``), the handler is shared."""
    operation_id = f"{H}{handler}__{next(_unique)}"
    return {"get": {"operationId": operation_id, "parameters": list(parameters), "responses": OK}}


# --- path ---

PATH_PATHS = {
    "/int/{v}": get(path("v", INT)),
    "/number/{v}": get(path("v", NUM)),
    "/bool/{v}": get(path("v", BOOL)),
    "/string/{v}": get(path("v", STR)),
    "/simple-array/{v}": get(path("v", INTS)),
    "/simple-array-explode/{v}": get(path("v", INTS, explode=True)),
    "/simple-strings/{v}": get(path("v", STRS)),
    "/simple-object/{v}": get(path("v", RGB)),
    "/simple-object-explode/{v}": get(path("v", RGB, explode=True)),
    "/label/{v}": get(path("v", NUM, style="label")),
    "/label-explode/{v}": get(path("v", NUM, style="label", explode=True)),
    "/label-array/{v}": get(path("v", INTS, style="label")),
    "/label-array-explode/{v}": get(path("v", INTS, style="label", explode=True)),
    "/label-object/{v}": get(path("v", RGB, style="label")),
    "/label-object-explode/{v}": get(path("v", RGB, style="label", explode=True)),
    "/matrix/{v}": get(path("v", INT, style="matrix")),
    "/matrix-explode/{v}": get(path("v", STR, style="matrix", explode=True)),
    "/matrix-array/{v}": get(path("v", INTS, style="matrix")),
    "/matrix-array-explode/{v}": get(path("v", INTS, style="matrix", explode=True)),
    "/matrix-object/{v}": get(path("v", RGB, style="matrix")),
    "/matrix-object-explode/{v}": get(path("v", RGB, style="matrix", explode=True)),
    "/two/{a}/{b}": get(path("a", INT), path("b", BOOL)),
}


@pytest.fixture
async def paths(serve):
    return await serve(document(PATH_PATHS))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/int/42", 42),
        ("/int/-7", -7),
        ("/number/2.5", 2.5),
        ("/number/1e3", 1000.0),
        ("/number/3", 3),  # an integral number stays exact
        ("/bool/true", True),
        ("/bool/false", False),
        ("/string/007", "007"),
        ("/string/a%2Fb%20c", "a/b c"),
        ("/simple-array/1,2,3", [1, 2, 3]),
        ("/simple-array/5", [5]),
        ("/simple-array-explode/1,2,3", [1, 2, 3]),
        ("/simple-strings/a,b", ["a", "b"]),
        ("/simple-object/R,100,G,200", {"R": 100, "G": 200}),
        ("/simple-object-explode/R=100,G=200,B=150", {"R": 100, "G": 200, "B": 150}),
        ("/label/.2.5", 2.5),
        ("/label-explode/.2.5", 2.5),
        ("/label-array/.1,2,3", [1, 2, 3]),
        ("/label-array-explode/.1.2.3", [1, 2, 3]),
        ("/label-object/.R,1,G,2", {"R": 1, "G": 2}),
        ("/label-object-explode/.R=1.G=2", {"R": 1, "G": 2}),
        ("/matrix/;v=5", 5),
        ("/matrix-explode/;v=a.b", "a.b"),
        ("/matrix-array/;v=1,2,3", [1, 2, 3]),
        ("/matrix-array-explode/;v=1;v=2;v=3", [1, 2, 3]),
        ("/matrix-object/;v=R,1,G,2", {"R": 1, "G": 2}),
        ("/matrix-object-explode/;R=1;G=2;B=3", {"R": 1, "G": 2, "B": 3}),
    ],
)
async def test_path_styles_and_casting(paths, url, expected):
    assert await received(await paths.get(url)) == typed({"v": expected})


async def test_several_path_parameters_cast_each_by_its_schema(paths):
    assert await received(await paths.get("/two/12/false")) == typed({"a": 12, "b": False})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/int/abc", "must be an integer"),
        ("/int/1.5", "must be an integer"),
        ("/int/1_000", "must be an integer"),  # Python's int() would take it
        ("/int/%D9%A1%D9%A2", "must be an integer"),  # so would it Arabic-Indic digits
        ("/number/nan", "must be a number"),
        ("/number/1e999", "must be a finite number"),
        ("/bool/yes", "must be a boolean (true or false)"),
        ("/simple-array/1,x,3", "must be an integer"),
        ("/simple-object/R,1,G", "an object needs key,value pairs"),
        ("/label/2.5", "a label-style value starts with '.'"),
        ("/matrix/;w=5", "expected ;v=..."),
        ("/matrix/5", "a matrix-style value starts with ';'"),
    ],
)
async def test_malformed_path_value_is_400_naming_the_parameter(paths, url, message):
    body = await problem(await paths.get(url))
    assert body["errors"] == [{"in": "path", "name": "v", "message": message}]
    assert body["detail"] == f"invalid path parameter 'v': {message}"


# --- query ---

QUERY_PATHS = {
    "/query": get(
        query("exploded", INTS),
        query("csv", INTS, explode=False),
        query("spaces", INTS, style="spaceDelimited"),
        query("pipes", INTS, style="pipeDelimited"),
        query("pipe_object", RGB, style="pipeDelimited"),
        query("space_object", RGB, style="spaceDelimited"),
        query("csv_object", RGB, explode=False),
        query("color", RGB, style="deepObject", explode=True),
        query("n", NUM),
        query("flag", BOOL),
        query("s", STR),
    ),
    "/exploded-object": get(query("rgb", RGB), query("limit", INT)),
    "/free-form": get(
        query("filters", {"type": "object", "additionalProperties": INT}),
        query("limit", INT),
        query("page", {"type": "object"}, style="deepObject", explode=True),
    ),
    "/defaults": get(
        query("limit", {**INT, "default": 20}),
        query("tags", {**STRS, "default": ["a", "b"]}),
        query("sort", {**STR, "default": "name"}),
        query("q", STR),
    ),
    "/mutable-default": get(query("tags", {**STRS, "default": ["a"]}), handler="appends_to_tags"),
    "/only-limit": get(query("limit", INT), query("other", STR), handler="only_limit"),
    "/required": get(query("q", STR, required=True), query("n", INT, required=True)),
    "/empty": get(
        query("page", INT, allowEmptyValue=True),
        query("needed", INT, required=True, allowEmptyValue=True),
        query("size", INT),
        query("nullable", {**INT, "nullable": True}),
        query("ids", INTS),
        query("csv", INTS, explode=False),
        query("s", STR),
    ),
    "/content": get(
        query(
            "filter",
            None,
            content={"application/json": {"schema": {"type": "object"}}},
        ),
        query("raw", None, content={"text/plain": {"schema": STR}}),
    ),
}


@pytest.fixture
async def queries(serve):
    return await serve(document(QUERY_PATHS))


@pytest.mark.parametrize(
    ("query_string", "expected"),
    [
        ("exploded=1&exploded=2&exploded=3", {"exploded": [1, 2, 3]}),
        ("exploded=4", {"exploded": [4]}),
        ("csv=1,2,3", {"csv": [1, 2, 3]}),
        ("spaces=1%202%203", {"spaces": [1, 2, 3]}),
        ("spaces=1+2", {"spaces": [1, 2]}),
        ("pipes=1|2|3", {"pipes": [1, 2, 3]}),
        ("pipes=1%7C2", {"pipes": [1, 2]}),
        ("pipe_object=R|1|G|2", {"pipe_object": {"R": 1, "G": 2}}),
        ("space_object=R%201%20B%203", {"space_object": {"R": 1, "B": 3}}),
        ("csv_object=R,1,G,2", {"csv_object": {"R": 1, "G": 2}}),
        ("color[R]=1&color[G]=2", {"color": {"R": 1, "G": 2}}),
        ("color%5BB%5D=9", {"color": {"B": 9}}),
        ("n=0.5&flag=true&s=x%26y", {"n": 0.5, "flag": True, "s": "x&y"}),
        ("flag=False", {"flag": False}),
        ("s=", {"s": ""}),
        ("", {}),
    ],
)
async def test_query_styles(queries, query_string, expected):
    assert await received(await queries.get("/query?" + query_string)) == typed(expected)


async def test_exploded_object_takes_its_properties_from_separate_parameters(queries):
    response = await queries.get("/exploded-object?R=1&G=2&limit=5&other=x")
    assert await received(response) == typed({"rgb": {"R": 1, "G": 2}, "limit": 5})


async def test_exploded_object_absent_is_not_passed(queries):
    assert await received(await queries.get("/exploded-object?limit=5")) == typed({"limit": 5})


async def test_free_form_exploded_object_leaves_other_parameters_alone(queries):
    response = await queries.get("/free-form?a=1&b=2&limit=5&page[n]=3")
    assert await received(response) == typed({"filters": {"a": 1, "b": 2}, "limit": 5, "page": {"n": "3"}})


async def test_free_form_exploded_object_casts_by_additional_properties(queries):
    body = await problem(await queries.get("/free-form?a=x"))
    assert body["errors"] == [{"in": "query", "name": "filters", "message": "must be an integer"}]


async def test_defaults_from_the_document_apply_when_absent(queries):
    expected = {"limit": 20, "tags": ["a", "b"], "sort": "name"}  # q: optional, no default: not passed
    assert await received(await queries.get("/defaults")) == typed(expected)


async def test_given_values_replace_defaults(queries):
    response = await queries.get("/defaults?limit=5&tags=x&q=term")
    assert await received(response) == typed({"limit": 5, "tags": ["x"], "sort": "name", "q": "term"})


async def test_a_handler_mutating_a_default_does_not_change_it(queries):
    for _ in range(2):
        assert await received(await queries.get("/mutable-default")) == typed({"tags": ["a", "added-by-handler"]})


async def test_optional_without_default_leaves_the_function_default(queries):
    assert await received(await queries.get("/only-limit?other=x")) == typed({"limit": 99})
    assert await received(await queries.get("/only-limit?limit=3")) == typed({"limit": 3})


async def test_required_query_parameters_missing_are_all_reported(queries):
    body = await problem(await queries.get("/required"))
    assert body["errors"] == [
        {"in": "query", "name": "q", "message": "required query parameter is missing"},
        {"in": "query", "name": "n", "message": "required query parameter is missing"},
    ]
    assert body["detail"] == "invalid query parameter 'q': required query parameter is missing (and 1 more)"


async def test_required_query_parameter_given(queries):
    assert await received(await queries.get("/required?q=a&n=1")) == typed({"q": "a", "n": 1})


async def test_allow_empty_value(queries):
    # An allowed empty value of an optional parameter is as good as absent; a required one is
    # present but has no value (None). Nullable parameters read an empty value as null; empty arrays
    # are empty lists; an empty string is a string.
    response = await queries.get("/empty?page=&needed=&nullable=&ids=&csv=&s=")
    assert await received(response) == typed({"needed": None, "nullable": None, "ids": [], "csv": [], "s": ""})


async def test_empty_value_without_allow_empty_value_is_400(queries):
    body = await problem(await queries.get("/empty?needed=1&size="))
    assert body["errors"] == [{"in": "query", "name": "size", "message": "empty value"}]


async def test_nullable_parameter_accepts_null(queries):
    assert await received(await queries.get("/empty?needed=1&nullable=null")) == typed({"needed": 1, "nullable": None})


async def test_json_content_query_parameter(queries):
    response = await queries.get("/content", params={"filter": '{"a": [1, 2.5], "b": null, "c": true}'})
    assert await received(response) == typed({"filter": {"a": [1, 2.5], "b": None, "c": True}})


async def test_malformed_json_query_parameter_is_400(queries):
    body = await problem(await queries.get("/content", params={"filter": "{oops"}))
    assert body["errors"] == [{"in": "query", "name": "filter", "message": "not valid JSON"}]


async def test_json_query_parameter_nested_too_deeply_is_400_not_500(queries):
    body = await problem(await queries.get("/content", params={"filter": "[" * 1500}))
    assert body["errors"] == [{"in": "query", "name": "filter", "message": "not valid JSON"}]


async def test_integer_with_too_many_digits_is_400_not_500(queries):
    body = await problem(await queries.get("/empty?needed=" + "9" * 5000))
    assert body["errors"] == [{"in": "query", "name": "needed", "message": "has too many digits"}]


async def test_non_json_content_query_parameter_is_the_raw_string(queries):
    assert await received(await queries.get("/content", params={"raw": "[1]"})) == typed({"raw": "[1]"})


# --- headers and cookies: passed to handlers (Connexion does not: its issues #788 and #850) ---

HEADER_PATHS = {
    "/headers": get(
        header("X-Rate-Limit", INT, required=True),
        header("X-Ids", INTS),
        header("X-Color", RGB, explode=True),
        header("X-Pairs", RGB),
        header("X-Flag", BOOL),
    ),
    "/ignored-headers": get(
        header("Accept", STR, required=True),
        header("Content-Type", STR, required=True),
        header("Authorization", STR, required=True),
        header("X-Kept", STR),
    ),
    "/cookies": get(
        cookie("session", STR, required=True),
        cookie("count", INT),
        cookie("ids", INTS, explode=False),
        cookie("debug", {**BOOL, "default": False}),
    ),
}


@pytest.fixture
async def headers(serve):
    return await serve(document(HEADER_PATHS))


async def test_header_parameters_are_passed_and_cast(headers):
    response = await headers.get(
        "/headers", headers={"X-Rate-Limit": "10", "X-Ids": "1,2,3", "X-Color": "R=1,G=2", "X-Pairs": "B,3"}
    )
    expected = {"XRateLimit": 10, "XIds": [1, 2, 3], "XColor": {"R": 1, "G": 2}, "XPairs": {"B": 3}}
    assert await received(response) == typed(expected)


async def test_header_names_are_case_insensitive(headers):
    response = await headers.get("/headers", headers={"x-rate-limit": "5", "X-FLAG": "true"})
    assert await received(response) == typed({"XRateLimit": 5, "XFlag": True})


async def test_header_lists_allow_spaces_and_repeated_lines(headers):
    # RFC 9110 section 5.3: "X-Ids: 1, 2" and two lines "X-Ids: 1" / "X-Ids: 2" mean the same.
    repeated = CIMultiDict([("X-Rate-Limit", "1"), ("X-Ids", "1, 2"), ("X-Ids", "3")])
    assert await received(await headers.get("/headers", headers=repeated)) == typed(
        {"XRateLimit": 1, "XIds": [1, 2, 3]}
    )


async def test_missing_required_header_and_bad_header_value(headers):
    body = await problem(await headers.get("/headers", headers={"X-Flag": "maybe"}))
    assert body["errors"] == [
        {"in": "header", "name": "X-Rate-Limit", "message": "required header parameter is missing"},
        {"in": "header", "name": "X-Flag", "message": "must be a boolean (true or false)"},
    ]


async def test_accept_content_type_and_authorization_header_parameters_are_ignored(headers):
    # OpenAPI 3: such parameter definitions SHALL be ignored (not required, not passed).
    assert await received(await headers.get("/ignored-headers")) == typed({})
    response = await headers.get("/ignored-headers", headers={"Authorization": "Bearer x", "X-Kept": "k"})
    assert await received(response) == typed({"XKept": "k"})


async def test_pythonic_header_names(serve):
    client = await serve(document(HEADER_PATHS), pythonic_params=True)
    response = await client.get("/headers", headers={"X-Rate-Limit": "3"})
    assert await received(response) == typed({"x_rate_limit": 3})


async def test_cookie_parameters_are_passed_and_cast(headers):
    response = await headers.get("/cookies", headers={"Cookie": "session=abc; count=3; ids=1,2; other=x"})
    assert await received(response) == typed({"session": "abc", "count": 3, "ids": [1, 2], "debug": False})


async def test_missing_required_cookie_and_bad_cookie_value(headers):
    body = await problem(await headers.get("/cookies", headers={"Cookie": "count=many"}))
    assert body["errors"] == [
        {"in": "cookie", "name": "session", "message": "required cookie parameter is missing"},
        {"in": "cookie", "name": "count", "message": "must be an integer"},
    ]


# --- Swagger 2.0: collectionFormat ---


def items(name: str, location: str, kind: str = "integer", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": location, "type": "array", "items": {"type": kind}, **extra}


SWAGGER = document(
    {
        "/items/{ids}": {
            "get": {
                "operationId": H + "echo",
                "parameters": [
                    items("ids", "path", required=True),  # csv by default
                    items("csv", "query", collectionFormat="csv"),
                    items("ssv", "query", collectionFormat="ssv"),
                    items("tsv", "query", collectionFormat="tsv"),
                    items("pipes", "query", collectionFormat="pipes"),
                    items("multi", "query", collectionFormat="multi"),
                    items("plain", "query", "string"),
                    items("X-Tags", "header", "string"),
                    {"name": "limit", "in": "query", "type": "integer", "default": 10},
                    {"name": "ratio", "in": "query", "type": "number"},
                    {"name": "X-Trace", "in": "header", "type": "boolean"},
                ],
                "responses": OK,
            }
        }
    },
    version="2.0",
)


async def test_swagger2_collection_formats(serve):
    client = await serve(SWAGGER)
    url = "/items/7,8?csv=1,2&ssv=3%204&tsv=5%096&pipes=7|8&multi=9&multi=10&plain=a,b&ratio=0.25"
    response = await client.get(url, headers={"X-Tags": "x,y", "X-Trace": "true"})
    expected = {
        "ids": [7, 8],
        "csv": [1, 2],
        "ssv": [3, 4],
        "tsv": [5, 6],
        "pipes": [7, 8],
        "multi": [9, 10],
        "plain": ["a", "b"],
        "XTags": ["x", "y"],
        "limit": 10,
        "ratio": 0.25,
        "XTrace": True,
    }
    assert await received(response) == typed(expected)


async def test_swagger2_bad_items_are_400(serve):
    client = await serve(SWAGGER)
    body = await problem(await client.get("/items/7,x?multi=1&multi=y"))
    assert body["errors"] == [
        {"in": "path", "name": "ids", "message": "must be an integer"},
        {"in": "query", "name": "multi", "message": "must be an integer"},
    ]


# --- argument names ---

NAMES = document(
    {
        "/names/{petId}": get(
            path("petId", INT),
            query("$top", INT),
            query("x-id", STR),
            query("FilterOption", STR),
            query("filter", STR),
            query("max", INT),
        ),
        "/pythonic/{petId}": get(
            path("petId", INT),
            query("FilterOption", STR),
            query("filter", STR),
            query("max", INT),
            query("unused", STR),
            handler="pythonic",
        ),
        "/with-request": get(query("q", STR), handler="with_request"),
        "/sync": get(query("n", INT), handler="sync_echo"),
    }
)
NAMES_QUERY = "?$top=3&x-id=a&FilterOption=b&filter=c&max=1"


async def test_names_are_sanitised(serve):
    client = await serve(NAMES)
    response = await client.get("/names/5" + NAMES_QUERY)
    expected = {"petId": 5, "top": 3, "xid": "a", "FilterOption": "b", "filter": "c", "max": 1}
    assert await received(response) == typed(expected)


async def test_pythonic_params(serve):
    client = await serve(NAMES, pythonic_params=True)
    response = await client.get("/names/5" + NAMES_QUERY)
    expected = {"pet_id": 5, "top": 3, "x_id": "a", "filter_option": "b", "filter_": "c", "max_": 1}
    assert await received(response) == typed(expected)


async def test_pythonic_params_reach_a_declared_signature(serve):
    client = await serve(NAMES, pythonic_params=True)
    response = await client.get("/pythonic/8?FilterOption=b&filter=c&max=2&unused=u")
    assert await received(response) == typed({"filter_option": "b", "filter_": "c", "pet_id": 8, "max_": 2})


def post_body(name: str, version: str) -> dict[str, Any]:
    """A POST whose JSON body is named ``name`` (Swagger 2's body parameter, 3.x's x-body-name)."""
    operation: dict[str, Any] = {"operationId": f"{H}echo__{next(_unique)}", "responses": OK}
    schema = {"type": "object"}
    if version == "2.0":
        operation["parameters"] = [{"name": name, "in": "body", "required": True, "schema": schema}]
    else:
        content = {"application/json": {"schema": schema}}
        operation["requestBody"] = {"required": True, "content": content, "x-body-name": name}
    return {"post": operation}


@pytest.mark.parametrize("version", ["2.0", "3.0.3"])
@pytest.mark.parametrize(("pythonic", "argument"), [(False, "SomeOtherId"), (True, "some_other_id")])
async def test_pythonic_params_name_the_body_too(serve, version, pythonic, argument):
    """As Connexion: the body's name goes through the same naming as parameter names."""
    client = await serve(document({"/body": post_body("SomeOtherId", version)}, version), pythonic_params=pythonic)
    response = await client.post("/body", json={"a": 1})
    assert await received(response) == typed({argument: {"a": 1}})


async def test_handler_declaring_request_gets_the_aiohttp_request(serve):
    client = await serve(NAMES)
    response = await client.get("/with-request?q=x")
    expected = {"request": {"$type": "request", "method": "GET", "path": "/with-request"}, "q": "x"}
    assert await received(response) == typed(expected)


async def test_sync_handler_with_kwargs_receives_everything(serve):
    client = await serve(NAMES)
    assert await received(await client.get("/sync?n=4")) == typed({"n": 4})


# --- every violation of one request at once ---


async def test_all_violations_are_reported_together(serve):
    spec = document({"/many/{id}": get(path("id", INT), query("n", INT), header("X-Flag", BOOL), cookie("c", NUM))})
    client = await serve(spec)
    response = await client.get("/many/abc?n=x", headers={"X-Flag": "maybe", "Cookie": "c=z"})
    body = await problem(response)
    assert body["errors"] == [
        {"in": "path", "name": "id", "message": "must be an integer"},
        {"in": "query", "name": "n", "message": "must be an integer"},
        {"in": "header", "name": "X-Flag", "message": "must be a boolean (true or false)"},
        {"in": "cookie", "name": "c", "message": "must be a number"},
    ]
    assert body["detail"] == "invalid path parameter 'id': must be an integer (and 3 more)"


# --- percent-encoding, ignored headers, pythonic form fields ---


async def test_encoded_delimiter_stays_inside_its_path_item(serve, aiohttp_client):
    client = await serve(document({"/items/{v}": get(path("v", STRS))}))
    root = client.make_url("/")
    raw = yarl.URL(f"{root}items/a%2Cb,c", encoded=True)  # sent exactly as written
    assert await received(await client.session.get(raw)) == {"v": [("str", "a,b"), ("str", "c")]}
    assert await received(await client.get("/items/caf%C3%A9")) == {"v": [("str", "café")]}


async def test_match_info_holds_decoded_values_for_handlers_taking_request(serve):
    spec = document({"/items/{v}": get(path("v", STR), handler="match_info")})
    client = await serve(spec)
    response = await client.get("/items/a%20b")
    assert response.status == 200, await response.text()
    assert (await response.json())["match_info"] == {"v": "a b"}


async def test_ignored_header_parameters_are_not_supplied_or_warned(serve, caplog):
    spec = document({"/h": get(header("Accept", STR, required=True), handler="only_limit")})
    client = await serve(spec)
    assert "does not accept" not in caplog.text
    assert (await client.get("/h")).status == 200


async def test_pythonic_form_field_arguments(serve):
    body = {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"petName": {"type": "string"}, "max": {"type": "integer"}}}
            }
        }
    }
    spec = document(
        {"/f": {"post": {"operationId": f"{H}echo__{next(_unique)}", "requestBody": body, "responses": OK}}}
    )
    client = await serve(spec, pythonic_params=True)
    got = await received(await client.post("/f", data={"petName": "rex", "max": "3"}))
    assert got["pet_name"] == ("str", "rex")
    assert got["max_"] == ("int", 3)
