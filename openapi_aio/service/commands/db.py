"""``python main.py db ...``: the database of the documents' tables and its migrations (alembic),
and creating, dropping or emptying that database.

PostgreSQL databases are created and dropped through the server's ``postgres`` database; an SQLite
database is its file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from openapi_aio.service.failures import clean_failures

if TYPE_CHECKING:
    from openapi_aio.db import Database
    from openapi_aio.service.app import App
    from openapi_aio.service.migrations import Migrations

__all__ = ["db_commands"]


def db_commands(get_app: Callable[[], App]) -> click.Group:
    """The ``db`` group; the app and its database are looked up when a command runs, not before."""

    @click.group(help="The database of the documents' tables, and its migrations (alembic).")
    def db() -> None:
        pass

    def migrations() -> Migrations:
        from openapi_aio.service.migrations import Migrations

        app = get_app()
        return Migrations(_database(app), app.migrations_dir)

    def ready() -> Migrations:
        found = migrations()
        if not found.ready:
            raise click.ClickException(f"no migrations environment in {found.directory}; run: db init")
        return found

    @db.command(help="Create the migrations folder (env.py targets the document's tables).")
    @clean_failures
    def init() -> None:
        migrations().init()
        click.echo(f"created {get_app().migrations_dir}")

    @db.command(help="Write a new revision.")
    @click.option("-m", "--message", required=True)
    @click.option("--autogenerate", is_flag=True, help="Compare the document's tables with the database.")
    @click.option("--rev-id", default=None, help="The revision's id (default: random).")
    @click.option("--head", default="head", show_default=True, help="The revision to build on (base: a new branch).")
    @click.option("--splice", is_flag=True, help="Allow --head to be a revision that is not a head.")
    @clean_failures
    def revision(message: str, autogenerate: bool, rev_id: str | None, head: str, splice: bool) -> None:
        ready().revision(message, autogenerate=autogenerate, rev_id=rev_id, head=head, splice=splice)

    @db.command(help="Upgrade to REVISION (default: head).")
    @click.argument("revision", default="head")
    @click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
    @clean_failures
    def upgrade(revision: str, sql: bool) -> None:
        ready().upgrade(revision, sql=sql)

    # ignore_unknown_options: a relative REVISION such as -1 is an argument, not an option
    @db.command(help="Downgrade to REVISION (e.g. -1, base).", context_settings={"ignore_unknown_options": True})
    @click.argument("revision")
    @click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
    @clean_failures
    def downgrade(revision: str, sql: bool) -> None:
        ready().downgrade(revision, sql=sql)

    @db.command(help="The revision the database is at.")
    @click.option("--verbose", is_flag=True)
    @clean_failures
    def current(verbose: bool) -> None:
        ready().current(verbose=verbose)

    @db.command(help="The revisions, newest first.")
    @click.option("--verbose", is_flag=True)
    @clean_failures
    def history(verbose: bool) -> None:
        ready().history(verbose=verbose)

    @db.command(help="One revision.")
    @click.argument("revision")
    @clean_failures
    def show(revision: str) -> None:
        ready().show(revision)

    @db.command(help="The head revisions.")
    @click.option("--verbose", is_flag=True)
    @clean_failures
    def heads(verbose: bool) -> None:
        ready().heads(verbose=verbose)

    @db.command(help="Mark the database as at REVISION without running migrations.")
    @click.argument("revision")
    @clean_failures
    def stamp(revision: str) -> None:
        ready().stamp(revision)

    @db.command(help="Merge REVISIONS (e.g. two heads) into one.")
    @click.argument("revisions", nargs=-1, required=True)
    @click.option("-m", "--message", default=None)
    @clean_failures
    def merge(revisions: tuple[str, ...], message: str | None) -> None:
        ready().merge(revisions, message)

    @db.command(help="Exit 1 when the document's tables and the migrations differ (for CI).")
    @clean_failures
    def check() -> None:
        ready().check()
        click.echo("the migrations match the document's tables")

    @db.command(help="Create the database (PostgreSQL) or its file (SQLite).")
    @clean_failures
    def create() -> None:
        database = _database(get_app())
        if database.dialect == "sqlite":
            path = _sqlite_path(database.url)
            if path.exists():
                click.echo(f"database {path} exists")
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            click.echo(f"created {path}")
            return
        click.echo(asyncio.run(_create_database(database)))

    @db.command(help="Drop the whole database (PostgreSQL) or delete its file (SQLite).")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @clean_failures
    def drop(yes: bool) -> None:
        database = _database(get_app())
        if not yes:
            click.confirm(f"Drop {database!r} and everything in it?", abort=True)
        if database.dialect == "sqlite":
            path = _sqlite_path(database.url)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            click.echo(f"deleted {path}")
            return
        click.echo(asyncio.run(_drop_database(database)))

    @db.command(help="Delete every row of the document's tables (or of TABLES).")
    @click.argument("tables", nargs=-1)
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @clean_failures
    def truncate(tables: tuple[str, ...], yes: bool) -> None:
        database = _database(get_app())
        names = list(tables) or [table.name for table in database.metadata.sorted_tables]
        unknown = [name for name in names if name not in database.metadata.tables]
        if unknown:
            raise click.ClickException(f"unknown table(s): {', '.join(unknown)}")
        if not yes:
            click.confirm(f"Delete every row of {', '.join(names)}?", abort=True)
        asyncio.run(_truncate(database, names))
        click.echo(f"truncated {', '.join(names)}")

    return db


def _database(app: App) -> Database:
    """``app``'s database, or a one-line failure for a service without one."""
    database = app.database
    if database is None:
        raise click.ClickException("this service has no database: its documents declare no x-table and no datastore")
    return database


