"""``python main.py db ...``: alembic configured from the document's tables, run for real on SQLite
and on PostgreSQL (one fresh database per test, made by ``db create`` and removed by ``db drop``).

Alembic's environment runs ``asyncio.run``, so the command tests are plain (sync) functions.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from conftest import ROOT, document, require_postgres
from sqlalchemy.ext.asyncio import create_async_engine

from openapi_aio import App
from openapi_aio.db.datastore import sqlalchemy_url

EXAMPLE = ROOT / "example_app"

NOTE: dict[str, Any] = {
    "type": "object",
    "x-table": "clidb_notes",
    "required": ["id", "title"],
    "properties": {"id": {"type": "integer"}, "title": {"type": "string", "maxLength": 50}},
}
NOTES = document({}, components={"schemas": {"Note": NOTE}})
PROJECTS_AND_ITEMS = document(
    {},
    components={
        "schemas": {
            "Project": {
                "type": "object",
                "x-table": "clidb_projects",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "Item": {
                "type": "object",
                "x-table": "clidb_items",
                "required": ["id", "project_id"],
                "properties": {
                    "id": {"type": "integer"},
                    "project_id": {"type": "integer", "x-column": {"references": "clidb_projects.id"}},
                },
            },
        }
    },
)


def with_priority(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with a new property (a new column) on Note."""
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["Note"]["properties"]["priority"] = {"type": "integer", "nullable": True}
    return changed


def make_app(tmp_path: Path, url: str, spec: dict[str, Any] | str = NOTES) -> App:
    app = App(None, specification_dir=tmp_path, migrations_dir=tmp_path / "migrations", datastore=url)
    app.add_api(spec)
    return app


def invoke(app: App, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app.cli, list(args), input=input)


def ok(app: App, *args: str, input: str | None = None) -> str:
    result = invoke(app, *args, input=input)
    assert result.exit_code == 0, f"{args}: {result.output}{result.exception!r}"
    return result.output


def one_line_error(result: Result, *fragments: str) -> str:
    """An expected failure: exit status 1 and ``Error: <one line>``, no traceback."""
    assert isinstance(result.exception, SystemExit), f"{result.exception!r}\n{result.output}"
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# --- the database, seen from outside the CLI ------------------------------------------------------


