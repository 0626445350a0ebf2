"""The contract library's one custom view (tests/test_contract.py): each user reaches only their
own notes, and the owner comes from the bearer token."""

from __future__ import annotations

from typing import Any

from openapi_aio.db import CrudView

TOKENS = {"tok-ada": {"sub": "ada"}, "tok-bob": {"sub": "bob"}}


async def bearer_info(token: str) -> dict[str, Any] | None:
    return TOKENS.get(token)


class NoteView(CrudView):
    def scope(self) -> list[Any]:
        return [self.table.c.owner == self.user]

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        values["owner"] = self.user
        return values
