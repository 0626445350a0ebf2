"""Handlers for tests/request/test_parameters.py and tests/request/test_body.py.

``echo`` returns every keyword argument it receives, in JSON that keeps what tests need to see:
``1``, ``1.0`` and ``true`` stay distinct, and values JSON has no type for are tagged (``bytes``,
uploaded files, the aiohttp request).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from specs.aliases import numbered_aliases


def plain(value: Any) -> Any:
    """``value`` as JSON, tagging what JSON cannot tell apart from a string or object."""
    if isinstance(value, bytes | bytearray):
        return {"$type": type(value).__name__, "value": bytes(value).decode("latin-1")}
    if isinstance(value, FileField):
        value.file.seek(0)  # the same upload may arrive twice: in ``body`` and as its own argument
        content = value.file.read().decode("latin-1")
        return {"$type": "file", "filename": value.filename, "content_type": value.content_type, "value": content}
    if isinstance(value, web.BaseRequest):
        return {"$type": "request", "method": value.method, "path": value.path}
    if isinstance(value, tuple):
        return {"$type": "tuple", "value": [plain(item) for item in value]}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


async def echo(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


def sync_echo(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


# Handlers with specific signatures: only what they declare is passed; their own defaults apply.


async def only_limit(limit: int = 99) -> dict[str, Any]:
    return {"limit": limit}


async def optional_body(body: Any = "function default") -> dict[str, Any]:
    return {"body": plain(body)}


async def with_request(request: web.Request, q: str = "") -> dict[str, Any]:
    return {"request": plain(request), "q": q}


async def match_info(request: web.Request) -> dict[str, Any]:
    return {"match_info": dict(request.match_info)}


async def appends_to_tags(tags: list[str]) -> dict[str, Any]:
    tags.append("added-by-handler")  # must not leak into the next request's default
    return {"tags": tags}


async def pythonic(filter_option: str = "", filter_: str = "", pet_id: int = 0, max_: int = 0) -> dict[str, Any]:
    return {"filter_option": filter_option, "filter_": filter_, "pet_id": pet_id, "max_": max_}


async def upload(file: FileField, note: str = "") -> dict[str, Any]:
    return {"file": plain(file), "note": note}


async def form_fields(name: str, count: int, tags: list[str] | None = None) -> dict[str, Any]:
    return {"name": name, "count": count, "tags": tags}


__getattr__ = numbered_aliases(globals())
