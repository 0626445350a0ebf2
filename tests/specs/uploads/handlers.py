"""Handlers for tests/request/test_uploads.py, tests/request/test_request_limits.py and
tests/request/test_fill_defaults.py.

``describe`` returns what it receives, with each upload described by its metadata, where its
content sits (memory or disk) and a sha256 of the content (read from the start, as handed over).
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from openapi_aio.request.uploads import UploadedFile
from specs.aliases import numbered_aliases

KEPT: list[UploadedFile] = []


def describe_upload(upload: UploadedFile) -> dict[str, Any]:
    position = upload.file.tell()
    content = upload.read()
    upload.seek(0)
    return {
        "$type": "upload",
        "name": upload.name,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": hashlib.sha256(content).hexdigest(),
        "length": len(content),
        "position": position,
        "in_memory": upload.in_memory,
        "rolled": upload.file._rolled,  # type: ignore[attr-defined]
        "text": content.decode("latin-1") if len(content) <= 64 else None,
    }


def plain(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return describe_upload(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return {"$type": "bytes", "length": len(value)}
    return value


async def describe(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


async def keep(**kwargs: Any) -> dict[str, Any]:
    """Keep every upload received, for a test to see that they are closed after the response."""
    for value in kwargs.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, UploadedFile):
                KEPT.append(item)
    return {"open": [not upload.closed for upload in KEPT]}


async def read_again(request: web.Request, body: Any) -> dict[str, Any]:
    """The body as an argument, and as the request reads it again."""
    again = await request.json()
    return {"length": len(body["data"]), "same": again == body}


async def mutate(body: dict[str, Any]) -> dict[str, Any]:
    """Return the body as received, then change what it holds (defaults must not leak)."""
    answer = plain(body)
    for value in body.values():
        if isinstance(value, list):
            value.append("changed")
        elif isinstance(value, dict):
            value["changed"] = True
    return answer


async def colors(body: dict[str, Any]) -> dict[str, Any]:
    """The colors of a tree of nodes, depth first (without recursing: the tree may be deep)."""
    found, pending = [], [body]
    while pending:
        node = pending.pop()
        found.append(node.get("color"))
        pending += reversed(node.get("children", []))
    return {"colors": found}


__getattr__ = numbered_aliases(globals())