async def _create_database(database: Database) -> str:
    """CREATE DATABASE unless it exists; the line to print."""
    import asyncpg

    from openapi_aio.db.datastore import asyncpg_dsn

    dsn = asyncpg_dsn(database.url)
    name = _database_name(dsn)
    connection = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return f"database {name} exists"
        await connection.execute(f'CREATE DATABASE "{_identifier(name)}"')
    finally:
        await connection.close()
    return f"created database {name}"


async def _drop_database(database: Database) -> str:
    """DROP DATABASE, closing other sessions (FORCE); the line to print."""
    import asyncpg

    from openapi_aio.db.datastore import asyncpg_dsn

    dsn = asyncpg_dsn(database.url)
    name = _database_name(dsn)
    connection = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{_identifier(name)}" WITH (FORCE)')
    finally:
        await connection.close()
    return f"dropped database {name}"


async def _truncate(database: Database, names: list[str]) -> None:
    """Empty the tables ``names`` in one transaction: TRUNCATE on PostgreSQL, DELETE (children
    first) on SQLite, which has no TRUNCATE. Keys start again from 1 on both: RESTART IDENTITY,
    and on SQLite the tables' rows of sqlite_sequence (AUTOINCREMENT's memory) are deleted too."""
    import sqlalchemy as sa

    try:
        async with database.transaction() as conn:
            if database.is_postgresql:
                quoted = ", ".join(f'"{_identifier(name)}"' for name in names)
                await conn.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed([t.name for t in database.metadata.sorted_tables if t.name in names]):
                    await conn.execute(sa.delete(database.metadata.tables[name]))
                sequences = await conn.fetch_value(
                    sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
                )
                if sequences:  # only once a table with AUTOINCREMENT exists
                    forget = sa.text("DELETE FROM sqlite_sequence WHERE name IN :names")
                    await conn.execute(forget.bindparams(sa.bindparam("names", expanding=True)), {"names": names})
    finally:
        await database.close()


def _sqlite_path(url: str) -> Path:
    """The file of an SQLite URL (``sqlite:///relative`` or ``sqlite:////absolute``)."""
    return Path(url.split(":///", 1)[1]) if ":///" in url else Path(url.split("://", 1)[1])


def _database_name(dsn: str) -> str:
    """The database part of a DSN, without its query string."""
    name = dsn.rsplit("/", 1)[1].split("?", 1)[0]
    if not name:
        raise click.ClickException(f"no database name in {dsn.split('@')[-1]}")
    return name


def _identifier(name: str) -> str:
    """``name`` for use between double quotes in SQL."""
    return name.replace('"', '""')
