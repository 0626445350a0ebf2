"""Handlers of tests/service/test_telemetry.py."""

from typing import Any

from openapi_aio.errors import NotFound


async def get_item(id: int) -> dict[str, Any]:
    if id == 404:
        raise NotFound(detail="no such item")
    if id == 500:
        raise RuntimeError("internal detail")
    return {"id": id}


CALLS: dict[str, Any] = {}  # the ApiClient relay calls through, set by the test


async def relay() -> dict[str, Any]:
    return {"relayed": await CALLS["client"].get_item(id=8)}
