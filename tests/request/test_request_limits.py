"""Request body limits over real HTTP: ``client_max_size`` is the API's, whoever owns the app.

A body over the limit is a 413 problem: refused from its ``Content-Length`` before any of it is
read, or as soon as a chunked body grows past the limit. aiohttp's own ``client_max_size`` (1 MiB
by default on any ``web.Application``) no longer decides for bodies openapi_aio reads.
"""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from conftest import OK, document, problem

import openapi_aio

H = "specs.uploads.handlers."
MiB = 1024**2


def post(media_type: str, handler: str = "describe", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {media_type: {"schema": schema} if schema else {}}
    operation_id = f"{H}{handler}__{media_type.replace('/', '_')}"
    return {"post": {"operationId": operation_id, "requestBody": {"content": content}, "responses": OK}}


SPEC = document(
    {
        "/json": post("application/json"),
        "/again": post("application/json", handler="read_again"),
        "/text": post("text/plain"),
        "/bytes": post("application/octet-stream"),
        "/form": post("application/x-www-form-urlencoded", schema={"type": "object"}),
        "/upload": post(
            "multipart/form-data",
            schema={"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        ),
    }
)


def json_of_size(size: int) -> bytes:
    """A JSON document of exactly ``size`` bytes: ``{"data": "xxx..."}``."""
    return json.dumps({"data": "x" * (size - 12)}).encode()


async def chunked(content: bytes, chunk: int = 64 * 1024):
    """The body sent with ``Transfer-Encoding: chunked`` (no Content-Length)."""
    for start in range(0, len(content), chunk):
        yield content[start : start + chunk]


async def test_a_body_within_the_limit_is_read(serve):
    client = await serve(SPEC, client_max_size=1000)
    body = json_of_size(1000)
    response = await client.post("/json", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()
    assert (await response.json())["body"]["data"] == "x" * 988


MEDIA_TYPES = [
    ("/json", "application/json"),
    ("/text", "text/plain"),
    ("/bytes", "application/octet-stream"),
    ("/form", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("path", "media_type"), MEDIA_TYPES)
async def test_content_length_over_the_limit_is_413(serve, path, media_type):
    client = await serve(SPEC, client_max_size=1000)
    response = await client.post(path, data=b"a" * 1001, headers={"Content-Type": media_type})
    body = await problem(response, 413)
    assert body == {
        "type": "about:blank",
        "title": "Request Entity Too Large",
        "status": 413,
        "detail": "the request body is larger than the 1000 bytes this API accepts",
    }


async def test_content_length_over_the_limit_is_refused_without_reading_the_body(serve):
    client = await serve(SPEC, client_max_size=1000)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        # Announce 50 MB, send none of it: the answer comes without waiting for the body.
        writer.write(
            b"POST /json HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
        assert status_line.startswith(b"HTTP/1.1 413 ")
        headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        assert b"application/problem+json" in headers
    finally:
        writer.close()
        await writer.wait_closed()


async def test_a_chunked_body_over_the_limit_is_413(serve):
    client = await serve(SPEC, client_max_size=100_000)
    content = json_of_size(300_000)
    response = await client.post("/json", data=chunked(content), headers={"Content-Type": "application/json"})
    body = await problem(response, 413)
    assert body["detail"] == "the request body is larger than the 100000 bytes this API accepts"
    fits = await client.post("/json", data=chunked(json_of_size(100_000)), headers={"Content-Type": "application/json"})
    assert fits.status == 200, await fits.text()


async def test_a_chunked_multipart_body_over_both_limits_is_413(serve):
    client = await serve(SPEC, client_max_size=1000, max_upload_size=1000)
    filler = b"X-Filler: " + b"y" * 30 + b"\r\n"  # part headers: neither field nor file content
    content = b"--b\r\n" + filler * 100 + b'Content-Disposition: form-data; name="file"\r\n\r\nz\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    response = await client.post("/upload", data=chunked(content, 100), headers=headers)
    body = await problem(response, 413)
    assert body["detail"] == "the request body is larger than the 2000 bytes this API accepts"


async def test_setup_on_a_plain_aiohttp_app_honours_a_larger_client_max_size(serve):
    client = await serve(SPEC, client_max_size=4 * MiB)  # web.Application() itself stops at 1 MiB
    body = json_of_size(2 * MiB)
    response = await client.post("/again", data=io.BytesIO(body), headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()
    # request.json() in the handler still works: the body read is where aiohttp keeps it
    assert await response.json() == {"length": 2 * MiB - 12, "same": True}
    headers = {"Content-Type": "application/json"}
    too_large = await client.post("/json", data=io.BytesIO(json_of_size(5 * MiB)), headers=headers)
    detail = (await problem(too_large, 413))["detail"]
    assert detail == "the request body is larger than the 4194304 bytes this API accepts"


async def test_setup_on_an_app_with_a_smaller_client_max_size(aiohttp_client):
    app = web.Application(client_max_size=1000)
    openapi_aio.setup(app, SPEC)  # the API's default: 1 MiB
    client = await aiohttp_client(app)
    response = await client.post("/json", data=json_of_size(10_000), headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()


async def test_zero_means_no_limit(serve):
    client = await serve(SPEC, client_max_size=0)
    body = json_of_size(3 * MiB)
    response = await client.post("/again", data=io.BytesIO(body), headers={"Content-Type": "application/json"})
    assert response.status == 200, await response.text()


async def test_a_body_read_by_a_middleware_first_is_still_limited_and_parsed(aiohttp_client):
    @web.middleware
    async def peek(request: web.Request, handler: Any) -> web.StreamResponse:
        await request.read()
        return await handler(request)

    app = web.Application(middlewares=[peek], client_max_size=10 * MiB)
    openapi_aio.setup(app, SPEC, client_max_size=1000)
    client = await aiohttp_client(app)
    response = await client.post("/json", json={"a": 1})
    assert response.status == 200, await response.text()
    assert await response.json() == {"body": {"a": 1}}
    too_large = await client.post("/json", data=json_of_size(2000), headers={"Content-Type": "application/json"})
    await problem(too_large, 413)


async def test_an_urlencoded_form_over_aiohttp_s_limit_but_within_the_api_s(aiohttp_client):
    app = web.Application(client_max_size=1000)
    openapi_aio.setup(app, SPEC)
    client = await aiohttp_client(app)
    response = await client.post("/form", data={"text": "y" * 5000})
    assert response.status == 200, await response.text()
    assert (await response.json())["body"] == {"text": "y" * 5000}


async def test_an_upload_over_aiohttp_s_limit_but_within_the_api_s(aiohttp_client):
    app = web.Application(client_max_size=1000)
    openapi_aio.setup(app, SPEC)
    client = await aiohttp_client(app)
    form = aiohttp.FormData()
    form.add_field("file", b"z" * 5000, filename="z.bin")
    response = await client.post("/upload", data=form)
    assert response.status == 200, await response.text()
    assert (await response.json())["file"]["size"] == 5000