def run_sql(url: str, sql: str) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(sqlalchemy_url(url), poolclass=sa.pool.NullPool)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(sa.text(sql))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def columns(url: str) -> dict[str, set[str]]:
    """Every table of the database and its columns."""

    def inspect(connection: sa.Connection) -> dict[str, set[str]]:
        inspector = sa.inspect(connection)
        return {
            name: {column["name"] for column in inspector.get_columns(name)} for name in inspector.get_table_names()
        }

    async def run() -> dict[str, set[str]]:
        engine = create_async_engine(sqlalchemy_url(url), poolclass=sa.pool.NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(inspect)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def on_postgres(sql: str, *args: Any) -> Any:
    """A value from the server's main database (outside any transaction: DROP DATABASE needs it)."""

    async def run() -> Any:
        connection = await asyncpg.connect(require_postgres())
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


def postgres_database_exists(name: str) -> bool:
    return bool(on_postgres("SELECT 1 FROM pg_database WHERE datname = $1", name))


def fresh_postgres(tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL database of its own, made with ``db create`` and dropped with ``db drop --yes``."""
    name = f"clidb_{uuid.uuid4().hex[:12]}"
    url = require_postgres().split("?", 1)[0].rsplit("/", 1)[0] + "/" + name
    admin = make_app(tmp_path, url, document({}))
    assert ok(admin, "db", "create") == f"created database {name}\n"
    try:
        yield url
    finally:
        ok(admin, "db", "drop", "--yes")
    assert not postgres_database_exists(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file (not yet there) or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.sqlite'}"
        return
    yield from fresh_postgres(tmp_path)


# --- the migration commands -----------------------------------------------------------------------


def test_init_creates_the_environment_once(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'cli.sqlite'}")
    one_line_error(invoke(app, "db", "upgrade"), "no migrations environment", "db init")

    assert ok(app, "db", "init") == f"created {tmp_path / 'migrations'}\n"
    created = tmp_path / "migrations"
    assert (created / "env.py").is_file()
    assert (created / "script.py.mako").is_file()
    assert (created / "versions").is_dir()
    assert "run_environment()" in (created / "env.py").read_text()

    one_line_error(invoke(app, "db", "init"), "exists and is not empty")


def test_migration_commands(url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, url)
    ok(app, "db", "init")
    written = ok(app, "db", "revision", "-m", "notes", "--autogenerate", "--rev-id", "a1")
    revision = tmp_path / "migrations" / "versions" / "a1_notes.py"
    assert str(revision) in written
    assert "op.create_table('clidb_notes'" in revision.read_text()

    offline = ok(app, "db", "upgrade", "--sql")
    assert "CREATE TABLE clidb_notes" in offline
    assert "clidb_notes" not in columns(url)  # --sql only prints

    ok(app, "db", "upgrade")
    assert columns(url)["clidb_notes"] == {"id", "title"}
    assert ok(app, "db", "current") == "a1 (head)\n"
    assert ok(app, "db", "heads") == "a1 (head)\n"
    assert ok(app, "db", "history") == "<base> -> a1 (head), notes\n"
    shown = ok(app, "db", "show", "a1")
    assert "Rev: a1 (head)" in shown
    assert "notes" in shown
    assert ok(app, "db", "check").endswith("the migrations match the document's tables\n")

    ok(app, "db", "downgrade", "-1")
    assert "clidb_notes" not in columns(url)
    assert ok(app, "db", "current") == ""

    ok(app, "db", "stamp", "a1")  # recorded, not run
    assert ok(app, "db", "current") == "a1 (head)\n"
    assert "clidb_notes" not in columns(url)
    ok(app, "db", "stamp", "base")
    ok(app, "db", "upgrade", "a1")
    assert "clidb_notes" in columns(url)
    ok(app, "db", "downgrade", "base")
    assert "clidb_notes" not in columns(url)
    assert run_sql(url, "SELECT version_num FROM alembic_version") == []


def test_merge_two_heads(url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, url)
    ok(app, "db", "init")
    ok(app, "db", "revision", "-m", "notes", "--autogenerate", "--rev-id", "a1")
    ok(app, "db", "revision", "-m", "other branch", "--rev-id", "b1", "--head", "base")
    assert sorted(ok(app, "db", "heads").splitlines()) == ["a1 (head)", "b1 (head)"]
    one_line_error(invoke(app, "db", "upgrade"), "Multiple head revisions")

    ok(app, "db", "upgrade", "heads")
    assert sorted(ok(app, "db", "current").splitlines()) == ["a1 (head)", "b1 (head)"]
    written = ok(app, "db", "merge", "a1", "b1", "-m", "join")
    assert "_join.py" in written
    heads = ok(app, "db", "heads").splitlines()
    assert len(heads) == 1
    merged = heads[0].split()[0]
    assert heads[0] == f"{merged} (head)"
    assert f"a1, b1 -> {merged} (head) (mergepoint), join" in ok(app, "db", "history")
    ok(app, "db", "upgrade")
    assert ok(app, "db", "current").split()[0] == merged
    assert ok(app, "db", "check").endswith("the migrations match the document's tables\n")

    # a revision built on a revision that is not a head needs --splice
    one_line_error(invoke(app, "db", "revision", "-m", "late", "--head", "a1"), "not a head")
    ok(app, "db", "revision", "-m", "late", "--head", "a1", "--splice", "--rev-id", "c1")
    assert sorted(ok(app, "db", "heads").splitlines()) == sorted(["c1 (head)", f"{merged} (head)"])


def test_autogenerate_round_trip_and_drift(url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, url)
    ok(app, "db", "init")
    ok(app, "db", "revision", "-m", "notes", "--autogenerate", "--rev-id", "a1")
    ok(app, "db", "upgrade")
    ok(app, "db", "check")
    run_sql(url, "INSERT INTO clidb_notes (id, title) VALUES (1, 'kept')")

    changed = make_app(tmp_path, url, with_priority(NOTES))  # the document gained a property
    drift = invoke(changed, "db", "check")
    assert drift.exit_code == 1, drift.output
    assert isinstance(drift.exception, SystemExit)
    assert "Traceback" not in drift.output
    assert "the document's tables and the migrations differ" in drift.output
    assert "add_column" in drift.output
    assert "clidb_notes" in drift.output
    assert "priority" in drift.output

    written = ok(changed, "db", "revision", "-m", "note priority", "--autogenerate", "--rev-id", "a2")
    revision = tmp_path / "migrations" / "versions" / "a2_note_priority.py"
    assert str(revision) in written
    text = revision.read_text()
    assert "down_revision: str | Sequence[str] | None = 'a1'" in text
    if url.startswith("sqlite"):  # SQLite cannot ALTER in place: batch mode
        assert "with op.batch_alter_table('clidb_notes'" in text
        assert "batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=True))" in text
    else:
        assert "op.add_column('clidb_notes', sa.Column('priority', sa.Integer(), nullable=True))" in text
    one_line_error(invoke(changed, "db", "check"), "Target database is not up to date")

    ok(changed, "db", "upgrade")
    assert ok(changed, "db", "check").endswith("the migrations match the document's tables\n")
    assert columns(url)["clidb_notes"] == {"id", "title", "priority"}
    assert run_sql(url, "SELECT id, title, priority FROM clidb_notes") == [(1, "kept", None)]

    ok(changed, "db", "downgrade", "-1")
    assert columns(url)["clidb_notes"] == {"id", "title"}
    assert run_sql(url, "SELECT id, title FROM clidb_notes") == [(1, "kept")]


# --- create, drop, truncate -----------------------------------------------------------------------


def test_truncate(url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, url, PROJECTS_AND_ITEMS)
    ok(app, "db", "init")
    ok(app, "db", "revision", "-m", "tables", "--autogenerate")
    ok(app, "db", "upgrade")
    run_sql(url, "INSERT INTO clidb_projects (id, name) VALUES (1, 'a'), (2, 'b')")
    run_sql(url, "INSERT INTO clidb_items (id, project_id) VALUES (1, 1), (2, 2)")

    def counts() -> tuple[int, int]:
        return (
            run_sql(url, "SELECT count(*) FROM clidb_projects")[0][0],
            run_sql(url, "SELECT count(*) FROM clidb_items")[0][0],
        )

    refused = invoke(app, "db", "truncate", input="n\n")
    assert refused.exit_code == 1
    assert "Delete every row of clidb_projects, clidb_items?" in refused.output
    assert "Aborted!" in refused.output
    assert counts() == (2, 2)

    one_line_error(invoke(app, "db", "truncate", "nowhere", "--yes"), "unknown table(s): nowhere")
    assert counts() == (2, 2)

    assert ok(app, "db", "truncate", "clidb_items", "--yes") == "truncated clidb_items\n"
    assert counts() == (2, 0)
    run_sql(url, "INSERT INTO clidb_items (id, project_id) VALUES (1, 1)")
    assert ok(app, "db", "truncate", input="y\n").endswith("truncated clidb_projects, clidb_items\n")
    assert counts() == (0, 0)
    assert run_sql(url, "SELECT count(*) FROM alembic_version")[0][0] == 1  # not a document table
    # keys start again from 1 on both databases (RESTART IDENTITY; SQLite's sqlite_sequence reset)
    run_sql(url, "INSERT INTO clidb_projects (name) VALUES ('after')")
    assert run_sql(url, "SELECT id FROM clidb_projects")[0][0] == 1


def test_create_and_drop_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cli.sqlite"
    app = make_app(tmp_path, f"sqlite:///{path}")
    assert ok(app, "db", "create") == f"created {path}\n"
    assert path.is_file()
    assert ok(app, "db", "create") == f"database {path} exists\n"
    ok(app, "db", "init")
    ok(app, "db", "revision", "-m", "notes", "--autogenerate")
    ok(app, "db", "upgrade")

    refused = invoke(app, "db", "drop", input="n\n")
    assert refused.exit_code == 1
    assert "Aborted!" in refused.output
    assert "clidb_notes" in columns(f"sqlite:///{path}")

    assert ok(app, "db", "drop", "--yes") == f"deleted {path}\n"
    assert not path.exists()
    assert not Path(f"{path}-wal").exists()


def test_create_and_drop_postgresql(tmp_path: Path) -> None:
    name = f"clidb_{uuid.uuid4().hex[:12]}"
    url = require_postgres().split("?", 1)[0].rsplit("/", 1)[0] + "/" + name
    app = make_app(tmp_path, url)
    try:
        assert ok(app, "db", "create") == f"created database {name}\n"
        assert ok(app, "db", "create") == f"database {name} exists\n"
        assert postgres_database_exists(name)
        ok(app, "db", "init")
        ok(app, "db", "revision", "-m", "notes", "--autogenerate")
        ok(app, "db", "upgrade")

        refused = invoke(app, "db", "drop", input="n\n")
        assert refused.exit_code == 1
        assert "Aborted!" in refused.output
        assert postgres_database_exists(name)

        assert ok(app, "db", "drop", "--yes") == f"dropped database {name}\n"
        assert not postgres_database_exists(name)
    finally:
        on_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- expected failures: one line, exit status 1 ----------------------------------------------------


def test_unreachable_database(tmp_path: Path) -> None:
    app = make_app(tmp_path, "postgresql://postgres@127.0.0.1:1/x")
    ok(app, "db", "init")  # no database needed
    for args in (
        ["upgrade"],
        ["downgrade", "base"],
        ["current"],
        ["stamp", "head"],
        ["check"],
        ["revision", "-m", "x", "--autogenerate"],
        ["create"],
        ["drop", "--yes"],
        ["truncate", "--yes"],
    ):
        line = one_line_error(invoke(app, "db", *args))
        assert "unreachable" in line or "unavailable" in line or "refused" in line, (args, line)


def test_unknown_revision(url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, url)
    ok(app, "db", "init")
    ok(app, "db", "revision", "-m", "notes", "--autogenerate", "--rev-id", "a1")
    for args in (["upgrade", "nope"], ["downgrade", "nope"], ["show", "nope"], ["stamp", "nope"]):
        one_line_error(invoke(app, "db", *args), "nope")
    one_line_error(invoke(app, "db", "merge", "a1", "nope"), "nope")


def test_app_without_tables(tmp_path: Path) -> None:
    app = App(None, specification_dir=tmp_path, migrations_dir=tmp_path / "migrations")
    app.add_api(document({}))
    for args in (["init"], ["upgrade"], ["current"], ["check"], ["create"], ["drop", "--yes"], ["truncate", "--yes"]):
        one_line_error(invoke(app, "db", *args), "this service has no database")
    assert not (tmp_path / "migrations").exists()


def run_python(script: Path, *args: str, cwd: Path, datastore: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("DATASTORE", None)
    if datastore is not None:
        env["DATASTORE"] = datastore
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_invalid_document_as_a_real_command(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /notes:\n    get:\n      responses:\n        '200': {description: 12}\n"
    )
    main = tmp_path / "main.py"
    main.write_text(
        "from openapi_aio import App\n\n"
        "app = App(__name__)\n"
        "app.add_api('broken.yaml')\n\n"
        "if __name__ == '__main__':\n"
        "    app.main()\n"
    )
    done = run_python(main, "db", "upgrade", cwd=tmp_path, datastore=f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    # one mistake, one line: where it is and what is wrong
    assert done.stderr.startswith("Error: broken.yaml#/paths/~1notes/get/responses/200/description: 12 is not of")
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""
    assert not (tmp_path / "x.sqlite").exists()


# --- the example app and the top-level migrations/ ----------------------------------------------------


def test_example_app_db_upgrade(url: str, tmp_path: Path) -> None:
    script = EXAMPLE / "main.py"
    upgraded = run_python(script, "db", "upgrade", cwd=tmp_path, datastore=url)
    assert upgraded.returncode == 0, upgraded.stderr
    tables = columns(url)
    assert {"projects", "tasks", "alembic_version"} <= set(tables)
    assert {"id", "project_id", "title", "priority", "version"} <= tables["tasks"]

    checked = run_python(script, "db", "check", cwd=tmp_path, datastore=url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the migrations match the document's tables" in checked.stdout
    current = run_python(script, "db", "current", cwd=tmp_path, datastore=url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == "0002 (head)"


async def test_serving_the_example_app_runs_its_migrations(
    aiohttp_client: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    spec = importlib.util.spec_from_file_location("clidb_example_main", EXAMPLE / "main.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "clidb_example_main", module)  # App(__name__) finds its folder
    spec.loader.exec_module(module)
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    client = await aiohttp_client(module.create_app(datastore=url).web_app)
    created = await client.post(
        "/api/v1/projects", json={"name": "migrated"}, headers={"Authorization": "Bearer demo-token"}
    )
    assert created.status == 201, await created.text()

    engine = create_async_engine(sqlalchemy_url(url), poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as connection:
            versions = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).all()
            names = (await connection.execute(sa.text("SELECT name FROM projects"))).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in versions] == [("0002",)]
    assert [tuple(row) for row in names] == [("migrated",)]
