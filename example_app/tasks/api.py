"""Hand-written operations of the task tracker (bound by operationId in openapi.yaml)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import openapi_aio
from openapi_aio import NoContent, NotFound

_tasks: dict[int, dict[str, Any]] = {}
_ids = itertools.count(1)


async def health() -> dict[str, str]:
    return {"status": "ok", "version": openapi_aio.__version__}


async def list_tasks(limit: int, done: bool | None = None, tag: list[str] | None = None) -> list[dict[str, Any]]:
    tasks = [t for t in _tasks.values() if done is None or t["done"] == done]
    if tag:
        tasks = [t for t in tasks if set(tag) <= set(t["tags"])]
    return tasks[:limit]


async def create_task(task: dict[str, Any], user: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    task_id = next(_ids)
    stored = {
        "id": task_id,
        "title": task["title"],
        "done": task.get("done", False),
        "priority": task.get("priority", "normal"),
        "due": task.get("due"),
        "tags": task.get("tags", []),
        "created": datetime.datetime.now(datetime.UTC),
        "owner": user,  # from the bearer token's "sub"
    }
    _tasks[task_id] = stored
    return stored, 201, {"Location": f"/api/v1/tasks/{task_id}"}


async def get_task(taskId: int) -> dict[str, Any]:
    try:
        return _tasks[taskId]
    except KeyError:
        raise NotFound(detail=f"task {taskId} does not exist") from None


async def delete_task(taskId: int) -> Any:
    if _tasks.pop(taskId, None) is None:
        raise NotFound(detail=f"task {taskId} does not exist")
    return NoContent
