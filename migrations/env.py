"""Alembic's environment for an openapi_aio service.

The tables come from the service's OpenAPI document (``x-table``) and the database from its
``DATASTORE``: both are handed over by ``python main.py db ...``, so nothing here repeats them.
"""

from openapi_aio.service.migrations import run_environment

run_environment()
