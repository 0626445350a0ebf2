"""The client against real openapi_aio servers: every parameter style and location round-trips
(the server echoes what it parsed), bodies of each media type, problems, auth, retries, timeouts,
validation on both sides, loading a served document, and request ids through two services.
"""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import aiohttp
import pytest
from conftest import OK, document
from helpers import typed
from specs.client import handlers

from openapi_aio import ApiError, RequestValidationError, ResponseValidationError
from openapi_aio.client import ApiClient
from openapi_aio.client.serialize import ParameterWriter
from openapi_aio.spec.model import ParameterSpec

C = "specs.client.handlers"
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STR = {"type": "string"}
INTS = {"type": "array", "items": INT}
STRS = {"type": "array", "items": STR}
RGB = {"type": "object", "properties": {"R": INT, "G": INT, "B": INT}}
COLOR = {"R": 100, "G": 200, "B": 150}
ODD = "a/b c,d&e=f;g.h?i#j%k+l"  # every delimiter any style uses, and then some


def op(operation_id: str, *parameters: dict[str, Any], method: str = "get", **extra: Any) -> dict[str, Any]:
    return {method: {"operationId": operation_id, "parameters": list(parameters), "responses": OK, **extra}}


def param(location: str, schema: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"name": "v", "in": location, "required": location == "path", **extra}
    if schema is not None:
        result["schema"] = schema
    return result


# (location, schema, style, explode, value): each becomes an operation echoing its parameter ``v``
CASES: list[tuple[str, dict[str, Any], str | None, bool | None, Any]] = [
    ("path", INT, None, None, 42),
    ("path", NUM, None, None, 2.5),
    ("path", BOOL, None, None, False),
    ("path", STR, None, None, ODD),
    ("path", INTS, "simple", False, [1, 2, 3]),
    ("path", STRS, "simple", True, ["a,b", "c d", "é"]),
    ("path", RGB, "simple", False, COLOR),
    ("path", RGB, "simple", True, COLOR),
    ("path", NUM, "label", False, 2.5),
    ("path", STR, "label", True, "x.y"),
    ("path", INTS, "label", False, [1, 2, 3]),
    ("path", INTS, "label", True, [1, 2, 3]),
    ("path", RGB, "label", False, COLOR),
    ("path", RGB, "label", True, COLOR),
    ("path", INT, "matrix", False, 5),
    ("path", STR, "matrix", True, ODD),
    ("path", INTS, "matrix", False, [1, 2, 3]),
    ("path", INTS, "matrix", True, [1, 2, 3]),
    ("path", RGB, "matrix", False, COLOR),
    ("path", RGB, "matrix", True, COLOR),
    ("query", INT, "form", True, -7),
    ("query", NUM, "form", True, 0.25),
    ("query", BOOL, "form", True, True),
    ("query", STR, "form", True, ODD),
    ("query", STR, "form", True, ""),
    ("query", INTS, "form", True, [1, 2, 3]),
    ("query", INTS, "form", True, []),
    ("query", STRS, "form", True, ["a b", "c&d", "é"]),
    ("query", INTS, "form", False, [1, 2, 3]),
    ("query", RGB, "form", True, COLOR),
    ("query", RGB, "form", False, COLOR),
    ("query", INTS, "spaceDelimited", False, [1, 2, 3]),
    ("query", INTS, "spaceDelimited", True, [1, 2, 3]),
    ("query", INTS, "pipeDelimited", False, [1, 2, 3]),
    ("query", INTS, "pipeDelimited", True, [1, 2, 3]),
    ("query", RGB, "pipeDelimited", False, COLOR),
    ("query", RGB, "spaceDelimited", False, COLOR),
    ("query", RGB, "deepObject", True, COLOR),
    ("header", INT, "simple", False, 12),
    ("header", BOOL, "simple", False, True),
    ("header", STR, "simple", False, "a b; c"),
    ("header", INTS, "simple", False, [1, 2, 3]),
    ("header", INTS, "simple", True, [1, 2, 3]),
    ("header", RGB, "simple", False, COLOR),
    ("header", RGB, "simple", True, COLOR),
    ("cookie", INT, "form", True, 3),
    ("cookie", STR, "form", True, "abc"),
    ("cookie", INTS, "form", False, [1, 2]),
    ("cookie", RGB, "form", False, COLOR),
]


