"""aio-openapi serving the benchmark's routes, written and run as its tutorial shows
(aio-openapi.readthedocs.io, "Tutorial"): ``python main.py serve --port P``.

``rest(...)`` gives the click command line whose ``serve`` runs ``aiohttp.web.run_app`` with
aio-openapi's defaults: asyncio's loop, and an access log line per request at its default
``LOG_LEVEL`` (info). The database is ``DATASTORE`` (docs/env.rst: a SQLAlchemy URL,
``postgresql+asyncpg://...``); the table bench_pets is benchapp/db.py's, described here only.
dev/bench runs it from this folder with dev/ on PYTHONPATH.
"""

import sqlalchemy as sa
from aiohttp import web
from openapi.db import CrudDB, get_db
from openapi.middleware import json_error
from openapi.rest import rest

from benchapp.aio_openapi import endpoints


def create_app():
    return rest(openapi={"title": "Peer benchmark", "version": "1.0"}, setup_app=setup_app)


def setup_app(app: web.Application) -> None:
    setup_tables(get_db(app))
    app.middlewares.append(json_error())
    app.router.add_routes(endpoints.routes)


def setup_tables(db: CrudDB) -> CrudDB:
    sa.Table(
        "bench_pets",
        db.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("species", sa.String, nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("weight", sa.Float),
        sa.Column("vaccinated", sa.Boolean),
    )
    return db


if __name__ == "__main__":
    create_app().main()
