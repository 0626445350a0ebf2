"""The example service: ``python example_app/main.py serve``.

Projects and tasks are stored in ``data.sqlite`` beside this file unless ``DATASTORE`` names
another database (``postgresql://user@host/db``). On SQLite the tables are made on first start
by the migrations in ../migrations; on PostgreSQL run ``python example_app/main.py db upgrade``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the handler package lives beside this file

from tasks.errors import invalid_request

from openapi_aio import App, RequestValidationError


def create_app(datastore: str | None = None) -> App:
    # Invalid requests are answered by the example's own hook (tasks/errors.py).
    app = App(
        __name__,
        # the tables' migrations: the repository's top-level migrations/ folder
        migrations_dir="../migrations",
        exception_handlers={RequestValidationError: invalid_request},
        datastore=datastore,
        # Prometheus metrics at /metrics (the `metrics` extra; docs/operations.md, "Metrics")
        metrics=True,
    )
    app.add_api("openapi.yaml")
    return app


if __name__ == "__main__":
    # The service is made when a command runs, not before: `python main.py --help` answers without
    # reading the document or loading the database machinery (docs/cli.md).
    App.factory_cli(create_app).main()
