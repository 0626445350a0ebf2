"""The database side of one API: its tables, its database, and its ``x-resource`` operations.

:class:`~openapi_aio.api.Api` makes one when the document has stored schemas or resources (or a
``datastore`` is configured), so a service without a database imports none of this.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from aiohttp import web

from openapi_aio.db.datastore import Database, default_datastore
from openapi_aio.db.embedded_shapes import embedded_responses
from openapi_aio.db.events import RowEvents
from openapi_aio.db.pagination import CursorCodec
from openapi_aio.db.resources import ResourceOperation, compile_resource
from openapi_aio.db.tables import TableModel, _Errors, build_tables
from openapi_aio.db.views import CrudView
from openapi_aio.errors import ResolverError, SpecError
from openapi_aio.keys import DATABASE, HUB
from openapi_aio.resolver import import_function
from openapi_aio.types import Endpoint, Handler

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.options import Options
    from openapi_aio.spec import ApiSpec

__all__ = ["NAMING", "Storage"]

# Every constraint and index gets a name: migrations can alter and drop them (SQLite's batch mode
# needs names), and two databases built from one document agree on them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = logging.getLogger("openapi_aio.db")


class Storage:
    def __init__(self, spec: ApiSpec, options: Options, base_dir: str | Path | None) -> None:
        self.spec = spec
        self.options = options
        self.metadata = options.metadata if options.metadata is not None else sa.MetaData(naming_convention=NAMING)
        self.errors: list[SpecError] = []
        self.tables: dict[str, TableModel] = {}
        try:
            self.tables = build_tables(spec, self.metadata)
        except _Errors as failed:
            self.errors += failed.errors
            self.tables = failed.models
        self.database = Database(options.datastore or default_datastore(base_dir), self.metadata)
        self.database.tables = self.tables  # Task.get(db, ...) finds its table here
        self.schemas = {stored.name: stored.schema for stored in spec.stored_schemas}  # self-contained
        self.cursors = CursorCodec(options.secret_key)
        self.resources: list[ResourceOperation] = []
        # where each schema's items live, for the Location of created rows
        self.item_paths: dict[str, str] = {}
        for operation in spec.operations:
            resource = operation.resource
            if resource is not None and operation.method == "get" and operation.path.rstrip("/").endswith("}"):
                self.item_paths.setdefault(str(resource.get("schema")), operation.path)

    def endpoint(self, operation: Operation) -> Endpoint:
        """What answers ``operation``: its resource's view (raises SpecError/ResolverError)."""
        schema = str((operation.spec.resource or {}).get("schema"))
        if schema not in self.tables and any(stored.name == schema for stored in self.spec.stored_schemas):
            raise SpecError(
                f"x-resource: schema {schema!r} cannot be served until the mistakes in its x-table are fixed",
                self.spec.source,
                operation.spec.pointer,
            )
        view = self._view(operation.spec.resource or {})
        resource = compile_resource(operation, self.tables, view, self.item_paths, self.spec.source, self._view_of)
        _share(resource, self.database)
        resource.cursors = self.cursors
        self.resources.append(resource)
        described = None
        if resource.embeds:  # the answers as sent: each row with the relations it may embed
            described = embedded_responses(operation.spec, resource, operation.version, self.schemas)
        bound_to = f"{view.__module__}.{view.__qualname__}.{resource.kind}"
        return Endpoint(_crud(operation, resource), bound_to, responses=described)

    def _view_of(self, schema: str, dotted: Any) -> type[CrudView]:
        """The view of an embedded relation: the one named, else the view of the schema's own
        resource (its collection GET first), else :class:`CrudView`."""
        if dotted is not None:
            return self._view({"view": dotted})
        candidates = [
            operation
            for operation in self.spec.operations
            if operation.resource is not None and operation.resource.get("schema") == schema
        ]
        candidates.sort(key=lambda op: (op.method != "get", op.path.rstrip("/").endswith("}")))
        return self._view(candidates[0].resource) if candidates else CrudView

    async def _filter_events(self, app: web.Application) -> None:
        """Each events channel's rows are shown per subscriber as the resource's reads are
        (:mod:`.events`); the first resource naming a channel decides for it."""
        hub = app.get(HUB)
        if hub is None:
            return
        for resource in self.resources:
            if resource.events is not None:
                hub.row_filters.setdefault(resource.events, RowEvents(resource))

    @staticmethod
    def _view(resource: Any) -> type[CrudView]:
        dotted = resource.get("view")
        if dotted is None:
            return CrudView
        view = import_function(str(dotted))
        if not (isinstance(view, type) and issubclass(view, CrudView)):
            raise ResolverError(f"x-resource view {dotted!r} is not a subclass of openapi_aio.db.CrudView")
        return view

    def mount(self, app: web.Application) -> None:
        """Share the application's database (one per application) and open it with the app."""
        app.on_startup.append(self._filter_events)
        existing = app.get(DATABASE)
        if existing is not None:
            if existing.url != self.database.url:
                raise SpecError(
                    f"this API's datastore {self.database!r} differs from the application's {existing!r}",
                    self.spec.source,
                )
            for table in self.metadata.sorted_tables:
                if table.name not in existing.metadata.tables:
                    table.to_metadata(existing.metadata)
            for resource in self.resources:
                _share(resource, existing)
            self.database = existing
            return
        app[DATABASE] = self.database
        database = self.database

        async def open_database(app: web.Application) -> None:
            await self.prepare()

        async def close_database(app: web.Application) -> None:
            await database.close()

        app.on_startup.append(open_database)
        app.on_cleanup.append(close_database)

    async def prepare(self) -> None:
        """Open the database and, with ``create_tables`` (default: on SQLite), make the tables:
        through the app's migrations when it has them (upgrade to head), else ``create_all``."""
        database = self.database
        await database.open()
        create = self.options.create_tables
        if create is None:
            create = database.dialect == "sqlite"
        if not create:
            return
        migrations = self.options.migrations_dir
        try:
            if migrations is not None and (Path(migrations) / "env.py").is_file():
                from openapi_aio.service.migrations import Migrations

                await asyncio.to_thread(Migrations(database, migrations).upgrade)
            else:
                await database.create_all()
        except (OSError, sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            log.error("cannot create the tables of %s (%s); answering 503 until it is back", database, error)


def _share(resource: ResourceOperation, database: Database) -> None:
    resource.database = database
    for relation in resource.embeds.values():
        relation.operation.database = database


def _crud(operation: Operation, resource: ResourceOperation) -> Handler:
    responder = operation.responder
    view, method = resource.view, resource.kind

    async def crud(request: web.Request) -> web.StreamResponse:
        media_type = responder.media_type(request)  # a 406 before any database work
        result = await getattr(view(request, resource), method)()
        return responder.respond(request, result, media_type)

    crud.__qualname__ = f"crud.{method}"
    return crud
