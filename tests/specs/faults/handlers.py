"""Handlers of tests/service/test_faults.py: the real-process service (``handlers.ping``...) and the
in-process timeout tests (``specs.faults.handlers.slow``...)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from openapi_aio.db import CrudView

# What the cancelled handlers got to do, for the in-process tests.
EVENTS: list[str] = []


async def ping() -> dict[str, Any]:
    """Needs no database."""
    return {"pid": os.getpid()}


async def slow(seconds: float) -> dict[str, Any]:
    """Answers after ``seconds``; notes whether it finished or was cancelled."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        EVENTS.append("cancelled")
        raise
    EVENTS.append("finished")
    return {"slept": seconds}


slow_too = slow_as_well = slow  # one handler behind several operationIds


async def own_timeout() -> dict[str, Any]:
    """A handler whose own wait times out: an ordinary error (500), not the operation's limit."""
    async with asyncio.timeout(0.01):
        await asyncio.sleep(1)
    return {}


class SlowWriteView(CrudView):
    """Writes the row, then lingers inside the transaction: a limit cancels it before the commit."""

    async def after_write(self, kind: str, row: dict[str, Any]) -> None:
        await asyncio.sleep(float(self.request.headers.get("X-Linger", "0")))