def _case_operation(index: int, case: tuple[str, dict[str, Any], str | None, bool | None, Any]) -> dict[str, Any]:
    location, schema, style, explode, _ = case
    extra: dict[str, Any] = {}
    if style is not None:
        extra["style"] = style
    if explode is not None:
        extra["explode"] = explode
    return op(f"echo{index}", param(location, schema, **extra))


PARAMETERS_3 = document(
    {
        **{
            f"/p{index}/{{v}}" if case[0] == "path" else f"/p{index}": _case_operation(index, case)
            for index, case in enumerate(CASES)
        },
        "/json-query": op(
            "echoJson",
            {"name": "filter", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
        ),
        "/names/{petId}": op(
            "echoNames",
            {"name": "petId", "in": "path", "required": True, "schema": INT},
            {"name": "X-Rate-Limit", "in": "header", "schema": INT},
            {"name": "filter", "in": "query", "schema": STR},
            {"name": "limit", "in": "query", "schema": {**INT, "default": 10}},
        ),
    },
    **{"x-openapi-router-controller": C},
)
for item in PARAMETERS_3["paths"].values():
    item["get"]["x-openapi-router-controller"] = C


async def client_for(serve: Any, spec: dict[str, Any], **options: Any) -> ApiClient:
    server = await serve(spec)
    base = str(server.make_url("/")) + (options.pop("base_path", "") or "").lstrip("/")
    return ApiClient(spec, base, session=server.session, **options)


@pytest.fixture
async def parameters(serve):
    return await client_for(serve, PARAMETERS_3)


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=lambda c: str(c) if isinstance(c, int) else "")
async def test_every_style_round_trips(parameters, index, case):
    value = case[-1]
    assert typed(await getattr(parameters, f"echo{index}")(v=value)) == typed({"v": value})


async def test_json_query_parameter(parameters):
    value = {"a": [1, 2.5], "b": None, "c": "x&y"}
    assert await parameters.echoJson(filter=value) == {"filter": value}


async def test_argument_names_python_safe_snake_case_and_as_written(parameters):
    received = {"petId": 7, "XRateLimit": 3, "filter": "f", "limit": 10}  # the server's argument names
    assert await parameters.echoNames(pet_id=7, x_rate_limit=3, filter="f") == received
    assert await parameters.echo_names(petId=7, XRateLimit=3, filter="f") == received
    assert await parameters.echoNames(**{"petId": 7, "X-Rate-Limit": 3, "filter": "f"}) == received


