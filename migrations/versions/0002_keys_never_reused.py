"""keys are never reused on SQLite (AUTOINCREMENT)

Revision 0002, written 2026-12-07.
Revises 0001.

SQLite gives a new row the largest key + 1: once the newest task was deleted, the next task got
its key, and a stale ``PATCH /tasks/83`` with ``If-Match: "1"`` changed that other task.
``AUTOINCREMENT`` remembers the largest key ever given (in ``sqlite_sequence``). SQLite cannot add
it to a table in place, so each table is rebuilt: created anew, its rows copied (keys kept), the
old one dropped. PostgreSQL's sequences never go back: nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("projects", "tasks")  # parents first: a rebuilt child's foreign key names its parent


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _without_foreign_keys(bind)
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def _without_foreign_keys(bind: sa.Connection) -> None:
    """Dropping the old ``projects`` would delete every task (``on_delete: cascade``) while SQLite
    enforces foreign keys; they can only be turned off outside a transaction, so refuse instead."""
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("0002 rebuilds tables: run it with SQLite's foreign keys off (python main.py db upgrade)")
