"""The hand-written operations of the task tracker (bound by operationId in openapi.yaml).

Projects and tasks need no handler: their operations are database resources (``x-resource``).
The handlers here are for what is not create, read, update or delete: a health check, a
report that queries the same tables with SQLAlchemy Core, and the RPC method of the /live
websocket (bound by its operationId under ``x-websocket``, like an operation's handler).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp import web

import openapi_aio
from openapi_aio.keys import DATABASE


async def health() -> dict[str, str]:
    return {"status": "ok", "version": openapi_aio.__version__}


async def stats(request: web.Request) -> dict[str, Any]:
    db = request.app[DATABASE]
    projects, tasks = db.metadata.tables["projects"], db.metadata.tables["tasks"]
    by_state = sa.select(tasks.c.done, sa.func.count().label("n")).group_by(tasks.c.done)
    async with db.connection() as conn:
        counts = {row["done"]: row["n"] for row in await conn.fetch_all(by_state)}
        project_count = await conn.fetch_value(sa.select(sa.func.count()).select_from(projects))
    return {"projects": project_count, "open": counts.get(False, 0), "done": counts.get(True, 0)}


async def count_open_tasks(payload: dict[str, Any], request: web.Request) -> dict[str, int]:
    """RPC method ``count_open_tasks`` of the /live websocket: ``payload`` was validated against
    its schema in openapi.yaml; ``request`` is the websocket's handshake request."""
    tasks = request.app[DATABASE].metadata.tables["tasks"]
    query = sa.select(sa.func.count()).select_from(tasks).where(tasks.c.done.is_(False))
    if "project_id" in payload:
        query = query.where(tasks.c.project_id == payload["project_id"])
    async with request.app[DATABASE].connection() as conn:
        return {"open": await conn.fetch_value(query)}