async def test_unknown_and_missing_arguments_and_operations(parameters):
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'colour' \(known: petId, X-Rate-Limit"):
        await parameters.echoNames(pet_id=1, colour="red")
    with pytest.raises(TypeError, match=r"missing required argument.*'petId'"):
        await parameters.echoNames(limit=1)
    with pytest.raises(AttributeError, match=r"no operation .getPets. .known: echo0, echo1"):
        parameters.getPets  # noqa: B018
    assert "echoNames" in parameters.operations
    assert "echoJson" in parameters.operations
    assert parameters.echo_names is parameters.echoNames


async def test_none_leaves_an_optional_parameter_out(parameters):
    assert await parameters.echoNames(pet_id=1, filter=None) == {"petId": 1, "limit": 10}


# --- Swagger 2.0 ---


def items(name: str, location: str, kind: str = "integer", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": location, "type": "array", "items": {"type": kind}, **extra}


SWAGGER = document(
    {
        "/items/{ids}": {
            "post": {
                "operationId": "echoSwagger",
                "x-openapi-router-controller": C,
                "consumes": ["application/x-www-form-urlencoded"],
                "parameters": [
                    items("ids", "path", required=True),
                    items("csv", "query", collectionFormat="csv"),
                    items("ssv", "query", collectionFormat="ssv"),
                    items("tsv", "query", collectionFormat="tsv"),
                    items("pipes", "query", collectionFormat="pipes"),
                    items("multi", "query", collectionFormat="multi"),
                    items("X-Tags", "header", "string"),
                    {"name": "ratio", "in": "query", "type": "number"},
                    {"name": "name", "in": "formData", "type": "string", "required": True},
                    {**items("tags", "formData", "string"), "collectionFormat": "multi"},
                    {**items("codes", "formData"), "collectionFormat": "pipes"},
                ],
                "responses": OK,
            }
        },
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "x-openapi-router-controller": C,
                "parameters": [{"name": "petId", "in": "path", "type": "integer", "required": True}],
                "responses": OK,
            }
        },
    },
    version="2.0",
    basePath="/v2",
)


async def test_swagger2_collection_formats_and_form_data(serve):
    client = await client_for(serve, SWAGGER, base_path="/v2")
    arguments = {
        "ids": [7, 8],
        "csv": [1, 2],
        "ssv": [3, 4],
        "tsv": [5, 6],
        "pipes": [7, 8],
        "multi": [9, 10],
        "X-Tags": ["x", "y"],
        "ratio": 0.25,
    }
    fields = {"name": "rex", "tags": ["a", "b c"], "codes": [1, 2]}
    expected = {**arguments, "XTags": ["x", "y"], **fields, "body": fields}
    del expected["X-Tags"]
    assert typed(await client.echoSwagger(**arguments, **fields)) == typed(expected)
    assert typed(await client.echoSwagger(**arguments, body=fields)) == typed(expected)


# --- bodies ---

FORM = {
    "type": "object",
    "properties": {"name": STR, "count": INT, "tags": STRS, "file": {"type": "string", "format": "binary"}},
}


def post(operation_id: str, content: dict[str, Any], responses: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "x-openapi-router-controller": C,
            "requestBody": {"required": True, "content": content},
            "responses": responses or OK,
        }
    }


BODIES = document(
    {
        "/json": post(
            "echoJsonBody",
            {"application/json": {"schema": {"type": "object", "required": ["n"], "properties": {"n": INT}}}},
        ),
        "/form": post(
            "echoForm",
            {
                "application/x-www-form-urlencoded": {"schema": FORM, "encoding": {"tags": {"explode": False}}},
                "multipart/form-data": {"schema": FORM},
            },
        ),
        "/bytes": post(
            "rawBytes",
            {"application/octet-stream": {}},
            {"200": {"description": "reversed", "content": {"application/octet-stream": {}}}},
        ),
        "/text": post(
            "rawText", {"text/plain": {"schema": STR}}, {"200": {"description": "upper", "content": {"text/plain": {}}}}
        ),
    }
)


@pytest.fixture
async def bodies(serve):
    return await client_for(serve, BODIES)


async def test_json_body(bodies):
    assert await bodies.echoJsonBody(body={"n": 1, "extra": [1.5, None]}) == {"body": {"n": 1, "extra": [1.5, None]}}


async def test_urlencoded_form_body_packs_arrays_as_its_encoding_says(bodies):
    body = {"name": "a&b=c", "count": 3, "tags": ["x", "y"]}
    result = await bodies.echoForm(body=body, content_type="application/x-www-form-urlencoded")
    assert result["body"] == body


