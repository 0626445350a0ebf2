"""Database-backed resources declared in the document (``x-table``, ``x-column``, ``x-resource``).

- :mod:`.tables`: stored schemas -> SQLAlchemy tables;
- :mod:`.resources`: ``x-resource`` operations -> what each parameter means, compiled at start-up;
- :mod:`.views`: :class:`CrudView`, which answers them (subclass it to customise);
- :mod:`.query`: what a request asks for (page, order, fields, count, cursor, ``If-Match``);
- :mod:`.statements`: the SQL of the views, built once per shape, every value bound
  (:mod:`.ordering`: ORDER BY and cursors; :mod:`.search`: the ``search`` words);
- :mod:`.embedding`, :mod:`.embedded_rows`, :mod:`.embedded_sql`, :mod:`.embedded_shapes`:
  related rows inline (``x-resource: {embed: ...}``): the relations, the request, the SQL, the
  served shapes;
- :mod:`.datastore`: :class:`Database`, PostgreSQL (asyncpg) or SQLite (aiosqlite);
- :mod:`.pagination`: signed keyset cursors and ``Link`` headers.

Handlers reach the database through ``request.app[DATABASE]``::

    async def report(request):
        db = request.app[DATABASE]
        tasks = db.metadata.tables["tasks"]
        async with db.transaction() as conn:
            rows = await conn.fetch_all(sa.select(tasks).where(tasks.c.done.is_(False)))
"""

from openapi_aio.db.columns import ColumnModel
from openapi_aio.db.datastore import Connection, Database, default_datastore
from openapi_aio.db.tables import TableModel
from openapi_aio.db.views import CrudView, merge_patch

__all__ = ["ColumnModel", "Connection", "CrudView", "Database", "TableModel", "default_datastore", "merge_patch"]
