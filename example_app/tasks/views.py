"""How the task resources differ from plain CRUD: one CrudView subclass, named in openapi.yaml.

``x-resource: {schema: Task, view: tasks.views.TaskView}`` makes every task operation answer
through this class. It changes only what the document cannot say: who owns a new task, the
computed ``url``, and what "overdue" means.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from openapi_aio.db import CrudView


class TaskView(CrudView):
    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        # owner is readOnly: clients cannot send it; it comes from the bearer token's "sub".
        values["owner"] = self.user
        return values

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        row["url"] = f"/api/v1/tasks/{row['id']}"  # not stored (x-column: false)
        return row

    def filter_overdue(self, overdue: bool) -> sa.ColumnElement[bool]:
        """``?overdue=true``: open tasks due before today; ``false``: the others."""
        tasks = self.table.c
        late = sa.and_(tasks.done.is_(False), tasks.due < sa.func.current_date())
        return late if overdue else sa.not_(sa.func.coalesce(late, False))
