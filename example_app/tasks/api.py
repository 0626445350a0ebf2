"""The hand-written operations of the task tracker (bound by operationId in openapi.yaml).

Projects and tasks need no handler: their operations are database resources (``x-resource``).
The handlers here are for what is not create, read, update or delete: a health check, a
report that queries the same tables with SQLAlchemy Core (counts) and model persistence (the
next task due: ``Task.list``, docs/models.md), and the RPC method of the /live websocket (bound
by its operationId under ``x-websocket``, like an operation's handler).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import web

import openapi_aio
from openapi_aio.keys import DATABASE
from openapi_aio.models import Models


@functools.cache
def models() -> Models:
    """The document's model classes, built on first use (``spec models`` writes them as a typed
    module instead)."""
    return Models.from_spec(openapi_aio.load_spec(Path(__file__).parents[1] / "openapi.yaml"))


async def health() -> dict[str, str]:
    return {"status": "ok", "version": openapi_aio.__version__}


async def stats(request: web.Request) -> dict[str, Any]:
    db = request.app[DATABASE]
    projects, tasks = db.metadata.tables["projects"], db.metadata.tables["tasks"]
    by_state = sa.select(tasks.c.done, sa.func.count().label("n")).group_by(tasks.c.done)
    async with db.connection() as conn:
        counts = {row["done"]: row["n"] for row in await conn.fetch_all(by_state)}
        project_count = await conn.fetch_value(sa.select(sa.func.count()).select_from(projects))
    # one row, as a model: the same filters and order as GET /tasks?done=false&order_by=due
    soonest = await models().Task.list(db, done=False, due__isnull=False, order_by="due", limit=1)
    next_due = {"id": soonest[0].id, "title": soonest[0].title, "due": soonest[0].due.isoformat()} if soonest else None
    counts_by_state = {"open": counts.get(False, 0), "done": counts.get(True, 0)}
    return {"projects": project_count, **counts_by_state, "next_due": next_due}


async def count_open_tasks(payload: dict[str, Any], request: web.Request) -> dict[str, int]:
    """RPC method ``count_open_tasks`` of the /live websocket: ``payload`` was validated against
    its schema in openapi.yaml; ``request`` is the websocket's handshake request."""
    tasks = request.app[DATABASE].metadata.tables["tasks"]
    query = sa.select(sa.func.count()).select_from(tasks).where(tasks.c.done.is_(False))
    if "project_id" in payload:
        query = query.where(tasks.c.project_id == payload["project_id"])
    async with request.app[DATABASE].connection() as conn:
        return {"open": await conn.fetch_value(query)}
