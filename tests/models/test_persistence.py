"""Model persistence (issue 22 item 4): ``Task.get/list/save/delete`` on SQLite and PostgreSQL,
with the CRUD views' problems (409 unique, 412 stale version, 422 missing reference)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from openapi_aio import load_spec
from openapi_aio.errors import Conflict, NotFound, PreconditionFailed, RequestValidationError, UnprocessableContent
from openapi_aio.keys import DATABASE
from openapi_aio.models import Models, StoredModel

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "persist", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Project": {
                "type": "object",
                "x-table": "projects",
                "required": ["name"],
                "properties": {
                    "id": {"type": "integer", "format": "int64", "readOnly": True},
                    "name": {"type": "string", "maxLength": 100, "x-column": {"unique": True}},
                },
            },
            "Task": {
                "type": "object",
                "x-table": {"name": "tasks", "version": "version"},
                "required": ["title"],
                "properties": {
                    "id": {"type": "integer", "format": "int64", "readOnly": True},
                    "project_id": {"type": "integer", "format": "int64", "x-column": {"references": "projects.id"}},
                    "title": {"type": "string", "maxLength": 200},
                    "priority": {"type": "string", "enum": ["low", "normal", "high"], "default": "normal"},
                    "due": {"type": "string", "format": "date", "nullable": True},
                    "created": {"type": "string", "format": "date-time", "readOnly": True,
                                "x-column": {"default": "now"}},
                    "version": {"type": "integer", "readOnly": True},
                    "get": {"type": "string"},
                },
            },
            "Plain": {"type": "object", "properties": {"a": {"type": "string"}}},
        }
    },
}  # fmt: skip


@pytest.fixture
def models() -> Models:
    return Models.from_spec(load_spec(SPEC))


async def _db(serve_db: Any) -> Any:
    client = await serve_db(SPEC)
    return client.app[DATABASE]


def test_only_tables_get_persistence(models: Models) -> None:
    assert issubclass(models.Task, StoredModel)
    assert not issubclass(models.Plain, StoredModel)
    assert models.Task.from_dict({"title": "x", "get": "g"}).get_ == "g"  # a member named like a method


async def test_round_trip(serve_db: Any, models: Models) -> None:
    db = await _db(serve_db)
    Project, Task = models.Project, models.Task
    project = Project(name="Docs")
    await project.save(db)
    assert isinstance(project.id, int)
    task = Task(title="Write", project_id=project.id, due=datetime.date(2024, 5, 1))
    await task.save(db)
    assert task.id is not None
    assert task.version is not None
    assert task.created is not None
    loaded = await Task.get(db, task.id)
    assert loaded == task
    loaded.title = "Rewrite"
    await loaded.save(db)
    assert loaded.version == task.version + 1
    assert (await Task.get(db, task.id)).title == "Rewrite"
    task.title = "stale"
    with pytest.raises(PreconditionFailed):  # task still holds the old version
        await task.save(db)
    with pytest.raises(PreconditionFailed):
        await task.delete(db)
    assert (await Task.get(db, task.id)).title == "Rewrite"
    loaded.due = None
    await loaded.save(db)
    assert (await Task.get(db, task.id)).due is None
    await loaded.delete(db)
    assert await Task.get(db, task.id) is None
    with pytest.raises(NotFound):
        await loaded.delete(db)
    assert await Task.get(db, 2**70) is None  # no row can have it: no SQL error


async def test_conflicts(serve_db: Any, models: Models) -> None:
    db = await _db(serve_db)
    Project, Task = models.Project, models.Task
    await Project(name="Docs").save(db)
    with pytest.raises(Conflict) as unique:
        await Project(name="Docs").save(db)
    assert unique.value.status == 409
    assert "name" in unique.value.detail
    with pytest.raises(UnprocessableContent) as reference:
        await Task(title="orphan", project_id=999).save(db)
    assert reference.value.status == 422
    assert "project_id" in reference.value.detail
    other = Project(name="Other")
    await other.save(db)
    other.name = "Docs"
    with pytest.raises(Conflict):
        await other.save(db)
    with pytest.raises(RequestValidationError):  # a value its column cannot hold: before any SQL
        await Task(title="x", project_id=2**70).save(db)


async def test_list(serve_db: Any, models: Models) -> None:
    db = await _db(serve_db)
    Project, Task = models.Project, models.Task
    project = Project(name="P")
    await project.save(db)
    for index, (title, priority) in enumerate([("Write docs", "high"), ("Fix bug", "low"), ("Docs review", "normal")]):
        await Task(title=title, priority=priority, project_id=project.id, due=datetime.date(2024, 5, 1 + index)).save(
            db
        )
    assert [task.title for task in await Task.list(db)] == ["Write docs", "Fix bug", "Docs review"]
    found = await Task.list(db, title__ilike="*docs*", order_by="-due")
    assert [task.title for task in found] == ["Docs review", "Write docs"]
    found = await Task.list(db, priority__in=["high", "low"], order_by=["title"])
    assert [task.title for task in found] == ["Fix bug", "Write docs"]
    found = await Task.list(db, due__lt=datetime.date(2024, 5, 3), order_by="-due", limit=1)
    assert [task.title for task in found] == ["Fix bug"]
    assert [task.title for task in await Task.list(db, limit=2, offset=1)] == ["Fix bug", "Docs review"]
    with pytest.raises(RequestValidationError):  # the resources' 400 for a value out of range
        await Task.list(db, project_id=2**70)
    assert len(await Task.list(db, due__isnull=False, project_id=project.id)) == 3
    assert len(await Task.list(db, due__in=[datetime.date(2024, 5, 1), "2024-05-02"])) == 2
    with pytest.raises(TypeError):
        await Task.list(db, colour="red")


async def test_generated_module_persists(serve_db: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The classes of ``spec models`` are bound to their tables as the runtime ones are."""
    import importlib

    from openapi_aio.models import write_module

    (tmp_path / "persist_generated_models.py").write_text(write_module(load_spec(SPEC)))
    monkeypatch.syspath_prepend(str(tmp_path))
    generated = importlib.import_module("persist_generated_models")
    db = await _db(serve_db)
    Project, Task = generated.Project, generated.Task
    project = Project(name="Generated")
    await project.save(db)
    task = Task(title="typed", project_id=project.id, get_="g")
    await task.save(db)
    assert (await Task.get(db, task.id)).get_ == "g"
    assert [found.id for found in await Task.list(db, project_id=project.id)] == [task.id]