async def test_multipart_body_with_files(bodies):
    body = {"name": "rex", "count": 2, "tags": ["x", "y"], "file": ("notes.txt", b"hello\x00", "text/plain")}
    result = await bodies.echoForm(body=body)  # a file in the body: multipart is chosen
    file = {"$type": "file", "filename": "notes.txt", "content_type": "text/plain", "value": "hello\x00"}
    assert result["body"] == {"name": "rex", "count": 2, "tags": ["x", "y"], "file": file}
    result = await bodies.echoForm(body={"name": "a", "file": io.BytesIO(b"raw")}, content_type="multipart/form-data")
    assert result["body"]["file"]["value"] == "raw"


async def test_raw_bytes_and_text_bodies_and_responses(bodies):
    response = await bodies.rawBytes.raw(body=b"\x00\x01\xff")
    assert (response.status, response.body, response.content_type) == (200, b"\xff\x01\x00", "application/octet-stream")
    assert await bodies.rawText(body="héllo") == "HÉLLO"


async def test_a_required_body_is_checked_and_a_media_type_not_accepted_is_refused(bodies):
    with pytest.raises(TypeError, match=r"missing required argument.*'body'"):
        await bodies.echoJsonBody()
    with pytest.raises(TypeError, match="not 'text/csv'"):
        await bodies.echoJsonBody(body={"n": 1}, content_type="text/csv")


# --- problems, validation ---

PETS = document(
    {
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {**INT, "maximum": 1000}}],
                "responses": {
                    "200": {
                        "description": "a pet",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"id": INT, "name": STR}, "required": ["id"]}
                            }
                        },
                    },
                    "default": {"description": "a problem"},
                },
            }
        },
        "/bad/{petId}": {
            "get": {
                "operationId": "badPet",
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": INT}],
                "responses": {
                    "200": {
                        "description": "a pet",
                        "content": {"application/json": {"schema": {"type": "object", "properties": {"id": INT}}}},
                    }
                },
            }
        },
        "/fail": {"get": {"operationId": "fail", "responses": OK}},
        "/json": BODIES["paths"]["/json"],
    },
    **{"x-openapi-router-controller": C},
)
for _item in PETS["paths"].values():
    for _operation in _item.values():
        _operation.setdefault("x-openapi-router-controller", C)


async def test_problems_raise_api_error_with_their_fields(serve):
    client = await client_for(serve, PETS)
    assert await client.getPet(pet_id=1) == {"id": 1, "name": "rex"}

    with pytest.raises(ApiError) as caught:
        await client.getPet(pet_id=404)
    error = caught.value
    assert (error.status, error.title, error.detail, error.type) == (
        404,
        "Not Found",
        "no pet 404",
        "https://example.com/no-pet",
    )
    assert error.extensions == {"pet_id": 404}
    assert error.problem["status"] == 404
    assert error.headers["Content-Type"] == "application/problem+json"
    assert str(error) == "getPet: 404 Not Found: no pet 404"

    with pytest.raises(ApiError) as caught:
        await client.getPet(pet_id="abc")  # not validated here: the server says why
    assert caught.value.status == 400
    assert caught.value.errors == [{"in": "path", "name": "petId", "message": "must be an integer"}]

    with pytest.raises(ApiError) as caught:
        await client.fail()
    assert caught.value.status == 500
    assert caught.value.extensions["request_id"] == caught.value.headers["X-Request-ID"]
    assert "internal detail" not in str(caught.value.body)


async def test_request_validation_before_sending(serve):
    client = await client_for(serve, PETS, validate_requests=True)
    with pytest.raises(RequestValidationError) as caught:
        await client.getPet(pet_id=5000)
    assert [v.as_dict() for v in caught.value.violations] == [
        {"in": "path", "name": "petId", "message": "must be <= 1000"}
    ]
    with pytest.raises(RequestValidationError) as caught:
        await client.echoJsonBody(body={"n": "one"})
    assert caught.value.violations[0].location == "body"
    assert await client.getPet(pet_id=3) == {"id": 3, "name": "rex"}


