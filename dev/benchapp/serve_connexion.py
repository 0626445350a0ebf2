"""Connexion 3 (``AsyncApp``) serving openapi.yaml + handlers.py unchanged.

Started as Connexion's docs show, under uvicorn with uvicorn's defaults (dev/bench):
``uvicorn benchapp.serve_connexion:app --port P`` from dev/. With ``BENCH_SPEC`` set (dev/bench's
start-up measurement), that document instead, operations without a handler answered 501.
"""

from __future__ import annotations

import os
from pathlib import Path

import connexion

from benchapp.common import HERE

if os.environ.get("BENCH_SPEC"):
    spec = Path(os.environ["BENCH_SPEC"])
    app = connexion.AsyncApp(__name__, specification_dir=spec.parent)
    app.add_api(spec.name, resolver_error=501)  # first 200: GET /openapi.json
else:
    app = connexion.AsyncApp(__name__, specification_dir=HERE)
    app.add_api("openapi.yaml")
