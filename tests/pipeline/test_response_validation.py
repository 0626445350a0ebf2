"""Response validation (``validate_responses``): what handlers answer, checked over real HTTP."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aiohttp import web
from conftest import document

from openapi_aio import ProblemException

RATE = "X-Rate-Limit"
HEADERS = {RATE: "10"}
PET = {"id": 1, "name": "rex", "tag": None}
GENERIC_500 = {
    "type": "about:blank",
    "title": "Internal Server Error",
    "status": 500,
    "detail": "The server could not complete the request.",
}

VERSIONS = ["2.0", "3.0.3", "3.1.0"]
OPENAPI_3 = ["3.0.3", "3.1.0"]


# --- handlers -------------------------------------------------------------------------------


def stream(status: int = 200, headers: dict[str, str] | None = None, *, send: bool = True) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            status=status, headers={"Content-Type": "application/x-ndjson", **(headers or {})}
        )
        if send:
            await response.prepare(request)
            for line in (b'{"id": "not an integer"}\n', b'{"extra": true}\n'):
                await response.write(line)
        return response

    return handler


PET_CASES: dict[str, Any] = {
    "valid": (PET, 200, HEADERS),
    "wrong-type": ({"id": "one", "name": 5}, 200, HEADERS),
    "missing": ({"name": "rex"}, 200, HEADERS),  # id is readOnly: required in responses all the same
    "extra": ({**PET, "colour": "red", "age": 3}, 200, HEADERS),
    "write-only": ({**PET, "password": "hunter2"}, 200, HEADERS),
    "undeclared": (PET, 418, HEADERS),
    "no-header": (PET, 200),
    "header-type": (PET, 200, {RATE: "many"}),
    "header-range": (PET, 200, {RATE: "1000"}),
    # a response object serves one request: these are made per call
    "text": lambda: web.Response(text=json.dumps(PET), content_type="text/plain", headers=HEADERS),
    "other-json": lambda: web.Response(
        body=json.dumps(PET).encode(), content_type="application/vnd.pet+json", headers=HEADERS
    ),
    "not-json": lambda: web.Response(body=b'{"id": 1,', content_type="application/json", headers=HEADERS),
}

RANGE_CASES: dict[str, Any] = {
    "exact": ({"exact": True}, 200),
    "exact-wrong": ({"ok": True}, 200),  # 200 is declared itself: the 2XX schema does not apply
    "range": ({"ok": True}, 201),
    "range-wrong": ({"exact": True}, 202),
    "default": ({"message": "unavailable"}, 503),
    "default-wrong": ({"ok": True}, 500),
}

STREAM_CASES: dict[str, Any] = {
    "sent": stream(headers=HEADERS),
    "sent-undeclared": stream(418, HEADERS),
    "unsent-bad-header": stream(headers={RATE: "many"}, send=False),
    "unsent-undeclared": stream(418, HEADERS, send=False),
}


async def pet(case: str) -> Any:
    result = PET_CASES[case]
    return result() if callable(result) else result


async def ranges(case: str) -> Any:
    return RANGE_CASES[case]


async def streamed(request: web.Request, case: str) -> web.StreamResponse:
    response: web.StreamResponse = await STREAM_CASES[case](request)
    return response


async def no_content(case: str) -> Any:
    return {"empty": (None, 200), "body": ({"x": 1}, 200)}[case]


async def missing(limit: int) -> Any:
    raise ProblemException(404, detail=f"no pet {limit}")


async def wildcard(case: str) -> Any:
    if case == "csv":
        return web.Response(text="a,b\n", content_type="text/csv")
    return {"a": "b"}


HANDLERS = {f.__name__: f for f in (pet, ranges, streamed, no_content, missing, wildcard)}


def resolver(operation: Any) -> Any:
    return HANDLERS[operation.operation_id]


# --- the document, written for each version -------------------------------------------------


def pet_schema(version: str) -> dict[str, Any]:
    if version == "3.1.0":
        identifier = {"type": "integer", "exclusiveMinimum": 0, "readOnly": True}
        tag = {"type": ["string", "null"]}
    else:
        identifier = {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "readOnly": True}
        tag = {"type": "string", ("x-nullable" if version == "2.0" else "nullable"): True}
    properties: dict[str, Any] = {"id": identifier, "name": {"type": "string"}, "tag": tag}
    if version != "2.0":  # Swagger 2 has no writeOnly
        properties["password"] = {"type": "string", "writeOnly": True}
    return {"type": "object", "required": ["id", "name"], "properties": properties, "additionalProperties": False}


def response(version: str, schema: Any = None, media_type: str = "application/json", **headers: Any) -> dict[str, Any]:
    """A response object; ``headers``: name -> schema (required in 3.x)."""
    if version == "2.0":
        declared: dict[str, Any] = {"description": "ok"}
        if schema is not None:
            declared["schema"] = schema
        if headers:
            declared["headers"] = {name.replace("_", "-"): schema for name, schema in headers.items()}
        return declared
    declared = {"description": "ok"}
    if schema is not None:
        declared["content"] = {media_type: {"schema": schema} if schema else {}}
    if headers:
        declared["headers"] = {
            name.replace("_", "-"): {"required": True, "schema": schema} for name, schema in headers.items()
        }
    return declared


def parameter(version: str, name: str, location: str, kind: str) -> dict[str, Any]:
    if version == "2.0":
        return {"name": name, "in": location, "required": True, "type": kind}
    return {"name": name, "in": location, "required": True, "schema": {"type": kind}}


def operation(version: str, operation_id: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    case = parameter(version, "case", "path", "string")
    return {"get": {"operationId": operation_id, "parameters": [case], "responses": responses, **extra}}


def spec(version: str) -> dict[str, Any]:
    rate = {"type": "integer", "maximum": 100}
    paths: dict[str, Any] = {
        "/pets/{case}": operation(version, "pet", {"200": response(version, pet_schema(version), X_Rate_Limit=rate)}),
        "/streams/{case}": operation(
            version,
            "streamed",
            {"200": response(version, {}, "application/x-ndjson", X_Rate_Limit=rate)},
            **({"produces": ["application/x-ndjson"]} if version == "2.0" else {}),
        ),
        "/no-content/{case}": operation(version, "no_content", {"200": response(version)}),
        "/missing": {
            "get": {
                "operationId": "missing",
                "parameters": [parameter(version, "limit", "query", "integer")],
                "responses": {"200": response(version, pet_schema(version))},
            }
        },
    }
    exact = {"type": "object", "required": ["exact"]}
    in_range = {"type": "object", "required": ["ok"]}
    error = {"type": "object", "required": ["message"]}
    if version == "2.0":  # no status ranges in Swagger 2
        paths["/ranges/{case}"] = operation(
            version, "ranges", {"200": response(version, exact), "default": response(version, error)}
        )
    else:
        paths["/ranges/{case}"] = operation(
            version,
            "ranges",
            {
                "200": response(version, exact),
                "2XX": response(version, in_range),
                "default": response(version, error),
            },
        )
        paths["/wildcard/{case}"] = operation(version, "wildcard", {"200": response(version, {}, "text/*")})
    return document(paths, version)


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(serve, version):
    return await serve(spec(version), resolver=resolver, validate_responses=True)


async def assert_generic_500(response: Any) -> None:
    assert response.status == 500
    assert response.content_type == "application/problem+json"
    # nothing but the generic problem, and the request's id to find the log record by
    assert await response.json() == {**GENERIC_500, "request_id": response.headers["X-Request-ID"]}
    assert RATE not in response.headers  # nothing of the handler's response reaches the client


def one_record(caplog: pytest.LogCaptureFixture) -> str:
    records = [record for record in caplog.records if record.name == "openapi_aio"]
    assert len(records) == 1, [record.getMessage() for record in records]
    assert records[0].levelno == logging.ERROR
    return records[0].getMessage()


# --- valid responses pass unchanged ---------------------------------------------------------


async def test_valid_response_passes_unchanged(serve, client, version):
    unchecked = await serve(spec(version), resolver=resolver)
    checked = await client.get("/pets/valid")
    plain = await unchecked.get("/pets/valid")
    assert checked.status == plain.status == 200
    assert await checked.read() == await plain.read() == json.dumps(PET, separators=(",", ":")).encode()
    for name in ("Content-Type", RATE, "Content-Length"):
        assert checked.headers[name] == plain.headers[name]


# --- body violations ------------------------------------------------------------------------


async def test_wrong_types_are_a_500_and_one_log_record(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/wrong-type")
    await assert_generic_500(response)
    message = one_record(caplog)
    assert "invalid response from pet (GET /pets/wrong-type), status 200" in message
    assert "body /id: must be an integer" in message
    assert "body /name: must be a string" in message


async def test_a_missing_read_only_property_is_a_violation(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/missing")
    await assert_generic_500(response)
    assert "body /id: is required" in one_record(caplog)


async def test_additional_properties_are_violations(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/extra")
    await assert_generic_500(response)
    message = one_record(caplog)
    assert "body /colour: is not a known property" in message
    assert "body /age: is not a known property" in message


@pytest.mark.parametrize("version", OPENAPI_3, indirect=True)
async def test_a_write_only_property_must_not_be_returned(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/write-only")
    await assert_generic_500(response)
    message = one_record(caplog)
    assert "body /password: is write-only and must not be returned" in message
    assert "hunter2" not in message  # values are never echoed, not even to the log


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("text", "header 'Content-Type': 'text/plain' is not a declared media type of response 200"),
        ("other-json", "header 'Content-Type': 'application/vnd.pet+json' is not a declared media type"),
        ("not-json", "body /: is not valid JSON"),
    ],
)
async def test_media_type_and_malformed_json(client, caplog, case, logged):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get(f"/pets/{case}")
    await assert_generic_500(response)
    assert logged in one_record(caplog)


@pytest.mark.parametrize("version", OPENAPI_3, indirect=True)
async def test_a_body_where_no_content_is_described_passes_in_openapi_3(client, caplog):
    """OpenAPI 3's ``content`` describes "potential response payloads": without it the payload is
    not described, not forbidden, and there is nothing to check it against (Connexion passes it)."""
    assert (await client.get("/no-content/empty")).status == 200
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/no-content/body")
    assert response.status == 200
    assert await response.json() == {"x": 1}
    assert not caplog.records


@pytest.mark.parametrize("version", ["2.0"], indirect=True)
async def test_a_body_where_swagger_2_declares_no_schema_is_a_violation(client, caplog):
    """Swagger 2.0, Response Object: without ``schema``, "no content is returned"."""
    assert (await client.get("/no-content/empty")).status == 200
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/no-content/body")
    await assert_generic_500(response)
    assert "response 200 declares no content, but a body was sent" in one_record(caplog)


@pytest.mark.parametrize("version", OPENAPI_3, indirect=True)
async def test_media_ranges_match_the_content_type(client, caplog):
    response = await client.get("/wildcard/csv")
    assert response.status == 200
    assert await response.text() == "a,b\n"
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/wildcard/json")
    await assert_generic_500(response)
    assert "'application/json' is not a declared media type of response 200 (text/*)" in one_record(caplog)


# --- statuses -------------------------------------------------------------------------------


async def test_an_undeclared_status_without_default_is_a_violation(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/undeclared")
    await assert_generic_500(response)
    message = one_record(caplog)
    assert "status 418" in message
    assert "is not a declared response of this operation, and there is no default response" in message


@pytest.mark.parametrize(
    ("case", "status"),
    [("exact", 200), ("range", 201), ("default", 503)],
)
async def test_exact_range_and_default_responses_match(client, version, case, status):
    if version == "2.0" and case == "range":
        status = 500  # Swagger 2 has no ranges: 201 falls to the default response, which it breaks
    response = await client.get(f"/ranges/{case}")
    assert response.status == status


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("exact-wrong", "status 200:\n  - body /exact: is required"),
        ("range-wrong", "status 202:\n  - body /ok: is required"),
        ("default-wrong", "status 500:\n  - body /message: is required"),
    ],
)
@pytest.mark.parametrize("version", OPENAPI_3, indirect=True)
async def test_each_status_is_checked_against_its_own_response(client, caplog, case, logged):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get(f"/ranges/{case}")
    await assert_generic_500(response)
    assert logged in one_record(caplog)


# --- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", OPENAPI_3, indirect=True)
async def test_a_missing_required_header_is_a_violation(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/pets/no-header")
    await assert_generic_500(response)
    assert "header 'X-Rate-Limit': required header is missing" in one_record(caplog)


@pytest.mark.parametrize("version", ["2.0"], indirect=True)
async def test_swagger_2_headers_are_never_required(client):
    assert (await client.get("/pets/no-header")).status == 200


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("header-type", "header 'X-Rate-Limit': must be an integer"),
        ("header-range", "header 'X-Rate-Limit': must be <= 100"),
    ],
)
async def test_header_values_are_cast_and_validated(client, caplog, case, logged):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get(f"/pets/{case}")
    await assert_generic_500(response)
    assert logged in one_record(caplog)


# --- stream responses -----------------------------------------------------------------------


async def test_a_stream_is_checked_for_status_and_headers_only(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/streams/sent")
        assert response.status == 200
        assert response.headers[RATE] == "10"
        assert await response.read() == b'{"id": "not an integer"}\n{"extra": true}\n'
    assert not caplog.records


@pytest.mark.parametrize(
    ("case", "logged"),
    [
        ("unsent-bad-header", "header 'X-Rate-Limit': must be an integer"),
        ("unsent-undeclared", "status 418: is not a declared response"),
    ],
)
async def test_a_stream_not_yet_sent_is_replaced_by_a_500(client, caplog, case, logged):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get(f"/streams/{case}")
    await assert_generic_500(response)
    assert logged in one_record(caplog)


async def test_a_stream_already_sent_is_logged_and_left_alone(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/streams/sent-undeclared")
        assert response.status == 418
        assert await response.read() == b'{"id": "not an integer"}\n{"extra": true}\n'
    message = one_record(caplog)
    assert "status 418 (already sent, so passed on)" in message


# --- problems are not responses of the handler ----------------------------------------------


async def test_a_problem_raised_by_the_handler_is_not_converted(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/missing", params={"limit": "7"})
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    assert (await response.json())["detail"] == "no pet 7"
    assert not caplog.records


async def test_a_request_validation_error_is_not_converted(client, caplog):
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get("/missing", params={"limit": "seven"})
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    assert (await response.json())["errors"][0]["name"] == "limit"
    assert not caplog.records


# --- off ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong-type", "undeclared", "no-header"])
async def test_off_a_wrong_response_passes_untouched(serve, version, caplog, case):
    client = await serve(spec(version), resolver=resolver)
    with caplog.at_level(logging.ERROR, logger="openapi_aio"):
        response = await client.get(f"/pets/{case}")
    body, status = PET_CASES[case][:2]
    assert response.status == status
    assert await response.json() == body
    assert not caplog.records


def test_off_the_stage_adds_nothing():
    from openapi_aio.pipeline.response_validation import stage

    class Options:
        validate_responses = False

    class Operation:
        options = Options()

    async def call(request: web.Request) -> web.StreamResponse:
        raise AssertionError

    assert stage(Operation(), call) is call  # type: ignore[arg-type]


async def test_header_schema_given_by_reference_is_checked(serve, caplog):
    async def handler() -> tuple:
        return {}, 200, {"X-Rate": "lots"}

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/r": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-Rate": {"schema": {"$ref": "#/components/schemas/Rate"}}},
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    }
                }
            }
        },
        "components": {"schemas": {"Rate": {"type": "integer"}}},
    }
    client = await serve(spec, resolver=lambda op: handler, validate_responses=True)
    response = await client.get("/r")
    assert response.status == 500
    assert "X-Rate" in caplog.text