async def test_response_validation(serve):
    client = await client_for(serve, PETS, validate_responses=True)
    assert await client.getPet(pet_id=3) == {"id": 3, "name": "rex"}
    with pytest.raises(ResponseValidationError) as caught:
        await client.badPet(pet_id=3)
    assert caught.value.violations[0].location == "body"
    plain = await client_for(serve, PETS)
    assert await plain.badPet(pet_id=3) == {"id": "3", "name": 7}


# --- auth ---

A = "specs.security.auth."
SCHEMES = {
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "x-apikeyInfoFunc": A + "apikey_info"},
    "queryKey": {"type": "apiKey", "in": "query", "name": "api_key", "x-apikeyInfoFunc": A + "apikey_info"},
    "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session", "x-apikeyInfoFunc": A + "apikey_info"},
    "basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": A + "basic_info"},
    "bearer": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": A + "bearer_info"},
    "oauth": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://auth.invalid/token", "scopes": {"read": ""}}},
        "x-tokenInfoFunc": A + "token_info",
    },
}
AUTH = document(
    {
        f"/{name}": {
            "get": {
                "operationId": f"who_{name}",
                "x-openapi-router-controller": C,
                "security": [{name: ["read"] if name == "oauth" else []}],
                "responses": OK,
            }
        }
        for name in SCHEMES
    },
    components={"securitySchemes": SCHEMES},
)
# who_headerKey etc. resolve to whoami
handlers.__dict__.update({f"who_{name}": handlers.whoami for name in SCHEMES})


@pytest.mark.parametrize(
    ("scheme", "auth"),
    [
        ("headerKey", {"headerKey": "key-ada"}),
        ("queryKey", {"queryKey": "key-ada"}),
        ("cookieKey", {"apiKey": "key-ada"}),  # by type
        ("basic", {"basic": ("bob", "pässwörd")}),
        ("basic", {"http": ("ada", "lovelace")}),  # by type
        ("bearer", {"bearer": "tok-read"}),
        ("oauth", {"oauth2": "tok-read"}),
        ("oauth", {"bearer": lambda: "tok-write"}),  # a function: called on each request
    ],
)
async def test_auth_of_each_kind(serve, scheme, auth):
    client = await client_for(serve, AUTH, auth=auth)
    answer = await getattr(client, f"who_{scheme}")()
    assert answer["user"] is not None
    anonymous = await client_for(serve, AUTH)
    with pytest.raises(ApiError) as caught:
        await getattr(anonymous, f"who_{scheme}")()
    assert caught.value.status == 401


async def test_an_async_credential_function_and_openid_connect_header():
    async def token() -> str:
        return "tok-oidc"

    from openapi_aio.client.auth import SecurityPlan

    schemes = {"oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.invalid/"}}
    credentials = await SecurityPlan(({"oidc": ()},), schemes, {"openIdConnect": token}).apply()
    assert credentials.headers == {"Authorization": "Bearer tok-oidc"}


# --- retries and timeouts ---

FLAKY = document(
    {
        "/flaky/{key}": {
            **op("flaky", param("path", STR, name="key"), **{"x-openapi-router-controller": C}),
            **op("flakyPost", param("path", STR, name="key"), method="post", **{"x-openapi-router-controller": C}),
        },
        "/slow": op("slow", param("query", NUM, name="seconds"), **{"x-openapi-router-controller": C}),
    }
)


async def test_idempotent_calls_are_retried_on_503_honouring_retry_after(serve):
    client = await client_for(serve, FLAKY, retries=2, backoff=30)  # Retry-After: 0 wins over the backoff
    started = time.monotonic()
    assert await client.flaky(key="get") == {"calls": 3}
    assert time.monotonic() - started < 10  # the backoff alone would be 30 s
    with pytest.raises(ApiError) as caught:
        await client.flakyPost(key="post")
    assert caught.value.status == 503
    assert handlers.CALLS["post"] == 1
    once = await client_for(serve, FLAKY, retries=1)
    with pytest.raises(ApiError):
        await once.flaky(key="once")
    assert handlers.CALLS["once"] == 2


