"""The contract library's one custom view (tests/test_contract.py): each user reaches only their
own notes, the owner set from the bearer token (the tokens are resources_views' own)."""

from __future__ import annotations

from typing import Any

from openapi_aio.db import CrudView
from specs.resources_views.views import bearer_info

__all__ = ["NoteView", "bearer_info"]


class NoteView(CrudView):
    def scope(self) -> list[Any]:
        return [self.table.c.owner == self.user]

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        values["owner"] = self.user
        return values
