"""The typed client (``spec client``, issue 21 item 5): mypy --strict accepts correct calls to the
example's generated client and rejects a wrong argument name and a wrong type; the generated
methods work over real HTTP against the example app and return model instances."""

from __future__ import annotations

import asyncio
import datetime
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from example_server import create_example_app, example_server
from helpers import strict_mypy

from openapi_aio.client.codegen import write_client
from openapi_aio.errors import ApiError
from openapi_aio.service.cli import main
from openapi_aio.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_app" / "openapi.yaml"

CORRECT = """
import datetime
from tasks_client import Client, Project, Task


async def use(client: Client) -> list[Task]:
    project: Project = await client.createProject(body=Project(name="p"))
    assert project.id is not None
    task: Task = await client.createTask(project_id=project.id, body=Task(title="t", due=datetime.date(2030, 1, 1)))
    await client.getTask(task_id=task.id or 0)
    await client.deleteTask(task_id=1)
    return await client.listTasks(project_id=project.id, done=False, priority_in=["high"], due_lt=datetime.date.today())
"""

WRONG_NAME = """
from tasks_client import Client, Task


async def use(client: Client) -> Task:
    return await client.getTask(taskid=1)
"""

WRONG_TYPE = """
from tasks_client import Client, Task


async def use(client: Client) -> Task:
    return await client.getTask(task_id="1")
"""


def _imported(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The generated module ``folder/name.py``, imported afresh."""
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


async def _loaded(module: Any, url: str) -> Any:
    """The module's typed Client for the example served at ``url`` (demo bearer token)."""
    return await module.Client.load(f"{url}/api/v1/openapi.json", auth={"bearer": "demo-token"})


def test_generated_methods_are_typed_from_the_document() -> None:
    source = write_client(load_spec(str(EXAMPLE)), target="tasks_client.py")
    assert "async def createTask(self, *, project_id: int, body: Task) -> Task:" in source
    assert "async def deleteTask(self, *, task_id: int) -> None:" in source
    assert "due_lt: _dt.date | None = None" in source  # format: date, optional
    assert "priority_in: list[_t.Literal['low', 'normal', 'high']] | None = None" in source
    assert "-> list[Task]:" in source
    assert "generate again with ``python main.py spec client -o tasks_client.py``" in source


@pytest.mark.slow
def test_mypy_accepts_correct_calls_and_rejects_a_wrong_name_and_type(tmp_path: Path) -> None:
    (tmp_path / "tasks_client.py").write_text(write_client(load_spec(str(EXAMPLE)), target="tasks_client.py"))
    (tmp_path / "correct.py").write_text(CORRECT)
    (tmp_path / "wrong_name.py").write_text(WRONG_NAME)
    (tmp_path / "wrong_type.py").write_text(WRONG_TYPE)

    result = strict_mypy(tmp_path, "tasks_client.py", "correct.py")
    assert result.returncode == 0, result.stdout + result.stderr

    result = strict_mypy(tmp_path, "tasks_client.py", "wrong_name.py")
    assert result.returncode == 1, result.stdout
    assert 'Unexpected keyword argument "taskid" for "getTask" of "Client"' in result.stdout
    assert "wrong_name.py:6" in result.stdout

    result = strict_mypy(tmp_path, "tasks_client.py", "wrong_type.py")
    assert result.returncode == 1, result.stdout
    assert 'Argument "task_id" to "getTask" of "Client" has incompatible type "str"; expected "int"' in result.stdout


def test_openapi_aio_spec_client_command(tmp_path: Path) -> None:
    target = tmp_path / "out.py"
    result = CliRunner().invoke(main, ["spec", "client", str(EXAMPLE), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "class Client(_typed.TypedClient):" in target.read_text()
    printed = CliRunner().invoke(main, ["spec", "client", str(EXAMPLE)])
    assert printed.exit_code == 0, printed.output
    assert "async def listTasks(" in printed.output


def test_generated_client_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tasks_client.py").write_text(write_client(load_spec(str(EXAMPLE)), target="tasks_client.py"))
    tasks_client = _imported(tmp_path, "tasks_client", monkeypatch)

    async def calls(url: str) -> None:
        client: Any
        async with await _loaded(tasks_client, url) as client:
            project = await client.createProject(body=tasks_client.Project(name="typed", description=None))
            assert isinstance(project, tasks_client.Project)
            assert isinstance(project.id, int)
            body = tasks_client.Task(title="write it", priority="high", tags=["typed"], due=datetime.date(2030, 1, 1))
            task = await client.createTask(project_id=project.id, body=body)
            assert isinstance(task, tasks_client.Task)
            assert (task.project_id, task.title, task.priority, task.due) == (
                project.id, "write it", "high", datetime.date(2030, 1, 1),
            )  # fmt: skip
            assert isinstance(task.created, datetime.datetime)
            assert task.created.tzinfo is not None
            listed = await client.listTasks(project_id=project.id, done=False, due_lt=datetime.date(2031, 1, 1))
            assert [type(item) for item in listed] == [tasks_client.Task]
            assert [item.id for item in listed] == [task.id]
            assert await client.listTasks(project_id=project.id, due_lt=datetime.date(2029, 1, 1)) == []
            got = await client.getTask(task_id=task.id)
            assert got == task
            assert await client.deleteTask(task_id=task.id) is None
            with pytest.raises(ApiError) as raised:
                await client.getTask(task_id=task.id)
            assert raised.value.status == 404
            # a response instance as a request body: its readOnly members (id, created...) are not sent
            copy = await client.createTask(project_id=project.id, body=got)
            assert (copy.title, copy.tags) == ("write it", ["typed"])
            assert copy.id != task.id

    with example_server(tmp_path) as server:
        asyncio.run(calls(server.url))


def test_client_of_the_served_contract_types_embedded_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python main.py spec client`` writes the client of the document as served: a list with
    ``embed=project`` decodes to ``TaskWithProject`` whose ``project`` is a ``Project``."""
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        app = create_example_app(patch, tmp_path)
        target = tmp_path / "served_client.py"
        result = runner.invoke(app.cli, ["spec", "client", "-o", str(target)])
    assert result.exit_code == 0, result.output
    source = target.read_text()
    assert ") -> list[TaskWithProject]:" in source
    assert ") -> list[ProjectWithTasks]:" in source
    served_client = _imported(tmp_path, "served_client", monkeypatch)

    async def calls(url: str) -> None:
        client: Any
        async with await _loaded(served_client, url) as client:
            project = await client.createProject(body=served_client.Project(name="embedded"))
            await client.createTask(project_id=project.id, body=served_client.Task(title="one", tags=["a-b"]))
            listed = await client.listTasks(embed=["project"])
            assert [type(item) for item in listed] == [served_client.TaskWithProject]
            assert listed[0].project == project
            assert listed[0].tags == ["a-b"]
            projects = await client.listProjects(embed=["tasks"])
            assert [task.title for task in projects[0].tasks] == ["one"]

    with example_server(tmp_path) as server:
        asyncio.run(calls(server.url))