async def test_connection_errors_are_retried_with_backoff(unused_tcp_port):
    client = ApiClient(FLAKY, f"http://127.0.0.1:{unused_tcp_port}", retries=2, backoff=0.05)
    async with client:
        started = time.monotonic()
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.flaky(key="nobody")
        assert time.monotonic() - started >= 0.15  # 0.05 + 0.1
    assert client._session is not None
    assert client._session.closed


async def test_timeout(serve):
    client = await client_for(serve, FLAKY, timeout=0.2)
    with pytest.raises(TimeoutError):
        await client.slow(seconds=2)
    assert await client.slow(seconds=0) == {"slept": 0}


async def test_concurrent_calls_share_one_session(serve):
    client = await client_for(serve, PETS)
    pets = await asyncio.gather(*(client.getPet(pet_id=n) for n in range(20)))
    assert [pet["id"] for pet in pets] == list(range(20))


# --- loading from a running service, tracing through two services ---


async def test_load_from_the_url_of_a_served_document(serve):
    spec = {**PETS, "servers": [{"url": "/v1"}]}
    server = await serve(spec)
    url = str(server.make_url("/v1/openapi.json"))
    async with await ApiClient.load(url) as client:
        assert client.base_url == str(server.make_url("/v1"))
        assert await client.getPet(pet_id=2) == {"id": 2, "name": "rex"}
    swagger = await serve(SWAGGER)
    client = await ApiClient.load(str(swagger.make_url("/v2/swagger.json")), session=swagger.session)
    assert client.base_url == str(swagger.make_url("/v2"))
    assert await client.getPet(petId=5) == {"id": 5, "name": "rex"}


async def test_load_from_a_file_and_base_url_errors(tmp_path):
    import json

    path = tmp_path / "api.json"
    path.write_text(
        json.dumps(
            {**PETS, "servers": [{"url": "https://{host}/api", "variables": {"host": {"default": "pets.example"}}}]}
        )
    )
    async with await ApiClient.load(path) as client:
        assert client.base_url == "https://pets.example/api"
    with pytest.raises(ValueError, match="pass base_url="):
        ApiClient(PETS)


TRACE_B = document({"/who": op("whoCalls", **{"x-openapi-router-controller": C})})
TRACE_A = document({"/relay": op("relay", **{"x-openapi-router-controller": C})})


async def test_request_ids_follow_a_call_through_two_services(serve):
    service_b = await serve(TRACE_B)
    service_a = await serve(TRACE_A)
    handlers.SERVICE_B["client"] = ApiClient(TRACE_B, str(service_b.make_url("/")), session=service_b.session)
    try:
        client = ApiClient(
            TRACE_A, str(service_a.make_url("/")), session=service_a.session, headers={"X-Request-ID": "call-42"}
        )
        response = await client.relay.raw()
        assert response.body == {"a": "call-42", "b": "call-42", "b_header": "call-42"}
        assert response.headers["X-Request-ID"] == "call-42"
        generated = await ApiClient(TRACE_A, str(service_a.make_url("/")), session=service_a.session).relay.raw()
        request_id = generated.headers["X-Request-ID"]
        assert generated.body == {"a": request_id, "b": request_id, "b_header": request_id}
    finally:
        handlers.SERVICE_B.clear()


def test_writers_encode_what_readers_split():
    writer = ParameterWriter(ParameterSpec("ids", "query", {"type": "array"}, style="form", explode=False))
    assert writer.write(["a,b", "c"]) == [("ids", "a%2Cb,c")]
    reserved = ParameterWriter(ParameterSpec("u", "query", STR, allow_reserved=True))
    assert reserved.write("a/b?c&d") == [("u", "a/b?c%26d")]
