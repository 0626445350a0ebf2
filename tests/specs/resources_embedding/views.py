"""Views of tests/db/test_resources_embedding.py: authors answer through a view with a row-level
scope (private authors only for the admin) and a computed member, so embedded authors must obey
both; books through the plain CrudView."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from openapi_aio.db import CrudView


class AuthorView(CrudView):
    def scope(self) -> list[sa.ColumnElement[bool]]:
        if self.request.headers.get("X-Role") == "admin":
            return []
        return [self.table.c.private.is_(False)]

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        if "name" in row:
            row["shout"] = str(row["name"]).upper()
        return row


class PublishedBookView(CrudView):
    """The books an author edited, as the embedded ``edited`` relation shows them: only those
    with a year (a scope on the to-many side)."""

    def scope(self) -> list[sa.ColumnElement[bool]]:
        return [self.table.c.year.is_not(None)]
