"""Hostile input, over real HTTP and byte for byte (issue 18: M8, M9, L7, L9, L10, L11, L12).

Requests are written on raw sockets, so that what is malformed (bytes that are not UTF-8 in a
header, a body that stops half way, a closed connection) really is so on the wire:

- text that is no text (8-bit header, cookie and credential bytes, ``"\\ud800"`` in JSON, a charset
  that makes lone surrogates) is a 400 problem, a 401 for credentials, wherever it enters; never a
  500, and never a handler or a security function that sees it;
- a client that leaves in the middle of an upload is a debug line, no 500, no Sentry event;
- JSON query values with NaN or 1e400 are a 400; urlencoded fields whose ``encoding`` says
  ``application/json`` are JSON; more form parts than ``max_form_parts`` is a 413;
- ``Expect: 100-continue`` over the size limit is a 413 without ``100 Continue``;
- a body that stops arriving is a 408 after ``body_timeout``; a connection that sends no complete
  request head is closed after ``--keepalive-timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from conftest import SPECS, document
from example_server import Server, example_server
from helpers import free_port, start
from specs.security import auth

import openapi_aio

H = "specs.parameters.handlers.echo__"
AUTH = "specs.security.auth."
OK = {"200": {"description": "ok"}}
MiB = 1024**2


def op(number: int, **extra: Any) -> dict[str, Any]:
    return {"operationId": f"{H}{number}", "responses": OK, **extra}


def body(media_type: str, schema: dict[str, Any], **media: Any) -> dict[str, Any]:
    return {"content": {media_type: {"schema": schema, **media}}}


OBJECT = {"type": "object"}
JSON_PARAMETER = {"content": {"application/json": {"schema": {}}}}
SPEC = document(
    {
        "/query": {"get": op(1, parameters=[{"name": "doc", "in": "query", **JSON_PARAMETER}])},
        "/header": {
            "get": op(
                2,
                parameters=[
                    {"name": "X-Name", "in": "header", "schema": {"type": "string"}},
                    {"name": "X-Doc", "in": "header", **JSON_PARAMETER},
                    {"name": "sid", "in": "cookie", "schema": {"type": "string"}},
                ],
            )
        },
        "/multipart": {
            "post": op(
                3,
                requestBody=body(
                    "multipart/form-data",
                    {
                        "type": "object",
                        "properties": {"meta": OBJECT, "note": {"type": "string"}, "file": {"format": "binary"}},
                    },
                ),
            )
        },
        "/form": {
            "post": op(
                4,
                requestBody=body(
                    "application/x-www-form-urlencoded",
                    {
                        "type": "object",
                        "properties": {
                            "meta": OBJECT,
                            "ids": {"type": "array", "items": {"type": "integer"}},
                            "note": {"type": "string"},
                        },
                    },
                    encoding={
                        "meta": {"contentType": "application/json"},
                        "ids": {"contentType": "application/json; charset=utf-8", "explode": False},
                    },
                ),
            )
        },
        "/text": {"post": op(5, requestBody={"content": {"text/plain": {}}})},
        "/json": {"post": op(6, requestBody=body("application/json", {}))},
        "/key": {"get": op(7, security=[{"key": []}])},
        "/cookie-key": {"get": op(8, security=[{"cookieKey": []}])},
        "/basic": {"get": op(9, security=[{"basic": []}])},
        "/bearer": {"post": op(10, security=[{"bearer": []}], requestBody=body("application/json", {}))},
    },
    components={
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": AUTH + "apikey_info"},
            "cookieKey": {"type": "apiKey", "in": "cookie", "name": "key", "x-apikeyInfoFunc": AUTH + "apikey_info"},
            "basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": AUTH + "basic_info"},
            "bearer": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": AUTH + "bearer_info"},
        }
    },
)


# --- a raw HTTP/1.1 client ----------------------------------------------------------------------


def request(
    method: str, target: str, headers: bytes = b"", content: bytes = b"", *, length: int | None = None
) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\n".encode() + headers
    if content or length is not None:
        head += b"Content-Length: %d\r\n" % (len(content) if length is None else length)
    return head + b"\r\n" + content


def part(name: bytes, content: bytes, headers: bytes = b"", filename: bytes | None = None) -> bytes:
    disposition = b'form-data; name="' + name + b'"' + (b'; filename="' + filename + b'"' if filename else b"")
    return b"--b\r\nContent-Disposition: " + disposition + b"\r\n" + headers + b"\r\n" + content + b"\r\n"


def multipart(*parts: bytes) -> tuple[bytes, bytes]:
    return b"Content-Type: multipart/form-data; boundary=b\r\n", b"".join(parts) + b"--b--\r\n"


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One answer: status, headers (lower-case names), body (by its Content-Length)."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    content = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), 5)
    return int(lines[0].split()[1]), headers, content


async def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        return await read_answer(reader)
    finally:
        writer.close()


def problem_of(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, Any]:
    code, headers, content = answer
    assert code == status, content
    assert headers["content-type"].startswith("application/problem+json"), headers
    problem: dict[str, Any] = json.loads(content)
    assert problem["status"] == status
    return problem


@pytest.fixture
async def port(serve: Any) -> int:
    client = await serve(SPEC)
    return int(client.port)


# --- M8: text that is no text, in every location ---------------------------------------------------

MULTIPART_CASES = {
    "json-part-lone-surrogate": multipart(part(b"meta", b'{"a": "\\ud800"}')),
    "json-part-lone-surrogate-key": multipart(part(b"meta", b'{"\\udc00": 1}')),
    "text-part-charset-makes-surrogates": multipart(
        part(b"note", b"\\ud800", b"Content-Type: text/plain; charset=unicode_escape\r\n")
    ),
    "8-bit-part-name": multipart(part(b"d\xe9mo", b"x")),
    "8-bit-file-name": multipart(part(b"file", b"content", b"Content-Type: text/plain\r\n", filename=b"d\xe9mo.txt")),
}
NOT_TEXT = "not valid text: bytes that are not UTF-8, or a lone surrogate (\\ud800 to \\udfff)"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (request("GET", "/header", b"X-Name: d\xe9mo\r\n"), ("header", "X-Name")),
        (request("GET", "/header", b"Cookie: sid=d\xe9mo\r\n"), ("cookie", "sid")),
        (request("GET", "/header", b'X-Doc: "\\ud800"\r\n'), ("header", "X-Doc")),
        (request("GET", "/header", b'X-Doc: {"d\xe9": 1}\r\n'), ("header", "X-Doc")),
        (request("GET", "/query?doc=%22%5Cud800%22"), ("query", "doc")),
        (request("GET", "/query?doc=%5B%22%5CuDFFF%22%5D"), ("query", "doc")),
    ],
    ids=[
        "header-8-bit",
        "cookie-8-bit",
        "header-json-lone-surrogate",
        "header-json-8-bit",
        "query-json",
        "query-json-low",
    ],
)
async def test_parameters_that_are_not_text_are_a_400(port, raw, where):
    problem = problem_of(await exchange(port, raw), 400)
    assert problem["errors"] == [{"in": where[0], "name": where[1], "message": NOT_TEXT}]


@pytest.mark.parametrize("case", list(MULTIPART_CASES))
async def test_multipart_fields_and_names_that_are_not_text_are_a_400(port, case):
    headers, content = MULTIPART_CASES[case]
    problem = problem_of(await exchange(port, request("POST", "/multipart", headers, content)), 400)
    (error,) = problem["errors"]
    assert error["in"] == "body"
    assert NOT_TEXT in error["message"]


@pytest.mark.parametrize(
    ("path", "content_type", "content", "error"),
    [
        ("/form", b"application/x-www-form-urlencoded", b"meta=%7B%22a%22%3A%22%5Cud800%22%7D", ("/meta", NOT_TEXT)),
        ("/form", b"application/x-www-form-urlencoded; charset=unicode_escape", b"note=%5Cud800", ("/note", NOT_TEXT)),
        ("/text", b"text/plain; charset=unicode_escape", b"\\ud800", ("", "the body is not valid unicode_escape text")),
    ],
    ids=["urlencoded-json-field", "urlencoded-charset", "text-body-charset"],
)
async def test_form_fields_and_text_bodies_that_are_not_text_are_a_400(port, path, content_type, content, error):
    answer = await exchange(port, request("POST", path, b"Content-Type: " + content_type + b"\r\n", content))
    problem = problem_of(answer, 400)
    assert [(error["pointer"], error["message"]) for error in problem["errors"]] == [error]


async def test_utf_8_in_headers_cookies_and_parts_still_reaches_the_handler(port):
    """The check refuses what cannot be encoded, not what is not ASCII."""
    raw = request("GET", "/header", "X-Name: dé\r\nCookie: sid=dé\r\n".encode())
    status, _, content = await exchange(port, raw)
    assert (status, json.loads(content)) == (200, {"XName": "dé", "sid": "dé"})
    headers, form = multipart(part(b"meta", '{"a": "é\\ud83d\\ude00"}'.encode()), part("né".encode(), b"x"))
    status, _, content = await exchange(port, request("POST", "/multipart", headers, form))
    assert status == 200, content
    assert json.loads(content)["body"] == {"meta": {"a": "é\U0001f600"}, "né": "x"}


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/key", b"X-Key: key-ada\xe9\r\n"),
        ("/cookie-key", b"Cookie: key=key-\xe9da\r\n"),
        ("/basic", b"Authorization: Basic d\xe9mo\r\n"),
        ("/basic", "Authorization: Basic dé\r\n".encode()),  # UTF-8, but no base64: malformed
        ("/bearer", b"Authorization: Bearer d\xe9mo\r\n"),
    ],
    ids=["api-key-header", "api-key-cookie", "basic-8-bit", "basic-utf-8", "bearer-8-bit"],
)
async def test_credentials_that_are_not_text_are_a_401_and_reach_no_function(port, path, header):
    auth.reset()
    method = "POST" if path == "/bearer" else "GET"
    problem = problem_of(await exchange(port, request(method, path, header)), 401)
    assert "credentials" in problem["detail"]
    assert not any(auth.CALLS.values()), dict(auth.CALLS)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with example_server(tmp_path_factory.mktemp("example-input")) as running:
        yield running


def test_an_8_bit_bearer_token_is_a_401_on_the_example_app(example):
    """The finding as it was made: the example's bearer function compares the token's UTF-8."""
    raw = request(
        "POST",
        "/api/v1/projects",
        b"Authorization: Bearer d\xe9mo\r\nContent-Type: application/json\r\nConnection: close\r\n",
        b'{"name": "p"}',
    )
    with socket.create_connection((example.host, example.port), timeout=5) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401 "), answer[:300]
    assert json.loads(content)["detail"] == "bearerAuth: the credentials are not valid UTF-8 text"


# --- L7: JSON query (and header) values that are not JSON ------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/query?doc=NaN", "not valid JSON: NaN is not a JSON number"),
        ("/query?doc=-Infinity", "not valid JSON: -Infinity is not a JSON number"),
        ("/query?doc=%5B1%2C%20Infinity%5D", "not valid JSON: Infinity is not a JSON number"),
        ("/query?doc=1e400", "not valid JSON: 1e400 is out of range for a JSON number"),
        ("/query?doc=%7B%22a%22%3A-1e400%7D", "not valid JSON: -1e400 is out of range for a JSON number"),
        ("/query?doc=1" + "0" * 400 + ".5", "not valid JSON: a number is out of range for a JSON number"),
    ],
    ids=["nan", "minus-infinity", "infinity-in-array", "1e400", "minus-1e400-in-object", "400-digits"],
)
async def test_json_query_values_with_nan_or_infinite_numbers_are_a_400(port, target, message):
    problem = problem_of(await exchange(port, request("GET", target)), 400)
    assert problem["errors"] == [{"in": "query", "name": "doc", "message": message}]


async def test_json_headers_and_json_parts_with_nan_are_a_400_too(port):
    problem = problem_of(await exchange(port, request("GET", "/header", b"X-Doc: [NaN]\r\n")), 400)
    assert problem["errors"] == [
        {"in": "header", "name": "X-Doc", "message": "not valid JSON: NaN is not a JSON number"}
    ]
    headers, content = multipart(part(b"meta", b'{"a": 1e400}'))
    problem = problem_of(await exchange(port, request("POST", "/multipart", headers, content)), 400)
    assert problem["errors"] == [
        {"in": "body", "pointer": "/meta", "message": "not valid JSON: 1e400 is out of range for a JSON number"}
    ]


# --- L11: urlencoded fields whose encoding says JSON -------------------------------------------------

FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


async def test_urlencoded_fields_with_a_json_content_type_are_decoded_as_json(port):
    content = b"meta=%7B%22a%22%3A1%2C%22b%22%3A%5Btrue%2Cnull%5D%7D&ids=%5B1%2C2%5D&note=%7B%7D"
    status, _, answer = await exchange(port, request("POST", "/form", FORM, content))
    assert status == 200, answer
    echoed = json.loads(answer)
    assert echoed["body"] == {"meta": {"a": 1, "b": [True, None]}, "ids": [1, 2], "note": "{}"}
    assert echoed["meta"] == {"a": 1, "b": [True, None]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"meta=%7B", "not valid JSON"),
        (b"meta=%7B%22a%22%3ANaN%7D", "not valid JSON: NaN is not a JSON number"),
        (b"meta=%5B1%5D", "must be an object"),
    ],
    ids=["malformed", "nan", "not-an-object"],
)
async def test_urlencoded_json_fields_that_are_wrong_are_a_400(port, content, message):
    problem = problem_of(await exchange(port, request("POST", "/form", FORM, content)), 400)
    assert [(error["pointer"], error["message"]) for error in problem["errors"]] == [("/meta", message)]


# --- L12: the number of form parts ----------------------------------------------------------------


async def test_more_multipart_parts_than_max_form_parts_is_a_413(serve):
    client = await serve(SPEC)  # the default: 1000
    headers, content = multipart(*(part(b"p%d" % i, b"x") for i in range(1000)))
    status, _, answer = await exchange(client.port, request("POST", "/multipart", headers, content))
    assert status == 200, answer
    headers, content = multipart(*(part(b"p%d" % i, b"x") for i in range(20_000)))
    started = time.process_time()
    problem = problem_of(await exchange(client.port, request("POST", "/multipart", headers, content)), 413)
    assert time.process_time() - started < 1.5  # it was 6 s of CPU: the parts after the 1001st are not parsed
    assert problem["detail"] == "the form has more than the 1000 fields this API accepts"


async def test_max_form_parts_is_an_option_for_multipart_and_urlencoded_bodies(serve):
    client = await serve(SPEC, max_form_parts=3)
    headers, content = multipart(*(part(b"note", b"x") for _ in range(3)))
    assert (await exchange(client.port, request("POST", "/multipart", headers, content)))[0] == 200
    headers, content = multipart(*(part(b"note", b"x") for _ in range(4)))
    problem_of(await exchange(client.port, request("POST", "/multipart", headers, content)), 413)
    assert (await exchange(client.port, request("POST", "/form", FORM, b"note=a&note=b&x=1")))[0] == 200
    problem = problem_of(await exchange(client.port, request("POST", "/form", FORM, b"note=a&note=b&x=1&y=2")), 413)
    assert problem["detail"] == "the form has more than the 3 fields this API accepts"


# --- L9: Expect: 100-continue over the size limit ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "length"),
    [
        ("/json", b"application/json", MiB + 1),
        ("/multipart", b"multipart/form-data; boundary=b", 17 * MiB + 1),
        ("/bearer", b"application/json", 10**12),  # authenticated first, then the size
    ],
    ids=["json", "multipart", "authenticated"],
)
async def test_expect_100_continue_over_the_limit_is_a_413_without_100_continue(port, path, content_type, length):
    headers = b"Content-Type: " + content_type + b"\r\nExpect: 100-continue\r\n"
    if path == "/bearer":
        headers += b"Authorization: Bearer tok-read\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request("POST", path, headers, length=length))
        problem = problem_of(await read_answer(reader), 413)  # the first answer: no 100 Continue
        assert "larger than the" in problem["detail"]
    finally:
        writer.close()


async def test_expect_100_continue_within_the_limit_still_invites_the_body(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        content = b'{"a": 1}'
        headers = b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
        writer.write(request("POST", "/json", headers, length=len(content)))
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(content)
        status, _, answer = await read_answer(reader)
        assert (status, json.loads(answer)) == (200, {"body": {"a": 1}})
    finally:
        writer.close()


# --- L10: bodies that stop arriving, heads that never end ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers", "start"),
    [
        ("/json", b"Content-Type: application/json\r\n", b'{"a": "'),
        ("/multipart", multipart()[0], part(b"note", b"x")[:-10]),
        ("/multipart", multipart()[0], b""),
    ],
    ids=["json", "multipart-in-a-part", "multipart-nothing"],
)
async def test_a_body_that_stops_arriving_is_a_408_after_body_timeout(serve, path, headers, start):
    client = await serve(SPEC, body_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    try:
        began = time.monotonic()
        writer.write(request("POST", path, headers, start, length=1000))
        problem = problem_of(await read_answer(reader), 408)
        assert problem["detail"] == "the request body stopped arriving: nothing more came for 0.5 seconds"
        assert await asyncio.wait_for(reader.read(), 5) == b""  # and the connection is closed
        assert time.monotonic() - began < 3
    finally:
        writer.close()


async def test_a_slow_body_that_keeps_arriving_is_read(serve):
    """The timeout bounds the wait for each piece, not the whole body."""
    client = await serve(SPEC, body_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    try:
        content = b'{"a": "' + b"x" * 8 + b'"}'
        writer.write(request("POST", "/json", b"Content-Type: application/json\r\n", length=len(content)))
        for byte in range(len(content)):  # about 1.2 s in all, a piece every 0.07 s
            writer.write(content[byte : byte + 1])
            await asyncio.sleep(0.07)
        status, _, answer = await read_answer(reader)
        assert (status, json.loads(answer)) == (200, {"body": {"a": "x" * 8}})
    finally:
        writer.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_connections_without_a_complete_head_are_closed_after_the_keepalive_timeout(tmp_path, processes, how):
    """``serve --keepalive-timeout 1`` (or ``KEEPALIVE_TIMEOUT=1``): idle connections, heads never
    finished and connections idle after an answer are all closed within about a second."""
    service = tmp_path / "service"
    shutil.copytree(SPECS / "cli_serve", service)
    number = free_port()
    flags, env = (("--keepalive-timeout", "1"), {}) if how == "flag" else ((), {"KEEPALIVE_TIMEOUT": "1"})
    start(service, processes, *flags, "--host", "127.0.0.1", "--port", str(number), port=number, **env)
    sockets = [socket.create_connection(("127.0.0.1", number), timeout=10) for _ in range(30)]
    try:
        for index, sock in enumerate(sockets[10:20]):  # a head that never ends
            sock.sendall(b"GET /api/pid HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % index)
        for sock in sockets[20:]:  # one answer, then idle on a kept-alive connection
            sock.sendall(b"GET /api/pid HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
        began = time.monotonic()
        for sock in sockets:
            sock.settimeout(max(0.1, 5 - (time.monotonic() - began)))
            assert _closed_by_peer(sock)
        assert time.monotonic() - began < 4
    finally:
        for sock in sockets:
            sock.close()


def test_serve_names_the_keepalive_timeout_and_its_default():
    from click.testing import CliRunner

    app = openapi_aio.App(specification_dir=SPECS / "cli_serve")
    result = CliRunner().invoke(app.cli, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "--keepalive-timeout" in line)
    assert "KEEPALIVE_TIMEOUT" in result.output
    assert "15.0" in result.output[result.output.index(line) :][:400]


# --- M9: a client that leaves in the middle of an upload -------------------------------------------------


class AccessLog(AbstractAccessLogger):
    """The status each request was recorded with, as an access log writes it."""

    statuses: ClassVar[list[int]] = []

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.statuses.append(response.status)


@pytest.fixture
async def recorded_server(sentry_events: list[dict[str, Any]]) -> Any:
    app = web.Application()
    openapi_aio.setup(app, SPEC, sentry=True)
    AccessLog.statuses = []
    runner = web.AppRunner(app, access_log_class=AccessLog, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await runner.cleanup()


@pytest.mark.parametrize(
    ("path", "headers", "start"),
    [
        ("/json", b"Content-Type: application/json\r\n", b'{"a": "' + b"x" * 5000),
        ("/multipart", multipart()[0], part(b"file", b"x" * 5000, filename=b"a.bin")[:-10]),
    ],
    ids=["json", "upload"],
)
async def test_an_aborted_upload_is_a_debug_line_not_an_error(
    recorded_server, sentry_events, caplog, path, headers, start
):
    caplog.set_level(logging.DEBUG, logger="openapi_aio")
    _, writer = await asyncio.open_connection("127.0.0.1", recorded_server)
    writer.write(request("POST", path, headers, start, length=100_000))
    await writer.drain()
    await asyncio.sleep(0.2)  # the handler is reading the body
    writer.close()
    for _ in range(100):
        if AccessLog.statuses:
            break
        await asyncio.sleep(0.05)
    assert AccessLog.statuses == [499]  # nginx's "client closed request", not a 500
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    (line,) = [record for record in caplog.records if "client closed the connection" in record.getMessage()]
    assert line.levelno == logging.DEBUG
    assert line.exc_info is None  # no traceback
    assert sentry_events == []
