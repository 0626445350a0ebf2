"""Views with a row-level scope whose rows are published on a websocket channel, for
tests/ws/test_events_scope.py (document: scoped.yaml)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from openapi_aio.db import CrudView

TOKENS = {"tok-ada": {"sub": "ada"}, "tok-bob": {"sub": "bob"}, "tok-root": {"sub": "root"}}


async def bearer_info(token: str) -> dict[str, Any] | None:
    return TOKENS.get(token)


class OwnNotes(CrudView):
    """Each user reads their own notes; root reads every note (a shape evaluated in Python)."""

    def scope(self) -> list[Any]:
        if self.user == "root":
            return []
        return [self.table.c.owner == self.user]

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        values["owner"] = self.user
        return values

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        row["shout"] = f"{row.get('title', '')}, read by {self.user}".upper()
        return row


class SharedNotes(CrudView):
    """A note is read by the user it names, whatever the case of the name: a function of a
    column, which only the database evaluates."""

    def scope(self) -> list[Any]:
        return [sa.func.lower(self.table.c.reader) == self.user]
