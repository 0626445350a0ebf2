"""A customised CrudView (row-level scope, hooks, computed and custom filter) and an ordinary
handler that reaches the database, for tests/db/test_resources_views.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from aiohttp import web

from openapi_aio import ProblemException
from openapi_aio.db import CrudView
from openapi_aio.keys import DATABASE

TOKENS = {"tok-ada": {"sub": "ada"}, "tok-bob": {"sub": "bob"}}
LIST_CALLS: list[str] = []


async def bearer_info(token: str) -> dict[str, Any] | None:
    return TOKENS.get(token)


class NoteView(CrudView):
    def scope(self) -> list[Any]:
        return [self.table.c.owner == self.user]

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        values["owner"] = self.user
        return values

    async def after_write(self, kind: str, row: dict[str, Any]) -> None:
        if row.get("title") == "forbidden":
            raise ProblemException(422, detail=f"{kind}: the title 'forbidden' is refused after the write")

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        row["shout"] = str(row.get("title", "")).upper()
        return row

    def filter_starts(self, value: str) -> Any:
        return self.table.c.title.like(value.replace("%", "") + "%")

    async def get_list(self) -> Any:
        LIST_CALLS.append(self.user)
        body, status, headers = await super().get_list()
        headers["X-Listed-By"] = self.user
        return body, status, headers


class NotAView:
    """Named by a document as a view: a start-up error."""


async def titles(request: web.Request, id: int) -> dict[str, Any]:
    """An ordinary handler on a resource path (``x-resource: false``): the database by hand, every
    owner's titles from note ``id`` on."""
    db = request.app[DATABASE]
    notes = db.metadata.tables["views_notes"]
    async with db.transaction() as conn:
        rows = await conn.fetch_all(sa.select(notes.c.title).where(notes.c.id >= id).order_by(notes.c.title))
        total = await conn.fetch_value(sa.select(sa.func.count()).select_from(notes))
    return {"titles": [row["title"] for row in rows], "total": total}


class OwnerView(CrudView):
    """Each user reaches only their own rows; the user is the X-User header (for
    tests/db/test_resources_boundaries.py and test_resources_hostile_schema.py)."""

    def scope(self) -> list[Any]:
        return [self.table.c.owner == self.request.headers.get("X-User", "")]

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        values["owner"] = self.request.headers.get("X-User", "")
        return values

    async def before_update(self, values: dict[str, Any]) -> dict[str, Any]:
        return await self.before_create(values)
