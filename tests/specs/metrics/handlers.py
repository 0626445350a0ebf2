"""Handlers of tests/service/test_metrics.py."""

import asyncio
from typing import Any

from openapi_aio.errors import NotFound

# set by the test to let /slow answer: the in-flight gauge is read while it waits
release: asyncio.Event | None = None


async def get_item(id: int) -> dict[str, Any]:
    if id == 404:
        raise NotFound(detail="no such item")
    return {"id": id}


async def slow() -> dict[str, Any]:
    assert release is not None
    await release.wait()
    return {"done": True}
